#include "http_server.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOWED_METHODS "GET, HEAD"

static double seconds_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) +
         (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct http_request *req,
                             unsigned status, const char *content_type,
                             const char *body, size_t len, bool allow) {
  struct MHD_Response *res = MHD_create_response_from_buffer(
      len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (res == NULL)
    return MHD_NO;
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow)
    MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS);
  enum MHD_Result rc = MHD_queue_response(c, status, res);
  MHD_destroy_response(res);
  if (rc == MHD_YES) {
    req->status = status;
    if (req->routes->answered != NULL)
      req->routes->answered(req, seconds_since(&req->start), req->routes->ctx);
  }
  return rc;
}

enum MHD_Result http_reply(struct MHD_Connection *c, struct http_request *req,
                           unsigned status, const char *content_type,
                           const char *body, size_t len) {
  return queue(c, req, status, content_type, body, len, false);
}

static enum MHD_Result reply_error(struct MHD_Connection *c,
                                   struct http_request *req, unsigned status,
                                   const char *message, bool allow) {
  char body[256];
  int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", message);
  if (n < 0 || (size_t)n >= sizeof body)
    n = snprintf(body, sizeof body, "{\"error\":\"error\"}\n");
  return queue(c, req, status, "application/json", body, (size_t)n, allow);
}

enum MHD_Result http_reply_error(struct MHD_Connection *c,
                                 struct http_request *req, unsigned status,
                                 const char *message) {
  return reply_error(c, req, status, message, false);
}

/* Called by libmicrohttpd with the raw request target, before headers are
 * parsed; the return value becomes the request's context. Keeping the raw
 * query here lets our own parser (not libmicrohttpd's) judge it. */
static void *on_request_start(void *cls, const char *uri,
                              struct MHD_Connection *c) {
  (void)c;
  struct http_request *req = calloc(1, sizeof *req);
  if (req == NULL)
    return NULL;
  req->routes = cls;
  clock_gettime(CLOCK_MONOTONIC, &req->start);
  req->route = -1;
  const char *q = strchr(uri, '?');
  if (q != NULL) {
    q++;
    req->query = strndup(q, strcspn(q, "#"));
    if (req->query == NULL) {
      free(req);
      return NULL;
    }
  }
  return req;
}

static void on_request_done(void *cls, struct MHD_Connection *c,
                            void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  struct http_request *req = *con_cls;
  if (req == NULL)
    return;
  free(req->query);
  free(req);
  *con_cls = NULL;
}

static int find_route(const struct http_routes *routes, const char *url) {
  for (size_t i = 0; i < routes->path_count; i++)
    if (strcmp(routes->paths[i], url) == 0)
      return (int)i;
  return -1;
}

/* Our routes take no body. A small one with a Content-Length is read and
 * ignored; a larger one, or a chunked one whose size cannot be known up
 * front, is refused before it is read (libmicrohttpd only lets us answer
 * early, not in the middle of an upload). */
static bool body_too_large(struct MHD_Connection *c) {
  if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                  MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
    return true;
  const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_LENGTH);
  unsigned long declared;
  if (len == NULL)
    return false;
  return parse_unsigned_strict(len, 0, HTTP_BODY_LIMIT, &declared) != 0;
}

/* First call, headers complete: refuse what no route can serve. */
static enum MHD_Result check_request(const struct http_routes *routes,
                                     struct MHD_Connection *c,
                                     struct http_request *req, const char *url,
                                     const char *method) {
  req->route = find_route(routes, url);
  if (req->route < 0)
    return reply_error(c, req, MHD_HTTP_NOT_FOUND, "not found", false);
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
      strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    return reply_error(c, req, MHD_HTTP_METHOD_NOT_ALLOWED,
                       "method not allowed", true);
  if (body_too_large(c))
    return reply_error(c, req, MHD_HTTP_CONTENT_TOO_LARGE,
                       "request body too large", false);
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)version;
  (void)upload_data;
  const struct http_routes *routes = cls;
  struct http_request *req = *con_cls;
  if (req == NULL) /* out of memory in on_request_start: drop the connection */
    return MHD_NO;
  if (!req->headers_done) {
    req->headers_done = true;
    return check_request(routes, c, req, url, method);
  }
  if (*upload_data_size > 0) {
    req->body_bytes += *upload_data_size;
    *upload_data_size = 0;
    /* Unreachable while libmicrohttpd enforces Content-Length; if it ever
     * is reached, dropping the connection is the only safe answer. */
    return req->body_bytes > HTTP_BODY_LIMIT ? MHD_NO : MHD_YES;
  }
  if (req->status != 0)
    return MHD_YES;
  return routes->serve(c, req, routes->ctx);
}

/* Paths are matched byte for byte: our fixed paths never need escapes, and
 * libmicrohttpd's decoding would turn "/%00" into "/". Queries are parsed
 * raw by query.c, so nothing else depends on decoding. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  (void)c;
  return strlen(s);
}

static void log_mhd_error(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  fputs("http: ", stderr);
  vfprintf(stderr, fmt, ap);
}

struct MHD_Daemon *http_server_start(const struct leaker_config *cfg,
                                     unsigned port,
                                     const struct http_routes *routes,
                                     bool thread_per_connection) {
  struct sockaddr_in v4 = {0};
  struct sockaddr_in6 v6 = {0};
  struct sockaddr *addr = (struct sockaddr *)&v4;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ERROR_LOG;
  if (cfg->bind_family == AF_INET6) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons((uint16_t)port);
    v6.sin6_addr = cfg->bind_addr.v6;
    addr = (struct sockaddr *)&v6;
    flags |= MHD_USE_IPv6;
  } else {
    v4.sin_family = AF_INET;
    v4.sin_port = htons((uint16_t)port);
    v4.sin_addr = cfg->bind_addr.v4;
  }
  if (thread_per_connection)
    flags |= MHD_USE_THREAD_PER_CONNECTION;

  return MHD_start_daemon(
      flags, (uint16_t)port, NULL, NULL, on_request, (void *)routes,
      MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL, /* must come first */
      MHD_OPTION_SOCK_ADDR, addr,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
      MHD_OPTION_URI_LOG_CALLBACK, on_request_start, (void *)routes,
      MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
      MHD_OPTION_NOTIFY_COMPLETED, on_request_done, NULL,
      MHD_OPTION_END);
}
