/*
 * memleak-tracer: traces the heap of one process with eBPF.
 *
 *   memleak-tracer --pid N [--max-allocs N] [--top N] [--free-at-entry] [--floor] [--verbose]
 *
 * Speaks JSON lines on stdout: one "ready" (or "error", exit 3), then one
 * "snapshot" per `snapshot <minAgeMs>` read on stdin; `quit` (or EOF)
 * detaches and exits 0; "exited" when the target goes away.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "clock.h"
#include "elfsyms.h"
#include "json.h"
#include "memleak.skel.h"
#include "procmaps.h"
#include "snapshot.h"
#include "symbolize.h"

#define EXIT_SETUP_FAILED 3
#define NEEDS_PRIVILEGE "run as root or grant CAP_BPF and CAP_PERFMON (and CAP_SYS_PTRACE to read its memory maps)"

struct options {
	int pid;
	unsigned max_allocs;
	unsigned top;
	int verbose;
	struct attach_opts attach;
};

static int verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: memleak-tracer --pid N [--max-allocs N] [--top N] [--free-at-entry] [--floor] [--verbose]\n");
	exit(2);
}

static struct options parse_args(int argc, char **argv)
{
	struct options o = { .pid = 0, .max_allocs = 262144, .top = 50 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--verbose"))
			o.verbose = 1;
		else if (!strcmp(a, "--free-at-entry"))
			o.attach.free_at_entry = 1;
		else if (!strcmp(a, "--floor"))
			o.attach.floor = 1;
		else if (!strcmp(a, "--pid") && v)
			o.pid = atoi(argv[++i]);
		else if (!strcmp(a, "--max-allocs") && v)
			o.max_allocs = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(a, "--top") && v)
			o.top = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			usage();
	}
	if (o.pid <= 0 || o.max_allocs == 0)
		usage();
	return o;
}

static _Noreturn void fail(const char *code, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_error(stdout, code, "%s", msg);
	exit(EXIT_SETUP_FAILED);
}

/* The C library the target maps, or a reason why eBPF cannot see its heap. */
static const struct mapping *find_glibc(int pid, struct maps *maps)
{
	int err = maps_read(pid, maps);
	if (err == -ENOENT || err == -ESRCH)
		fail("target_not_found", "no process with pid %d", pid);
	if (err)
		fail("ebpf_unavailable", "cannot read /proc/%d/maps: %s; " NEEDS_PRIVILEGE, pid,
		     strerror(-err));
	const struct mapping *libc;
	switch (maps_find_libc(maps, &libc)) {
	case LIBC_GLIBC:
		return libc;
	case LIBC_MUSL:
		fail("unsupported_target",
		     "pid %d uses musl libc; this tracer probes glibc's malloc and free, so its heap is invisible", pid);
	default:
		fail("unsupported_target",
		     "pid %d maps no shared glibc (statically linked?): there is no libc.so whose malloc and free "
		     "uprobes could attach to, so eBPF cannot see its heap", pid);
	}
}

static void print_ready(int pid, const struct mapping *libc, const struct attachment *a, int floor)
{
	printf("{\"type\":\"ready\",\"pid\":%d,\"floor\":%s,\"libc\":", pid, floor ? "true" : "false");
	json_string(stdout, libc->path);
	printf(",\"freeOffset\":%llu,\"freeProbe\":", (unsigned long long)a->free_offset);
	json_string(stdout, a->free_how);
	fputs(",\"probes\":", stdout);
	attachment_print_probes(stdout, a);
	fputs("}\n", stdout);
	fflush(stdout);
}

