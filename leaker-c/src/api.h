/* The service's HTTP API on PORT: /, /health, /ready, /work. */
#ifndef LEAKER_API_H
#define LEAKER_API_H

#include "config.h"

struct MHD_Daemon;

struct MHD_Daemon *api_start(const struct leaker_config *cfg);

#endif
