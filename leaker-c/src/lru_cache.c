#include "lru_cache.h"

#include <stdint.h>
#include <stdlib.h>

#define NONE SIZE_MAX

struct slot {
  void *value; /* NULL: key not present */
  size_t prev; /* towards the most recent entry */
  size_t next; /* towards the least recent entry */
};

struct lru_cache {
  size_t capacity;
  size_t key_space;
  size_t count;
  size_t head; /* most recently used key */
  size_t tail; /* least recently used key */
  lru_release_fn release;
  struct slot slots[];
};

struct lru_cache *lru_cache_new(size_t capacity, size_t key_space,
                                lru_release_fn release) {
  if (capacity == 0 || key_space == 0 ||
      key_space > (SIZE_MAX - sizeof(struct lru_cache)) / sizeof(struct slot))
    return NULL;
  struct lru_cache *c =
      calloc(1, sizeof *c + key_space * sizeof(struct slot));
  if (c == NULL)
    return NULL;
  c->capacity = capacity;
  c->key_space = key_space;
  c->head = c->tail = NONE;
  c->release = release;
  return c;
}

static void unlink_key(struct lru_cache *c, size_t key) {
  struct slot *s = &c->slots[key];
  if (s->prev != NONE)
    c->slots[s->prev].next = s->next;
  else
    c->head = s->next;
  if (s->next != NONE)
    c->slots[s->next].prev = s->prev;
  else
    c->tail = s->prev;
  s->prev = s->next = NONE;
}

static void push_front(struct lru_cache *c, size_t key) {
  struct slot *s = &c->slots[key];
  s->prev = NONE;
  s->next = c->head;
  if (c->head != NONE)
    c->slots[c->head].prev = key;
  c->head = key;
  if (c->tail == NONE)
    c->tail = key;
}

static void drop(struct lru_cache *c, size_t key) {
  struct slot *s = &c->slots[key];
  unlink_key(c, key);
  c->release(s->value);
  s->value = NULL;
  c->count--;
}

int lru_cache_put(struct lru_cache *c, size_t key, void *value) {
  int outcome = 0;
  if (key >= c->key_space || value == NULL)
    return -1;
  if (c->slots[key].value != NULL) {
    drop(c, key);
    outcome = 1;
  } else if (c->count == c->capacity) {
    drop(c, c->tail);
    outcome = 2;
  }
  c->slots[key].value = value;
  push_front(c, key);
  c->count++;
  return outcome;
}

size_t lru_cache_count(const struct lru_cache *c) { return c->count; }

void lru_cache_for_each(const struct lru_cache *c,
                        int (*visit)(void *value, void *ctx), void *ctx) {
  for (size_t key = c->head; key != NONE; key = c->slots[key].next)
    if (visit(c->slots[key].value, ctx) != 0)
      return;
}

void lru_cache_free(struct lru_cache *c) {
  if (c == NULL)
    return;
  while (c->head != NONE)
    drop(c, c->head);
  free(c);
}