static int pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Returns when told to quit (0) or when the target is gone (1). */
static int serve(struct memleak_bpf *skel, struct symbolizer *sym, int pidfd, unsigned top)
{
	char line[256];
	size_t len = 0;
	struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	for (;;) {
		if (poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 500) < 0 && errno != EINTR)
			return 0;
		if ((pidfd >= 0 && (fds[1].revents & POLLIN)) || (pidfd < 0 && kill(sym->pid, 0) && errno == ESRCH))
			return 1;
		if (!(fds[0].revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(0, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			return 0; /* our parent went away: detach */
		len += (size_t)n;
		line[len] = '\0';
		char *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			unsigned long long min_age = 0;
			if (!strcmp(line, "quit"))
				return 0;
			if (sscanf(line, "snapshot %llu", &min_age) == 1 || !strcmp(line, "snapshot")) {
				struct snapshot_opts o = { .min_age_ms = min_age, .top = top };
				int err = snapshot_write(stdout, skel, sym, &o);
				if (err)
					json_error(stdout, "source_error", "snapshot failed: %s", strerror(-err));
			} else if (line[0]) {
				json_error(stdout, "source_error", "unknown command '%s'", line);
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
		}
		if (len == sizeof(line) - 1)
			len = 0; /* an absurdly long line: drop it */
	}
}

int main(int argc, char **argv)
{
	struct options o = parse_args(argc, argv);
	verbose = o.verbose;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_log);

	if (kill(o.pid, 0) && errno == ESRCH)
		fail("target_not_found", "no process with pid %d", o.pid);
	struct maps maps = {0};
	const struct mapping *libc = find_glibc(o.pid, &maps);
	char libc_file[300];
	proc_file_path(o.pid, libc, libc_file, sizeof(libc_file));
	struct elf_module *libc_elf = elf_module_open(libc_file);
	if (!libc_elf)
		fail("ebpf_unavailable", "cannot open %s (pid %d's libc): %s; " NEEDS_PRIVILEGE, libc_file,
		     o.pid, strerror(errno));
	if (!elf_module_find(libc_elf, "malloc") || !elf_module_find(libc_elf, "free"))
		fail("unsupported_target", "%s has no malloc/free symbols (stripped?), so there is nothing to probe",
		     libc->path);

	struct memleak_bpf *skel = memleak_bpf__open();
	if (!skel)
		fail("ebpf_unavailable", "cannot open the BPF object: %s", strerror(errno));
	skel->rodata->target_tgid = (__u32)o.pid;
	skel->rodata->max_allocs = o.max_allocs;
	bpf_map__set_max_entries(skel->maps.allocs, o.max_allocs);
	int err = memleak_bpf__load(skel);
	if (err)
		fail("ebpf_unavailable", "loading the BPF program failed (%s); " NEEDS_PRIVILEGE, strerror(-err));
	err = clock_start((volatile uint64_t *)&skel->bss->clock_ns);
	if (err)
		fail("ebpf_unavailable", "cannot start the clock thread: %s", strerror(-err));

	struct attachment att;
	char why[512];
	err = attach_probes(skel, o.pid, libc_file, libc_elf, &o.attach, &att, why, sizeof(why));
	if (err) {
		attachment_detach(&att);
		if (kill(o.pid, 0) && errno == ESRCH)
			fail("target_not_found", "pid %d exited while probes were attached", o.pid);
		if (err == -EPERM || err == -EACCES)
			fail("ebpf_unavailable", "%s; " NEEDS_PRIVILEGE, why);
		fail("attach_failed", "%s", why);
	}
	/* Opened now, not earlier: a pid reused after this point cannot fool the exit check. */
	int pidfd = pidfd_open(o.pid);
	print_ready(o.pid, libc, &att, o.attach.floor);

	struct symbolizer sym;
	symbolizer_init(&sym, o.pid, libc);
	if (serve(skel, &sym, pidfd, o.top))
		printf("{\"type\":\"exited\",\"pid\":%d}\n", o.pid);
	fflush(stdout);
	/* Said first: detaching takes the kernel ~0.1 s per probe. */
	attachment_detach(&att);
	clock_stop();
	symbolizer_free(&sym);
	memleak_bpf__destroy(skel);
	elf_module_close(libc_elf);
	maps_free(&maps);
	return 0;
}
