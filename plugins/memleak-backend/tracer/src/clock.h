/*
 * The clock the BPF programs stamp allocations with: CLOCK_MONOTONIC as this
 * process publishes it every CLOCK_TICK_MS. Reading it costs the programs a
 * load; bpf_ktime_get_ns() cost a helper call and a clock read per
 * allocation, a fifth of our work per traced pair. Ages are judged in
 * seconds, so a 10 ms step loses nothing they use.
 */
#ifndef CLOCK_H
#define CLOCK_H
#include <stdint.h>

#define CLOCK_TICK_MS 10

uint64_t monotonic_ns(void);
/* Publishes the time into *clock now, then every CLOCK_TICK_MS from a thread. */
int clock_start(volatile uint64_t *clock);
void clock_stop(void);
#endif
