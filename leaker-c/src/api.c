#include "api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_server.h"
#include "metrics.h"
#include "query.h"
#include "version.h"
#include "work.h"

#define JSON "application/json"

/* Same order as enum route, so a path's index is its metrics label. */
static const char *const api_paths[] = {"/", "/health", "/ready", "/work"};

static struct leaker_config config;
static struct timespec started;

static long uptime_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - started.tv_sec);
}

static enum MHD_Result serve_root(struct MHD_Connection *c,
                                  struct http_request *req) {
  char body[768];
  int n = snprintf(
      body, sizeof body,
      "{\"name\":\"leaker-c\",\"version\":\"%s\",\"mode\":\"%s\","
      "\"endpoints\":{"
      "\"/\":\"this description\","
      "\"/health\":\"liveness: always healthy\","
      "\"/ready\":\"readiness: always ready\","
      "\"/work\":\"request endpoint; optional n=1..%d churn rounds (default "
      "%d)\"},"
      "\"metrics\":{\"port\":%u,\"path\":\"/metrics\"}}\n",
      LEAKER_VERSION, leak_mode_name(config.mode), WORK_N_MAX, WORK_N_DEFAULT,
      config.metrics_port);
  return http_reply(c, req, MHD_HTTP_OK, JSON, body, (size_t)n);
}

/* Always healthy: this is the lie the plugins expose. */
static enum MHD_Result serve_health(struct MHD_Connection *c,
                                    struct http_request *req) {
  char body[160];
  int n = snprintf(body, sizeof body,
                   "{\"status\":\"healthy\",\"mode\":\"%s\","
                   "\"uptime_seconds\":%ld}\n",
                   leak_mode_name(config.mode), uptime_seconds());
  return http_reply(c, req, MHD_HTTP_OK, JSON, body, (size_t)n);
}

static enum MHD_Result serve_work(struct MHD_Connection *c,
                                  struct http_request *req) {
  struct work_query query;
  char err[96];
  const char *raw = req->query != NULL ? req->query : "";
  if (query_parse_work(raw, strlen(raw), &query, err, sizeof err) != 0)
    return http_reply_error(c, req, MHD_HTTP_BAD_REQUEST, err);
  struct work_result result;
  work_run(query.n, &result);
  char body[128];
  int n = snprintf(body, sizeof body,
                   "{\"status\":\"ok\",\"rounds\":%u,\"checksum\":\"%016" PRIx64
                   "\"}\n",
                   result.rounds, result.checksum);
  return http_reply(c, req, MHD_HTTP_OK, JSON, body, (size_t)n);
}

static enum MHD_Result serve(struct MHD_Connection *c,
                             struct http_request *req, void *ctx) {
  (void)ctx;
  switch ((enum route)req->route) {
  case ROUTE_ROOT:
    return serve_root(c, req);
  case ROUTE_HEALTH:
  case ROUTE_READY:
    return serve_health(c, req);
  case ROUTE_WORK:
    return serve_work(c, req);
  default:
    return http_reply_error(c, req, MHD_HTTP_NOT_FOUND, "not found");
  }
}

static void record(const struct http_request *req, double seconds, void *ctx) {
  (void)ctx;
  enum route route = req->route < 0 ? ROUTE_OTHER : (enum route)req->route;
  metrics_observe(route, req->status, seconds);
}

static const struct http_routes api_routes = {
    .paths = api_paths,
    .path_count = sizeof api_paths / sizeof api_paths[0],
    .serve = serve,
    .answered = record,
};

struct MHD_Daemon *api_start(const struct leaker_config *cfg) {
  config = *cfg;
  clock_gettime(CLOCK_MONOTONIC, &started);
  /* One thread per connection: a slow /work never delays /health. */
  return http_server_start(cfg, cfg->port, &api_routes, true);
}
