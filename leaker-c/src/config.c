#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

struct uint_setting {
  const char *name;
  unsigned long def;
  unsigned long min;
  unsigned long max;
  const char *unit;
  size_t offset; /* of the unsigned field in struct leaker_config */
};

#define FIELD(f) offsetof(struct leaker_config, f)

static const struct uint_setting uint_settings[] = {
    {"PORT", 8080, 1, 65535, "TCP port", FIELD(port)},
    {"METRICS_PORT", 9090, 1, 65535, "TCP port", FIELD(metrics_port)},
    {"LEAK_START_DELAY_S", 30, 0, 86400, "seconds", FIELD(start_delay_s)},
    {"LEAK_INTERVAL_MS", 8000, 10, 3600000, "milliseconds", FIELD(interval_ms)},
    {"LEAK_CHUNK_KB", 1024, 4, 65536, "KiB", FIELD(chunk_kb)},
    {"LEAK_MAX_MB", 2048, 1, 65536, "MiB", FIELD(max_mb)},
    {"CACHE_MAX_MB", 64, 1, 65536, "MiB", FIELD(cache_max_mb)},
};

int parse_unsigned_strict(const char *text, unsigned long min,
                          unsigned long max, unsigned long *out) {
  if (text == NULL || *text == '\0')
    return -1;
  unsigned long value = 0;
  for (const char *p = text; *p != '\0'; p++) {
    if (*p < '0' || *p > '9')
      return -1;
    unsigned digit = (unsigned)(*p - '0');
    /* Stop before exceeding max, so the arithmetic can never wrap. */
    if (digit > max || value > (max - digit) / 10)
      return -1;
    value = value * 10 + digit;
  }
  if (value < min || value > max)
    return -1;
  *out = value;
  return 0;
}

const char *leak_mode_name(enum leak_mode mode) {
  switch (mode) {
  case LEAK_MODE_LEAK:
    return "leak";
  case LEAK_MODE_STEADY:
    return "steady";
  case LEAK_MODE_CACHE:
    return "cache";
  case LEAK_MODE_REALLOC:
    return "realloc";
  case LEAK_MODE_PARTIAL:
    return "partial";
  }
  return "unknown";
}

/* Quotes a user-supplied value for an error message: bounded length and
 * no control bytes, so a hostile value cannot forge log lines. */
static void quote_value(const char *value, char *buf, size_t buf_len) {
  static const size_t shown_max = 40;
  size_t used = 0;
  size_t i = 0;
  buf[0] = '\0';
  for (; value[i] != '\0' && i < shown_max; i++) {
    unsigned char c = (unsigned char)value[i];
    int n;
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      n = snprintf(buf + used, buf_len - used, "%c", c);
    else
      n = snprintf(buf + used, buf_len - used, "\\x%02x", c);
    if (n < 0 || (size_t)n >= buf_len - used)
      break;
    used += (size_t)n;
  }
  if (value[i] != '\0' && used + 4 < buf_len)
    strcpy(buf + used, "...");
}

static int fail_value(char *err, size_t err_len, const char *name,
                      const char *value, const char *expected) {
  char shown[4 * 40 + 4];
  quote_value(value, shown, sizeof shown);
  snprintf(err, err_len, "invalid %s=\"%s\": expected %s", name, shown,
           expected);
  return -1;
}

static int load_uint(config_lookup_fn lookup, void *ctx,
                     const struct uint_setting *s, struct leaker_config *out,
                     char *err, size_t err_len) {
  unsigned *field = (unsigned *)((char *)out + s->offset);
  const char *value = lookup(s->name, ctx);
  unsigned long parsed = s->def;
  if (value != NULL &&
      parse_unsigned_strict(value, s->min, s->max, &parsed) != 0) {
    char expected[96];
    snprintf(expected, sizeof expected, "an integer in [%lu, %lu] (%s)",
             s->min, s->max, s->unit);
    return fail_value(err, err_len, s->name, value, expected);
  }
  *field = (unsigned)parsed;
  return 0;
}

