/* /proc/PID/maps, parsed. */
#ifndef PROCMAPS_H
#define PROCMAPS_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct mapping {
	uint64_t start, end, offset;
	uint64_t inode;
	bool exec;
	bool deleted; /* the file was replaced or removed since it was mapped */
	char path[256]; /* as the target sees it, without " (deleted)"; "" for anonymous */
};

struct maps {
	struct mapping *v;
	size_t n;
};

/* Returns 0, or -errno (ENOENT when the process is gone). */
int maps_read(int pid, struct maps *out);
void maps_free(struct maps *m);
const struct mapping *maps_find(const struct maps *m, uint64_t addr);
const char *path_basename(const char *path);

/* Which C library the process maps. */
enum libc_kind { LIBC_NONE, LIBC_GLIBC, LIBC_MUSL };
enum libc_kind maps_find_libc(const struct maps *m, const struct mapping **libc);

/* A path that opens the file the target maps, even from another mount namespace. */
void proc_file_path(int pid, const struct mapping *mp, char *buf, size_t len);
#endif
