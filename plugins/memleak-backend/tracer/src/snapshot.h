/* Reads the kernel's aggregates and writes one snapshot line. */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H
#include <stdint.h>
#include <stdio.h>
#include "symbolize.h"

struct memleak_bpf;

struct snapshot_opts {
	uint64_t min_age_ms;
	unsigned top; /* stacks listed; totals always cover every allocation */
};

int snapshot_write(FILE *out, struct memleak_bpf *skel, struct symbolizer *sym,
		   const struct snapshot_opts *opts);
#endif
