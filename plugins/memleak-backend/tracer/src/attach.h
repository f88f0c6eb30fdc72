/* Attaching the allocator probes to one process's libc. */
#ifndef ATTACH_H
#define ATTACH_H
#include <stdint.h>
#include <stdio.h>
#include "elfsyms.h"
#include "procmaps.h"

struct memleak_bpf;
struct bpf_link;

struct probe {
	const char *function;
	uint64_t file_offset;  /* of the probed instruction in libc */
	uint64_t probe_offset; /* from the function's start */
	const char *how;
	const char *alias_of;  /* same code as an earlier function: not probed twice */
	int with_return;
};

#define MAX_PROBES 16

struct attachment {
	struct probe probes[MAX_PROBES];
	size_t nprobes;
	struct bpf_link *links[2 * MAX_PROBES];
	size_t nlinks;
	uint64_t free_offset;
	const char *free_how;
};

struct attach_opts {
	int free_at_entry; /* for benchmarks: what skipping free's NULL check saves */
	int floor;         /* for benchmarks: empty programs at the same points */
};

/*
 * Attaches every probe; on failure returns -errno with a message in err and
 * leaves what was attached for attachment_detach.
 */
int attach_probes(struct memleak_bpf *skel, int pid, const char *libc_file,
		  const struct elf_module *libc, const struct attach_opts *opts, struct attachment *out,
		  char *err, size_t errlen);
void attachment_detach(struct attachment *a);
void attachment_print_probes(FILE *out, const struct attachment *a);
#endif
