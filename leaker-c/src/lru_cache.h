/* A bounded LRU map from small integer keys to owned values.
 *
 * Keys live in [0, key_space), so slots are a plain array indexed by key and
 * recency is an intrusive doubly linked list: O(1) put and evict, no hashing.
 * Not thread-safe; the caller locks. */
#ifndef LEAKER_LRU_CACHE_H
#define LEAKER_LRU_CACHE_H

#include <stddef.h>

struct lru_cache;

/* Called for every value the cache drops (replaced, evicted, or freed). */
typedef void (*lru_release_fn)(void *value);

struct lru_cache *lru_cache_new(size_t capacity, size_t key_space,
                                lru_release_fn release);
void lru_cache_free(struct lru_cache *cache);

/* Stores value under key as the most recent entry. An existing value for the
 * key is released; when full, the least recently used entry is released.
 * Returns 1 if it replaced, 2 if it evicted, 0 otherwise, -1 (nothing
 * stored) for a key outside the key space or a NULL value. */
int lru_cache_put(struct lru_cache *cache, size_t key, void *value);

size_t lru_cache_count(const struct lru_cache *cache);

/* Visits values from most to least recently used until visit returns
 * non-zero. */
void lru_cache_for_each(const struct lru_cache *cache,
                        int (*visit)(void *value, void *ctx), void *ctx);

#endif
