#include "metrics_server.h"

#include <stdlib.h>

#include "http_server.h"
#include "metrics.h"
#include "version.h"

#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"

static const char *const metrics_paths[] = {"/metrics"};
static const char *mode_label;

static enum MHD_Result serve(struct MHD_Connection *c,
                             struct http_request *req, void *ctx) {
  (void)ctx;
  size_t len = 0;
  char *text = metrics_render(LEAKER_VERSION, mode_label, &len);
  if (text == NULL)
    return http_reply_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "out of memory");
  enum MHD_Result rc = http_reply(c, req, MHD_HTTP_OK, EXPOSITION, text, len);
  free(text);
  return rc;
}

static const struct http_routes routes = {
    .paths = metrics_paths,
    .path_count = 1,
    .serve = serve,
};

struct MHD_Daemon *metrics_server_start(const struct leaker_config *cfg) {
  mode_label = leak_mode_name(cfg->mode);
  return http_server_start(cfg, cfg->metrics_port, &routes, false);
}
