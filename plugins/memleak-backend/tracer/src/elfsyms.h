/* Function symbols and load segments of one ELF file. */
#ifndef ELFSYMS_H
#define ELFSYMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_sym {
	uint64_t addr, size; /* virtual address as linked */
	const char *name;
};

struct elf_segment {
	uint64_t vaddr, offset, filesz;
};

struct elf_module {
	int fd;
	struct elf_sym *syms; /* sorted by addr */
	size_t nsyms;
	bool from_symtab;     /* false: only .dynsym was there (stripped) */
	struct elf_segment segs[16];
	size_t nsegs;
	char *strings;        /* owns every name */
	size_t strings_len, strings_cap;
};

/* Loads .symtab, or .dynsym when the file is stripped. NULL on failure. */
struct elf_module *elf_module_open(const char *path);
void elf_module_close(struct elf_module *m);

/* Address of a function by exact name, 0 when absent (searches .dynsym too). */
uint64_t elf_module_find(const struct elf_module *m, const char *name);
/* The function containing vaddr, with *off its offset; NULL when none does. */
const struct elf_sym *elf_module_lookup(const struct elf_module *m, uint64_t vaddr, uint64_t *off);

/* Between link-time addresses and file offsets, through PT_LOAD; false when unmapped. */
bool elf_vaddr_to_offset(const struct elf_module *m, uint64_t vaddr, uint64_t *offset);
bool elf_offset_to_vaddr(const struct elf_module *m, uint64_t offset, uint64_t *vaddr);

/* Reads n bytes at a file offset; returns bytes read. */
size_t elf_module_read(const struct elf_module *m, uint64_t offset, void *buf, size_t n);
#endif
