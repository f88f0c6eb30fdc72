#include "procmaps.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int maps_read(int pid, struct maps *out)
{
	char fn[64], line[512];
	snprintf(fn, sizeof(fn), "/proc/%d/maps", pid);
	FILE *f = fopen(fn, "r");
	if (!f)
		return -errno;
	size_t cap = 64;
	out->n = 0;
	out->v = malloc(cap * sizeof(*out->v));
	if (!out->v) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		struct mapping mp = {0};
		char perms[8] = "", path[256] = "";
		unsigned dev_major, dev_minor;
		int n = sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %255[^\n]",
			       &mp.start, &mp.end, perms, &mp.offset, &dev_major, &dev_minor, &mp.inode,
			       path);
		if (n < 7)
			continue;
		mp.exec = perms[2] == 'x';
		/* "%255[^\n]" keeps the column padding out, but not leading blanks of some kernels */
		char *p = path;
		while (*p == ' ')
			p++;
		snprintf(mp.path, sizeof(mp.path), "%s", p);
		/* A rebuilt binary still runs from its old inode: name it by its path. */
		static const char deleted[] = " (deleted)";
		size_t len = strlen(mp.path), dl = sizeof(deleted) - 1;
		if (len > dl && strcmp(mp.path + len - dl, deleted) == 0) {
			mp.path[len - dl] = '\0';
			mp.deleted = true;
		}
		if (out->n == cap) {
			cap *= 2;
			struct mapping *v = realloc(out->v, cap * sizeof(*v));
			if (!v)
				break;
			out->v = v;
		}
		out->v[out->n++] = mp;
	}
	fclose(f);
	return 0;
}

void maps_free(struct maps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const struct mapping *maps_find(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) { /* the kernel lists mappings sorted by address */
		size_t mid = (lo + hi) / 2;
		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool is_glibc_name(const char *base)
{
	/* libc.so.6 (glibc ≥ 2.34 and older distros' symlink target), libc-2.31.so */
	return strncmp(base, "libc.so", 7) == 0 ||
	       (strncmp(base, "libc-", 5) == 0 && strstr(base, ".so"));
}

enum libc_kind maps_find_libc(const struct maps *m, const struct mapping **libc)
{
	enum libc_kind kind = LIBC_NONE;
	*libc = NULL;
	for (size_t i = 0; i < m->n; i++) {
		const char *base = path_basename(m->v[i].path);
		if (!m->v[i].exec || m->v[i].path[0] != '/')
			continue;
		if (is_glibc_name(base)) {
			*libc = &m->v[i];
			return LIBC_GLIBC;
		}
		if (strstr(base, "musl"))
			kind = LIBC_MUSL;
	}
	return kind;
}

void proc_file_path(int pid, const struct mapping *mp, char *buf, size_t len)
{
	/* map_files names the very inode that is mapped (also when deleted or in
	 * another mount namespace); root/ is the fallback when it is not readable. */
	snprintf(buf, len, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, mp->start, mp->end);
	if (access(buf, R_OK) == 0 || mp->deleted)
		return; /* a deleted file's path now names another file, or none */
	snprintf(buf, len, "/proc/%d/root%s", pid, mp->path);
}
