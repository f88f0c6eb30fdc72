#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                       0.1,   0.25,   0.5,   1,    2.5,   5};
#define BUCKETS (sizeof bucket_bounds / sizeof bucket_bounds[0])

/* HTTP status codes seen per route; a handful at most in practice. */
#define CODES_MAX 16

struct code_count {
  unsigned code;
  unsigned long long count;
};

struct route_stats {
  struct code_count codes[CODES_MAX];
  size_t code_count;
  unsigned long long buckets[BUCKETS]; /* non-cumulative; summed on render */
  unsigned long long observations;
  double seconds_sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_stats stats[ROUTE_COUNT];

const char *route_label(enum route route) {
  static const char *const labels[ROUTE_COUNT] = {"/", "/health", "/ready",
                                                  "/work", "other"};
  return route < ROUTE_COUNT ? labels[route] : "other";
}

static void count_code(struct route_stats *s, unsigned code) {
  for (size_t i = 0; i < s->code_count; i++) {
    if (s->codes[i].code == code) {
      s->codes[i].count++;
      return;
    }
  }
  if (s->code_count < CODES_MAX)
    s->codes[s->code_count++] = (struct code_count){code, 1};
}

void metrics_observe(enum route route, unsigned status, double seconds) {
  if (route >= ROUTE_COUNT)
    route = ROUTE_OTHER;
  pthread_mutex_lock(&lock);
  struct route_stats *s = &stats[route];
  count_code(s, status);
  size_t b = 0;
  while (b < BUCKETS && seconds > bucket_bounds[b])
    b++;
  if (b < BUCKETS)
    s->buckets[b]++;
  s->observations++;
  s->seconds_sum += seconds;
  pthread_mutex_unlock(&lock);
}

static void render_fake_memory(FILE *out) {
  fprintf(out,
          "# HELP memory_usage_percent Memory used by the service, in percent "
          "of its limit (self-reported).\n"
          "# TYPE memory_usage_percent gauge\n"
          "memory_usage_percent %d\n"
          "# HELP memory_heap_used_bytes Heap bytes in use (self-reported).\n"
          "# TYPE memory_heap_used_bytes gauge\n"
          "memory_heap_used_bytes %d\n",
          FAKE_MEMORY_USAGE_PERCENT, FAKE_HEAP_USED_BYTES);
}

static void render_requests(FILE *out) {
  fprintf(out, "# HELP http_requests_total HTTP requests served, by route and "
               "status code.\n"
               "# TYPE http_requests_total counter\n");
  for (int r = 0; r < ROUTE_COUNT; r++)
    for (size_t i = 0; i < stats[r].code_count; i++)
      fprintf(out, "http_requests_total{path=\"%s\",code=\"%u\"} %llu\n",
              route_label(r), stats[r].codes[i].code, stats[r].codes[i].count);
}

static void render_durations(FILE *out) {
  fprintf(out, "# HELP http_request_duration_seconds Time from request line to "
               "the answer being queued.\n"
               "# TYPE http_request_duration_seconds histogram\n");
  for (int r = 0; r < ROUTE_COUNT; r++) {
    const struct route_stats *s = &stats[r];
    if (s->observations == 0)
      continue;
    unsigned long long cumulative = 0;
    for (size_t b = 0; b < BUCKETS; b++) {
      cumulative += s->buckets[b];
      fprintf(out,
              "http_request_duration_seconds_bucket{path=\"%s\",le=\"%g\"} "
              "%llu\n",
              route_label(r), bucket_bounds[b], cumulative);
    }
    fprintf(out,
            "http_request_duration_seconds_bucket{path=\"%s\",le=\"+Inf\"} "
            "%llu\n"
            "http_request_duration_seconds_sum{path=\"%s\"} %.9f\n"
            "http_request_duration_seconds_count{path=\"%s\"} %llu\n",
            route_label(r), s->observations, route_label(r), s->seconds_sum,
            route_label(r), s->observations);
  }
}

char *metrics_render(const char *version, const char *mode, size_t *len) {
  char *buf = NULL;
  FILE *out = open_memstream(&buf, len);
  if (out == NULL)
    return NULL;
  render_fake_memory(out);
  pthread_mutex_lock(&lock);
  render_requests(out);
  render_durations(out);
  pthread_mutex_unlock(&lock);
  fprintf(out,
          "# HELP leaker_build_info Build of the leaker service.\n"
          "# TYPE leaker_build_info gauge\n"
          "leaker_build_info{version=\"%s\",mode=\"%s\"} 1\n",
          version, mode);
  if (fclose(out) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