static int load_mode(const char *value, struct leaker_config *out, char *err,
                     size_t err_len) {
  static const char expected[] =
      "one of leak, steady, cache, realloc, partial";
  if (value == NULL || strcmp(value, "leak") == 0)
    out->mode = LEAK_MODE_LEAK;
  else if (strcmp(value, "steady") == 0)
    out->mode = LEAK_MODE_STEADY;
  else if (strcmp(value, "cache") == 0)
    out->mode = LEAK_MODE_CACHE;
  else if (strcmp(value, "realloc") == 0)
    out->mode = LEAK_MODE_REALLOC;
  else if (strcmp(value, "partial") == 0)
    out->mode = LEAK_MODE_PARTIAL;
  else
    return fail_value(err, err_len, "LEAK_MODE", value, expected);
  return 0;
}

static int load_bind_addr(const char *value, struct leaker_config *out,
                          char *err, size_t err_len) {
  static const char expected[] =
      "a numeric IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1 or ::";
  if (value == NULL)
    value = "0.0.0.0";
  if (strlen(value) < sizeof out->bind_addr_text) {
    if (inet_pton(AF_INET, value, &out->bind_addr.v4) == 1)
      out->bind_family = AF_INET;
    else if (inet_pton(AF_INET6, value, &out->bind_addr.v6) == 1)
      out->bind_family = AF_INET6;
    else
      return fail_value(err, err_len, "BIND_ADDR", value, expected);
    strcpy(out->bind_addr_text, value);
    return 0;
  }
  return fail_value(err, err_len, "BIND_ADDR", value, expected);
}

static int load_flag(const char *name, const char *value, bool def, bool *out,
                     char *err, size_t err_len) {
  if (value == NULL)
    *out = def;
  else if (strcmp(value, "0") == 0)
    *out = false;
  else if (strcmp(value, "1") == 0)
    *out = true;
  else
    return fail_value(err, err_len, name, value, "0 or 1");
  return 0;
}

static int load_pid_file(const char *value, struct leaker_config *out,
                         char *err, size_t err_len) {
  out->pid_file[0] = '\0';
  if (value == NULL)
    return 0;
  if (*value == '\0' || strlen(value) >= sizeof out->pid_file)
    return fail_value(err, err_len, "PID_FILE", value,
                      "a non-empty path shorter than 1024 bytes");
  strcpy(out->pid_file, value);
  return 0;
}

/* Rules that involve more than one variable. */
static int check_combination(const struct leaker_config *c, char *err,
                             size_t err_len) {
  if (c->port == c->metrics_port) {
    snprintf(err, err_len,
             "invalid PORT=%u and METRICS_PORT=%u: they must differ", c->port,
             c->metrics_port);
    return -1;
  }
  unsigned long chunk_kb = c->chunk_kb;
  bool grows = c->mode == LEAK_MODE_LEAK || c->mode == LEAK_MODE_REALLOC ||
               c->mode == LEAK_MODE_PARTIAL;
  if (grows && (unsigned long)c->max_mb * 1024 < chunk_kb) {
    snprintf(err, err_len,
             "invalid LEAK_MAX_MB=%u: must hold at least one LEAK_CHUNK_KB=%u "
             "chunk (LEAK_MAX_MB in [%lu, 65536])",
             c->max_mb, c->chunk_kb, (chunk_kb + 1023) / 1024);
    return -1;
  }
  if (c->mode == LEAK_MODE_CACHE &&
      (unsigned long)c->cache_max_mb * 1024 < chunk_kb) {
    snprintf(err, err_len,
             "invalid CACHE_MAX_MB=%u: must hold at least one LEAK_CHUNK_KB=%u "
             "chunk (CACHE_MAX_MB in [%lu, 65536])",
             c->cache_max_mb, c->chunk_kb, (chunk_kb + 1023) / 1024);
    return -1;
  }
  return 0;
}

int config_load(config_lookup_fn lookup, void *ctx, struct leaker_config *out,
                char *err, size_t err_len) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof uint_settings / sizeof uint_settings[0]; i++)
    if (load_uint(lookup, ctx, &uint_settings[i], out, err, err_len) != 0)
      return -1;
  if (load_mode(lookup("LEAK_MODE", ctx), out, err, err_len) != 0 ||
      load_bind_addr(lookup("BIND_ADDR", ctx), out, err, err_len) != 0 ||
      load_flag("LEAK_LOG", lookup("LEAK_LOG", ctx), false, &out->leak_log,
                err, err_len) != 0 ||
      load_pid_file(lookup("PID_FILE", ctx), out, err, err_len) != 0)
    return -1;
  return check_combination(out, err, err_len);
}
