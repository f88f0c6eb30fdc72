/* Prometheus scrape endpoint on METRICS_PORT: GET /metrics. */
#ifndef LEAKER_METRICS_SERVER_H
#define LEAKER_METRICS_SERVER_H

#include "config.h"

struct MHD_Daemon;

struct MHD_Daemon *metrics_server_start(const struct leaker_config *cfg);

#endif
