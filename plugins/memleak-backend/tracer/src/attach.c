#include "attach.h"
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "json.h"
#include "memleak.skel.h"
#include "prologue.h"

enum probe_kind { ALLOC, FREE, MMAP, MUNMAP };

struct probe_spec {
	const char *function;
	enum probe_kind kind;
	struct bpf_program *(*entry)(struct memleak_bpf *);
};

#define PROG(name) \
	static struct bpf_program *prog_##name(struct memleak_bpf *s) { return s->progs.name; }
PROG(malloc_enter)
PROG(calloc_enter)
PROG(realloc_enter)
PROG(memalign_enter)
PROG(valloc_enter)
PROG(posix_memalign_enter)
PROG(free_enter)
PROG(mmap_enter)
PROG(munmap_enter)

static const struct probe_spec SPECS[] = {
	{ "malloc", ALLOC, prog_malloc_enter },
	{ "calloc", ALLOC, prog_calloc_enter },
	{ "realloc", ALLOC, prog_realloc_enter },
	{ "posix_memalign", ALLOC, prog_posix_memalign_enter },
	{ "aligned_alloc", ALLOC, prog_memalign_enter },
	{ "memalign", ALLOC, prog_memalign_enter },
	{ "valloc", ALLOC, prog_valloc_enter },
	{ "pvalloc", ALLOC, prog_valloc_enter },
	{ "free", FREE, prog_free_enter },
	{ "mmap", MMAP, prog_mmap_enter },
	{ "munmap", MUNMAP, prog_munmap_enter },
};

static int attach_one(struct attachment *a, struct bpf_program *prog, int pid, const char *file,
		      uint64_t offset, int retprobe, const char *function, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, pid, file, offset, &opts);
	if (!link) {
		int e = errno ? errno : EINVAL;
		snprintf(err, errlen, "could not attach a %s to %s at offset 0x%llx: %s",
			 retprobe ? "uretprobe" : "uprobe", function, (unsigned long long)offset, strerror(e));
		return -e;
	}
	a->links[a->nlinks++] = link;
	return 0;
}

int attach_probes(struct memleak_bpf *skel, int pid, const char *libc_file,
		  const struct elf_module *libc, const struct attach_opts *opts, struct attachment *out,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(SPECS) / sizeof(SPECS[0]); i++) {
		const struct probe_spec *spec = &SPECS[i];
		uint64_t vaddr = elf_module_find(libc, spec->function), func_off;
		if (!vaddr || !elf_vaddr_to_offset(libc, vaddr, &func_off)) {
			if (spec->kind == ALLOC && strcmp(spec->function, "malloc") != 0)
				continue; /* an old or trimmed libc: trace what is there */
			snprintf(err, errlen, "libc has no symbol '%s'", spec->function);
			return -ENOENT;
		}
		uint8_t code[32] = {0};
		size_t n = elf_module_read(libc, func_off, code, sizeof(code));
		struct probe_offset at = spec->kind == FREE ? free_probe_offset(code, n)
							    : entry_probe_offset(code, n);
		if (spec->kind == FREE && opts->free_at_entry)
			at = (struct probe_offset){ 0, "entry (--free-at-entry)" };
		struct probe *p = &out->probes[out->nprobes++];
		*p = (struct probe){ spec->function, func_off + at.offset, at.offset, at.how, NULL,
				     spec->kind == ALLOC || spec->kind == MMAP };
		if (spec->kind == FREE) {
			out->free_offset = at.offset;
			out->free_how = at.how;
		}
		for (size_t k = 0; k + 1 < out->nprobes; k++)
			if (out->probes[k].file_offset == p->file_offset)
				p->alias_of = out->probes[k].function;
		if (p->alias_of)
			continue;
		/* Return probe first: an entry seen without its return would leave the thread "inside". */
		if (p->with_return) {
			struct bpf_program *ret = opts->floor	      ? skel->progs.empty
						  : spec->kind == MMAP ? skel->progs.mmap_return
								       : skel->progs.alloc_return;
			int e = attach_one(out, ret, pid, libc_file, p->file_offset, 1, p->function, err, errlen);
			if (e)
				return e;
		}
		struct bpf_program *entry = opts->floor ? skel->progs.empty : spec->entry(skel);
		int e = attach_one(out, entry, pid, libc_file, p->file_offset, 0, p->function, err, errlen);
		if (e)
			return e;
	}
	return 0;
}

void attachment_detach(struct attachment *a)
{
	/* Entry probes first (reverse order), so no return probe is left waiting on one. */
	while (a->nlinks > 0)
		bpf_link__destroy(a->links[--a->nlinks]);
}

void attachment_print_probes(FILE *out, const struct attachment *a)
{
	fputc('[', out);
	for (size_t i = 0; i < a->nprobes; i++) {
		const struct probe *p = &a->probes[i];
		fprintf(out, "%s{\"function\":", i ? "," : "");
		json_string(out, p->function);
		fprintf(out, ",\"offset\":%llu,\"fileOffset\":%llu,\"return\":%s,\"how\":",
			(unsigned long long)p->probe_offset, (unsigned long long)p->file_offset,
			p->with_return ? "true" : "false");
		json_string(out, p->how);
		if (p->alias_of) {
			fputs(",\"aliasOf\":", out);
			json_string(out, p->alias_of);
		}
		fputc('}', out);
	}
	fputc(']', out);
}
