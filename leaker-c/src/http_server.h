/* A small layer over libmicrohttpd shared by the API and metrics servers:
 * binding, request lifecycle, size limits, and the generic refusals
 * (404 unknown path, 405 method, 413 body) so route code only serves. */
#ifndef LEAKER_HTTP_SERVER_H
#define LEAKER_HTTP_SERVER_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"

/* Request line plus headers must fit in this per-connection buffer; larger
 * requests get 414 or 431 from libmicrohttpd. */
#define HTTP_CONNECTION_MEMORY 16384
/* Our endpoints take no body; anything beyond this is refused with 413. */
#define HTTP_BODY_LIMIT 1024

struct http_routes;

struct http_request {
  const struct http_routes *routes;
  struct timespec start;
  int route;      /* index into http_routes.paths, -1 when unknown */
  unsigned status; /* 0 until a response is queued */
  bool headers_done;
  size_t body_bytes;
  char *query; /* raw bytes after '?', NUL-terminated; NULL when absent */
};

struct http_routes {
  const char *const *paths; /* exact paths; the index is the route */
  size_t path_count;
  /* Serves a known path for GET/HEAD once the request is complete. */
  enum MHD_Result (*serve)(struct MHD_Connection *c, struct http_request *req,
                           void *ctx);
  /* Optional: sees every request as its answer is queued, with the time
   * taken so far. Queued, not sent: a client holding its answer then always
   * finds it counted in the next /metrics scrape. */
  void (*answered)(const struct http_request *req, double seconds, void *ctx);
  void *ctx;
};

/* Starts a daemon on cfg's bind address and the given port. routes must
 * outlive the daemon. thread_per_connection keeps slow requests from
 * blocking others. Returns NULL on failure (e.g. port in use). */
struct MHD_Daemon *http_server_start(const struct leaker_config *cfg,
                                     unsigned port,
                                     const struct http_routes *routes,
                                     bool thread_per_connection);

enum MHD_Result http_reply(struct MHD_Connection *c, struct http_request *req,
                           unsigned status, const char *content_type,
                           const char *body, size_t len);

/* {"error": message}; message must not need JSON escaping. */
enum MHD_Result http_reply_error(struct MHD_Connection *c,
                                 struct http_request *req, unsigned status,
                                 const char *message);

#endif
