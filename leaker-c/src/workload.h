/* The background memory workload: the hidden leak, or one of its controls.
 *
 * One thread, chosen by LEAK_MODE, allocates LEAK_CHUNK_KB every
 * LEAK_INTERVAL_MS after LEAK_START_DELAY_S:
 *   leak   - leak_thread() -> leak_memory_chunk(): kept forever, up to LEAK_MAX_MB
 *   steady - steady_thread() -> steady_churn_chunk(): freed right away
 *   cache  - cache_thread() -> cache_insert_entry(): bounded LRU of CACHE_MAX_MB
 *   realloc - journal_thread() -> journal_append(): one buffer grown by
 *            realloc, up to LEAK_MAX_MB (moved each time: it never ages)
 *   partial - session_thread() -> session_open(): 8 chunks per interval,
 *            7 freed at once, the 8th kept, up to LEAK_MAX_MB
 * The function names are part of the product: eBPF stack traces show them. */
#ifndef LEAKER_WORKLOAD_H
#define LEAKER_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

int workload_start(const struct leaker_config *cfg);
void workload_stop(void);

/* Reads one word per cache line of all memory the workload holds (what makes
 * requests slower as the leak grows). Adds to *sum; returns bytes covered. */
size_t workload_scan_held(uint64_t *sum);

#endif
