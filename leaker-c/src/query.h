/* Query string of GET /work, parsed by our own code (pure, fuzzed).
 *
 * Accepted: empty, or exactly one "n=<1..WORK_N_MAX>" (percent-encoding
 * allowed). Everything else is a client error: unknown keys, duplicates,
 * empty segments, bad escapes, signs, leading zeros, out-of-range values. */
#ifndef LEAKER_QUERY_H
#define LEAKER_QUERY_H

#include <stddef.h>

#define WORK_N_DEFAULT 4
#define WORK_N_MAX 1000

struct work_query {
  unsigned n; /* churn rounds */
};

/* raw: the bytes after '?', not NUL-terminated; len may be 0.
 * Returns 0 and fills *out, or -1 with a short reason in err. */
int query_parse_work(const char *raw, size_t len, struct work_query *out,
                     char *err, size_t err_len);

#endif
