/* Configuration from environment variables.
 *
 * Parsing is pure: values come from a lookup callback, results go into a
 * struct, errors into a caller-owned buffer. That keeps it fuzzable and lets
 * main() decide what an error means (exit code 2). */
#ifndef LEAKER_CONFIG_H
#define LEAKER_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

enum leak_mode {
  LEAK_MODE_LEAK,   /* allocate and keep forever, up to LEAK_MAX_MB */
  LEAK_MODE_STEADY, /* allocate and free the same sizes: nothing accumulates */
  LEAK_MODE_CACHE,  /* bounded LRU cache: grows to CACHE_MAX_MB, then plateaus */
  LEAK_MODE_REALLOC, /* one buffer grown by realloc, up to LEAK_MAX_MB */
  LEAK_MODE_PARTIAL, /* frees 7 of every 8 chunks at once, keeps the 8th */
};

#define CONFIG_PID_FILE_MAX 1024

struct leaker_config {
  unsigned port;
  unsigned metrics_port;
  int bind_family; /* AF_INET or AF_INET6 */
  union {
    struct in_addr v4;
    struct in6_addr v6;
  } bind_addr;
  char bind_addr_text[INET6_ADDRSTRLEN];
  enum leak_mode mode;
  unsigned start_delay_s;
  unsigned interval_ms;
  unsigned chunk_kb;
  unsigned max_mb;
  unsigned cache_max_mb;
  bool leak_log;
  char pid_file[CONFIG_PID_FILE_MAX]; /* empty: no pid file */
};

/* Returns the value of an environment variable, or NULL when unset. */
typedef const char *(*config_lookup_fn)(const char *name, void *ctx);

/* Fills *out from the variables lookup() returns. On error returns -1 and
 * writes a one-line message naming the variable and its allowed range. */
int config_load(config_lookup_fn lookup, void *ctx, struct leaker_config *out,
                char *err, size_t err_len);

/* Strict decimal parse: digits only, no sign, no whitespace, no trailing
 * junk, value in [min, max]. Returns 0 on success. */
int parse_unsigned_strict(const char *text, unsigned long min,
                          unsigned long max, unsigned long *out);

const char *leak_mode_name(enum leak_mode mode);

#endif
