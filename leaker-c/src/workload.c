#include "workload.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lru_cache.h"

/* Keep these frames out of inlining and cloning so stacks name them. */
#ifdef __clang__
#define STACK_FRAME __attribute__((noinline))
#else
#define STACK_FRAME __attribute__((noinline, noclone))
#endif

#define CACHE_LINE 64

static struct leaker_config config;
static size_t chunk_bytes;
static pthread_t thread;
static bool thread_running;
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static atomic_bool stopping;

/* leak and partial modes: a list threaded through the first word of each
 * kept chunk. Chunks are never freed, so readers walk it without a lock. */
static _Atomic(void *) leak_head;
static unsigned long leak_chunks;

/* realloc mode: realloc moves the journal, so readers take the lock shared. */
static unsigned char *journal;
static size_t journal_bytes;
static pthread_rwlock_t journal_lock = PTHREAD_RWLOCK_INITIALIZER;

/* cache mode: the LRU owns its values; readers take the lock shared. */
static struct lru_cache *cache;
static pthread_rwlock_t cache_lock;

/* Sleeps until the absolute CLOCK_MONOTONIC deadline. Returns false when
 * asked to stop. */
static bool wait_until(const struct timespec *deadline) {
  pthread_mutex_lock(&wake_lock);
  while (!atomic_load(&stopping)) {
    int rc = pthread_cond_timedwait(&wake, &wake_lock, deadline);
    if (rc == ETIMEDOUT)
      break;
  }
  pthread_mutex_unlock(&wake_lock);
  return !atomic_load(&stopping);
}

