/* What GET /work does: ordinary per-request heap churn, plus a walk over the
 * memory the workload holds - the part that makes requests slower as the
 * leak grows. */
#ifndef LEAKER_WORK_H
#define LEAKER_WORK_H

#include <stdint.h>

/* Buffers per churn round; each is 1..64 KiB, written, then freed. */
#define WORK_BUFFERS_PER_ROUND 8

struct work_result {
  unsigned rounds;
  uint64_t checksum;
};

void work_run(unsigned rounds, struct work_result *out);

#endif
