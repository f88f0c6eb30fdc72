#include "work.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

#define KIB 1024u

static _Thread_local uint64_t rng_state;

static uint64_t next_random(void) {
  if (rng_state == 0) /* per-thread seed; any non-zero value works */
    rng_state = ((uint64_t)clock() << 17) ^ (uint64_t)(uintptr_t)&rng_state;
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Allocates a handful of request-sized buffers, uses them, frees them all:
 * the malloc/free traffic of a normal service that must not look like a leak. */
static uint64_t churn_round(void) {
  unsigned char *buffers[WORK_BUFFERS_PER_ROUND];
  size_t sizes[WORK_BUFFERS_PER_ROUND];
  uint64_t sum = 0;
  for (int i = 0; i < WORK_BUFFERS_PER_ROUND; i++) {
    sizes[i] = KIB + (size_t)(next_random() % (63 * KIB + 1));
    buffers[i] = malloc(sizes[i]);
    if (buffers[i] != NULL) {
      memset(buffers[i], (int)(sizes[i] & 0xff) | 1, sizes[i]);
      sum += buffers[i][sizes[i] / 2];
    }
  }
  for (int i = 0; i < WORK_BUFFERS_PER_ROUND; i++)
    free(buffers[i]);
  return sum;
}

void work_run(unsigned rounds, struct work_result *out) {
  uint64_t sum = 0;
  for (unsigned r = 0; r < rounds; r++)
    sum += churn_round();
  workload_scan_held(&sum);
  out->rounds = rounds;
  out->checksum = sum;
}