static void advance_ms(struct timespec *t, unsigned long ms) {
  t->tv_sec += (time_t)(ms / 1000);
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

/* Runs step() after the start delay and then every interval, until stop. */
static void run_schedule(void (*step)(void)) {
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  advance_ms(&next, (unsigned long)config.start_delay_s * 1000);
  while (wait_until(&next)) {
    step();
    advance_ms(&next, config.interval_ms);
  }
}

/* malloc plus a write to every byte, so the pages are really resident.
 * Always inlined: the named workload function must be malloc's direct caller,
 * the frame eBPF tools attribute the allocation to. */
static inline __attribute__((always_inline)) void *
alloc_touched_pages(size_t bytes, unsigned char fill) {
  unsigned char *p = malloc(bytes);
  if (p != NULL) {
    memset(p, fill | 1, bytes); /* non-zero: never folded into calloc */
    /* The compiler may not drop a malloc/memset/free it can see through
     * (steady mode): the allocator traffic is the point. */
    __asm__ volatile("" : : "r"(p) : "memory");
  }
  return p;
}

static unsigned char fill_for(unsigned long seq) {
  return (unsigned char)(seq * 37u);
}

/* ---- leak ---- */

STACK_FRAME void leak_memory_chunk(void) {
  void *chunk = alloc_touched_pages(chunk_bytes, fill_for(leak_chunks));
  if (chunk == NULL) {
    fprintf(stderr, "leak: malloc(%zu) failed\n", chunk_bytes);
    return;
  }
  *(void **)chunk = atomic_load(&leak_head);
  atomic_store(&leak_head, chunk);
  leak_chunks++;
  if (config.leak_log)
    fprintf(stderr, "leak: chunk %lu held_kb=%lu\n", leak_chunks,
            leak_chunks * config.chunk_kb);
}

static void leak_step(void) {
  unsigned long limit_kb = (unsigned long)config.max_mb * 1024;
  unsigned long held_kb = leak_chunks * config.chunk_kb;
  if (held_kb + config.chunk_kb <= limit_kb) {
    leak_memory_chunk();
    if (config.leak_log && leak_chunks * config.chunk_kb + config.chunk_kb > limit_kb)
      fprintf(stderr, "leak: LEAK_MAX_MB reached after %lu chunks\n",
              leak_chunks);
  }
}

STACK_FRAME void *leak_thread(void *arg) {
  (void)arg;
  run_schedule(leak_step);
  return NULL;
}

/* ---- realloc ---- */

/* An append-only journal: LEAK_CHUNK_KB more every interval. Calls realloc
 * itself, so its stacks name it; each call may move the buffer, which is
 * why an allocation-age view never sees these bytes grow old. */
STACK_FRAME void journal_append(void) {
  size_t grown = journal_bytes + chunk_bytes;
  pthread_rwlock_wrlock(&journal_lock);
  unsigned char *p = realloc(journal, grown);
  if (p == NULL) {
    pthread_rwlock_unlock(&journal_lock);
    fprintf(stderr, "realloc: realloc(%zu) failed\n", grown);
    return;
  }
  memset(p + journal_bytes, fill_for(grown / chunk_bytes) | 1, chunk_bytes);
  journal = p;
  journal_bytes = grown;
  pthread_rwlock_unlock(&journal_lock);
  if (config.leak_log)
    fprintf(stderr, "realloc: append %zu held_kb=%zu\n", grown / chunk_bytes,
            grown / 1024);
}

static void journal_step(void) {
  if (journal_bytes + chunk_bytes <= (size_t)config.max_mb * 1024 * 1024)
    journal_append();
}

STACK_FRAME void *journal_thread(void *arg) {
  (void)arg;
  run_schedule(journal_step);
  return NULL;
}

/* ---- partial ---- */

#define SESSIONS_PER_STEP 8

static unsigned long sessions_opened;

/* A session of LEAK_CHUNK_KB; the caller closes it, except the one it forgets. */
STACK_FRAME void *session_open(void) {
  void *s = alloc_touched_pages(chunk_bytes, fill_for(sessions_opened));
  if (s != NULL)
    sessions_opened++;
  return s;
}

/* Opens 8 sessions, closes 7 at once and forgets the first (up to LEAK_MAX_MB):
 * most of what session_open allocates is freed young, the rest stays. */
static void session_step(void) {
  bool keep = (leak_chunks + 1) * config.chunk_kb <=
              (unsigned long)config.max_mb * 1024;
  for (int i = 0; i < SESSIONS_PER_STEP; i++) {
    void *s = session_open();
    if (s == NULL) {
      fprintf(stderr, "partial: malloc(%zu) failed\n", chunk_bytes);
      return;
    }
    if (i == 0 && keep) {
      *(void **)s = atomic_load(&leak_head);
      atomic_store(&leak_head, s);
      leak_chunks++;
    } else {
      free(s);
    }
  }
  if (config.leak_log)
    fprintf(stderr, "partial: kept %lu opened=%lu held_kb=%lu\n", leak_chunks,
            sessions_opened, leak_chunks * config.chunk_kb);
}

STACK_FRAME void *session_thread(void *arg) {
  (void)arg;
  run_schedule(session_step);
  return NULL;
}

/* ---- steady ---- */

static unsigned long steady_cycles;

STACK_FRAME void steady_churn_chunk(void) {
  void *chunk = alloc_touched_pages(chunk_bytes, fill_for(steady_cycles));
  free(chunk);
  steady_cycles++;
  if (config.leak_log)
    fprintf(stderr, "steady: cycle %lu\n", steady_cycles);
}

STACK_FRAME void *steady_thread(void *arg) {
  (void)arg;
  run_schedule(steady_churn_chunk);
  return NULL;
}

/* ---- cache ---- */

static size_t cache_capacity;
static unsigned long cache_inserts;
static uint64_t cache_rng;

/* xorshift64: cheap, and good enough to pick keys. */
static uint64_t next_random(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

STACK_FRAME void cache_insert_entry(size_t key) {
  void *value = alloc_touched_pages(chunk_bytes, fill_for(cache_inserts));
  if (value == NULL) {
    fprintf(stderr, "cache: malloc(%zu) failed\n", chunk_bytes);
    return;
  }
  pthread_rwlock_wrlock(&cache_lock);
  int outcome = lru_cache_put(cache, key, value);
  size_t entries = lru_cache_count(cache);
  pthread_rwlock_unlock(&cache_lock);
  cache_inserts++;
  if (config.leak_log)
    fprintf(stderr, "cache: insert %lu key=%zu entries=%zu held_kb=%lu %s\n",
            cache_inserts, key, entries,
            (unsigned long)entries * config.chunk_kb,
            outcome == 1 ? "replaced" : outcome == 2 ? "evicted" : "added");
}

static void cache_step(void) {
  /* Twice the capacity: hits replace values even while the cache fills. */
  cache_insert_entry((size_t)(next_random(&cache_rng) % (2 * cache_capacity)));
}

STACK_FRAME void *cache_thread(void *arg) {
  (void)arg;
  run_schedule(cache_step);
  return NULL;
}

static int setup_cache(void) {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  /* Requests read constantly; without this the inserting writer starves. */
  pthread_rwlockattr_setkind_np(&attr,
                                PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&cache_lock, &attr);
  pthread_rwlockattr_destroy(&attr);
  cache_capacity = ((size_t)config.cache_max_mb * 1024) / config.chunk_kb;
  cache = lru_cache_new(cache_capacity, 2 * cache_capacity, free);
  cache_rng = (uint64_t)time(NULL) * 2654435761u | 1;
  return cache == NULL ? -1 : 0;
}

/* ---- lifecycle and scanning ---- */

int workload_start(const struct leaker_config *cfg) {
  config = *cfg;
  chunk_bytes = (size_t)cfg->chunk_kb * 1024;
  atomic_store(&stopping, false);

  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&wake, &attr);
  pthread_condattr_destroy(&attr);

  void *(*body)(void *) = leak_thread;
  const char *name = "leak";
  if (cfg->mode == LEAK_MODE_STEADY) {
    body = steady_thread;
    name = "steady";
  } else if (cfg->mode == LEAK_MODE_CACHE) {
    if (setup_cache() != 0)
      return -1;
    body = cache_thread;
    name = "cache";
  } else if (cfg->mode == LEAK_MODE_REALLOC) {
    body = journal_thread;
    name = "journal";
  } else if (cfg->mode == LEAK_MODE_PARTIAL) {
    body = session_thread;
    name = "sessions";
  }
  if (pthread_create(&thread, NULL, body, NULL) != 0)
    return -1;
  pthread_setname_np(thread, name);
  thread_running = true;
  return 0;
}

void workload_stop(void) {
  pthread_mutex_lock(&wake_lock);
  atomic_store(&stopping, true);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&wake_lock);
  if (thread_running)
    pthread_join(thread, NULL);
  thread_running = false;
}

