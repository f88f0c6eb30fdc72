#include "clock.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

static pthread_t ticker;
static atomic_bool running;
static volatile uint64_t *published;

uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *tick(void *unused)
{
	const struct timespec step = { 0, CLOCK_TICK_MS * 1000000L };
	while (atomic_load(&running)) {
		nanosleep(&step, NULL);
		*published = monotonic_ns();
	}
	return NULL;
}

int clock_start(volatile uint64_t *clock)
{
	published = clock;
	*published = monotonic_ns();
	atomic_store(&running, true);
	return -pthread_create(&ticker, NULL, tick, NULL);
}

void clock_stop(void)
{
	if (!atomic_exchange(&running, false))
		return;
	pthread_join(ticker, NULL);
}
