/* libFuzzer target: the /work query-string parser.
 *
 * The input is the raw query (bytes after '?'), passed without a trailing
 * NUL in an exactly sized buffer so AddressSanitizer catches over-reads.
 * Checks the accepted range and that an accepted n survives a round trip
 * through its canonical form. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

/* Names the broken invariant in the crash report. */
#define check(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,       \
              __LINE__);                                                       \
      abort();                                                                 \
    }                                                                          \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *raw = malloc(size ? size : 1);
  if (raw == NULL)
    return 0;
  memcpy(raw, data, size);

  struct work_query q;
  char err[96];
  memset(err, 0, sizeof err);
  if (query_parse_work(raw, size, &q, err, sizeof err) == 0) {
    check(q.n >= 1 && q.n <= WORK_N_MAX);
    check(size == 0 || memchr(raw, '=', size) != NULL);
    char canonical[32];
    int len = snprintf(canonical, sizeof canonical, "n=%u", q.n);
    struct work_query again;
    check(query_parse_work(canonical, (size_t)len, &again, err, sizeof err) == 0);
    check(again.n == q.n);
  } else {
    check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
  }
  free(raw);
  return 0;
}