static uint64_t scan_bytes(const unsigned char *p, size_t bytes) {
  uint64_t sum = 0;
  for (size_t off = 0; off + sizeof(uint64_t) <= bytes; off += CACHE_LINE) {
    uint64_t word;
    memcpy(&word, p + off, sizeof word);
    sum += word;
  }
  return sum;
}

struct scan_state {
  uint64_t sum;
  size_t bytes;
};

static int scan_value(void *value, void *ctx) {
  struct scan_state *st = ctx;
  st->sum += scan_bytes(value, chunk_bytes);
  st->bytes += chunk_bytes;
  return atomic_load(&stopping);
}

size_t workload_scan_held(uint64_t *sum) {
  struct scan_state st = {0, 0};
  if (config.mode == LEAK_MODE_LEAK || config.mode == LEAK_MODE_PARTIAL) {
    for (void *p = atomic_load(&leak_head); p != NULL && !atomic_load(&stopping);
         p = *(void **)p)
      scan_value(p, &st);
  } else if (config.mode == LEAK_MODE_REALLOC) {
    pthread_rwlock_rdlock(&journal_lock);
    if (journal != NULL) {
      st.sum += scan_bytes(journal, journal_bytes);
      st.bytes += journal_bytes;
    }
    pthread_rwlock_unlock(&journal_lock);
  } else if (config.mode == LEAK_MODE_CACHE && cache != NULL) {
    pthread_rwlock_rdlock(&cache_lock);
    lru_cache_for_each(cache, scan_value, &st);
    pthread_rwlock_unlock(&cache_lock);
  }
  *sum += st.sum;
  return st.bytes;
}
