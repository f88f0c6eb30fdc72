/* libFuzzer target: environment parsing (config_load, parse_unsigned_strict).
 *
 * Input: newline-separated values, line k is the value of VARS[k]; a line
 * that is exactly "-" leaves the variable unset. Checks that accepted
 * configurations are within the documented ranges and that every error
 * names a variable and stays printable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const VARS[] = {
    "PORT",        "METRICS_PORT", "BIND_ADDR",    "LEAK_MODE",
    "LEAK_START_DELAY_S", "LEAK_INTERVAL_MS", "LEAK_CHUNK_KB", "LEAK_MAX_MB",
    "CACHE_MAX_MB", "LEAK_LOG",    "PID_FILE",
};
#define NVARS (sizeof VARS / sizeof VARS[0])

struct env {
  const char *values[NVARS];
};

static const char *lookup(const char *name, void *ctx) {
  struct env *env = ctx;
  for (size_t i = 0; i < NVARS; i++)
    if (strcmp(VARS[i], name) == 0)
      return env->values[i];
  abort(); /* config asked for a variable this harness does not know */
}

/* Names the broken invariant in the crash report. */
#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,       \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static void check_accepted(const struct leaker_config *c) {
  check(c->port >= 1 && c->port <= 65535);
  check(c->metrics_port >= 1 && c->metrics_port <= 65535);
  check(c->port != c->metrics_port);
  check(c->start_delay_s <= 86400);
  check(c->interval_ms >= 10 && c->interval_ms <= 3600000);
  check(c->chunk_kb >= 4 && c->chunk_kb <= 65536);
  check(c->max_mb >= 1 && c->max_mb <= 65536);
  check(c->cache_max_mb >= 1 && c->cache_max_mb <= 65536);
  check(c->mode == LEAK_MODE_LEAK || c->mode == LEAK_MODE_STEADY ||
        c->mode == LEAK_MODE_CACHE || c->mode == LEAK_MODE_REALLOC ||
        c->mode == LEAK_MODE_PARTIAL);
  check(memchr(c->bind_addr_text, '\0', sizeof c->bind_addr_text) != NULL);
  check(memchr(c->pid_file, '\0', sizeof c->pid_file) != NULL);
}

static void check_error(const char *err) {
  check(err[0] != '\0');
  int names_one = 0;
  for (size_t i = 0; i < NVARS; i++)
    names_one |= strstr(err, VARS[i]) != NULL;
  check(names_one);
  for (const char *p = err; *p; p++)
    check((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

/* Differential check of the number parser against strtoull. */
static void check_number(const char *text) {
  unsigned long got;
  int rc = parse_unsigned_strict(text, 1, 65535, &got);
  int digits_only = text[0] != '\0' && strspn(text, "0123456789") == strlen(text);
  if (!digits_only) {
    check(rc != 0);
    return;
  }
  size_t len = strlen(text);
  size_t lead = strspn(text, "0");
  int fits = len - lead <= 5;
  unsigned long long want = fits ? strtoull(text, NULL, 10) : 0;
  if (fits && want >= 1 && want <= 65535)
    check(rc == 0 && got == want);
  else
    check(rc != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = malloc(size + 1);
  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';

  struct env env = {{0}};
  char *line = copy;
  for (size_t i = 0; i < NVARS && line != NULL; i++) {
    char *nl = strchr(line, '\n');
    if (nl != NULL)
      *nl = '\0';
    env.values[i] = strcmp(line, "-") == 0 ? NULL : line;
    check_number(line);
    line = nl != NULL ? nl + 1 : NULL;
  }

  struct leaker_config cfg;
  char err[256];
  memset(err, 0, sizeof err);
  if (config_load(lookup, &env, &cfg, err, sizeof err) == 0)
    check_accepted(&cfg);
  else
    check_error(err);
  free(copy);
  return 0;
}
