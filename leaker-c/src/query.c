#include "query.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Longer keys or values cannot be valid, so decoding stops there. */
#define TOKEN_MAX 16

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes src[0..len) into dst (NUL-terminated, '+' means space).
 * Returns the decoded length, -1 on a bad escape or an embedded NUL,
 * -2 when the result would not fit. */
static int decode_token(const char *src, size_t len, char *dst, size_t dst_len) {
  size_t out = 0;
  for (size_t i = 0; i < len; i++) {
    char c = src[i];
    if (c == '%') {
      if (i + 2 >= len) /* needs two hex digits after '%' */
        return -1;
      int hi = hex_value(src[i + 1]);
      int lo = hex_value(src[i + 2]);
      if (hi < 0 || lo < 0)
        return -1;
      c = (char)(hi * 16 + lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (c == '\0')
      return -1;
    if (out + 1 >= dst_len)
      return -2;
    dst[out++] = c;
  }
  dst[out] = '\0';
  return (int)out;
}

static int fail(char *err, size_t err_len, const char *reason) {
  snprintf(err, err_len, "%s", reason);
  return -1;
}

static int parse_n(const char *value, unsigned *out) {
  size_t len = strlen(value);
  if (len == 0 || len > 4 || (value[0] == '0'))
    return -1;
  unsigned n = 0;
  for (size_t i = 0; i < len; i++) {
    if (value[i] < '0' || value[i] > '9')
      return -1;
    n = n * 10 + (unsigned)(value[i] - '0');
  }
  if (n < 1 || n > WORK_N_MAX)
    return -1;
  *out = n;
  return 0;
}

int query_parse_work(const char *raw, size_t len, struct work_query *out,
                     char *err, size_t err_len) {
  static const char bad_n[] = "n must be an integer in [1, 1000]";
  bool seen_n = false;
  out->n = WORK_N_DEFAULT;

  size_t start = 0;
  while (start < len) {
    const char *seg = raw + start;
    const char *amp = memchr(seg, '&', len - start);
    size_t seg_len = amp ? (size_t)(amp - seg) : len - start;
    start += seg_len + 1; /* past the '&' (or past the end) */
    if (amp != NULL && start == len)
      return fail(err, err_len, "empty parameter in query");
    if (seg_len == 0)
      return fail(err, err_len, "empty parameter in query");

    const char *eq = memchr(seg, '=', seg_len);
    if (eq == NULL)
      return fail(err, err_len, "parameter without '=' in query");
    char key[TOKEN_MAX + 1];
    char value[TOKEN_MAX + 1];
    int key_len = decode_token(seg, (size_t)(eq - seg), key, sizeof key);
    if (key_len == -1)
      return fail(err, err_len, "bad percent-encoding in query");
    if (key_len < 0 || strcmp(key, "n") != 0)
      return fail(err, err_len, "unknown query parameter (only n is allowed)");
    if (seen_n)
      return fail(err, err_len, "n given more than once");
    seen_n = true;

    int value_len = decode_token(eq + 1, seg_len - (size_t)(eq - seg) - 1,
                                 value, sizeof value);
    if (value_len == -1)
      return fail(err, err_len, "bad percent-encoding in query");
    if (value_len < 0 || parse_n(value, &out->n) != 0)
      return fail(err, err_len, bad_n);
  }
  return 0;
}
