/* leaker: a service that leaks heap memory while reporting itself healthy.
 * See README.md for the configuration and the endpoints. */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "metrics_server.h"
#include "version.h"
#include "workload.h"

#define EXIT_CONFIG 2

static const char *lookup_env(const char *name, void *ctx) {
  (void)ctx;
  return getenv(name);
}

static int write_pid_file(const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f, "%ld\n", (long)getpid());
  return fclose(f);
}

int main(void) {
  struct leaker_config cfg;
  char err[256];
  if (config_load(lookup_env, NULL, &cfg, err, sizeof err) != 0) {
    fprintf(stderr, "leaker: %s\n", err);
    return EXIT_CONFIG;
  }

  /* Block the stop signals before any thread exists, so every thread
   * inherits the mask and only sigwait() below receives them. */
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

  struct MHD_Daemon *api = api_start(&cfg);
  if (api == NULL) {
    fprintf(stderr, "leaker: cannot listen on %s port %u (PORT)\n",
            cfg.bind_addr_text, cfg.port);
    return EXIT_FAILURE;
  }
  struct MHD_Daemon *metrics = metrics_server_start(&cfg);
  if (metrics == NULL) {
    fprintf(stderr, "leaker: cannot listen on %s port %u (METRICS_PORT)\n",
            cfg.bind_addr_text, cfg.metrics_port);
    MHD_stop_daemon(api);
    return EXIT_FAILURE;
  }
  if (workload_start(&cfg) != 0) {
    fprintf(stderr, "leaker: cannot start the %s workload\n",
            leak_mode_name(cfg.mode));
    MHD_stop_daemon(metrics);
    MHD_stop_daemon(api);
    return EXIT_FAILURE;
  }
  if (cfg.pid_file[0] != '\0' && write_pid_file(cfg.pid_file) != 0)
    fprintf(stderr, "leaker: cannot write PID_FILE %s: %s\n", cfg.pid_file,
            strerror(errno));

  fprintf(stderr,
          "leaker: %s ready, mode=%s, http=%s:%u, metrics=%s:%u/metrics\n",
          LEAKER_VERSION, leak_mode_name(cfg.mode), cfg.bind_addr_text,
          cfg.port, cfg.bind_addr_text, cfg.metrics_port);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  fprintf(stderr, "leaker: signal %d, shutting down\n", sig);

  /* Workload first: stopping it also cuts short any running /work scan. */
  workload_stop();
  MHD_stop_daemon(metrics);
  MHD_stop_daemon(api);
  if (cfg.pid_file[0] != '\0')
    unlink(cfg.pid_file);
  fprintf(stderr, "leaker: stopped\n");
  return EXIT_SUCCESS;
}
