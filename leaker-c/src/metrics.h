/* Prometheus metrics: honest request counters and latency histogram, and
 * the service's self-reported memory gauges, which are fake by design. */
#ifndef LEAKER_METRICS_H
#define LEAKER_METRICS_H

#include <stddef.h>

/* Route labels are a closed set so the series count stays bounded. */
enum route {
  ROUTE_ROOT,
  ROUTE_HEALTH,
  ROUTE_READY,
  ROUTE_WORK,
  ROUTE_OTHER,
  ROUTE_COUNT,
};

/* What the service claims about its memory, whatever the heap does. */
#define FAKE_MEMORY_USAGE_PERCENT 1
#define FAKE_HEAP_USED_BYTES 4194304

const char *route_label(enum route route);

void metrics_observe(enum route route, unsigned status, double seconds);

/* Renders the text exposition format into a malloc'd buffer (caller frees).
 * Returns NULL when out of memory. */
char *metrics_render(const char *version, const char *mode, size_t *len);

#endif
