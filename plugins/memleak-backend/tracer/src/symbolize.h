/* Addresses of the traced process → module, function and offset. */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H
#include <stdbool.h>
#include <stdint.h>
#include "procmaps.h"

struct frame {
	uint64_t address;
	const char *module; /* basename; NULL when unmapped */
	const char *symbol; /* NULL when the module has no symbol there */
	uint64_t offset;
	bool in_libc;
};

struct module_entry;

struct symbolizer {
	int pid;
	uint64_t libc_inode;
	char libc_path[256];
	struct maps maps;
	struct module_entry *modules;
	size_t nmodules;
};

void symbolizer_init(struct symbolizer *s, int pid, const struct mapping *libc);
/* Re-reads /proc/PID/maps: libraries come and go (dlopen). */
int symbolizer_refresh(struct symbolizer *s);
/* addr is a return address: it is looked up one byte back, inside the call. */
void symbolize_return_address(struct symbolizer *s, uint64_t addr, struct frame *out);
void symbolizer_free(struct symbolizer *s);
#endif
