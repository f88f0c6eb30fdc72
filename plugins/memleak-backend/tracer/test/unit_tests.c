/*
 * Unit tests of the loader's pure parts: prologue decoding, ELF symbols,
 * /proc/PID/maps. Run by `make check` (argv[1]: a binary built with symbols).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "elfsyms.h"
#include "procmaps.h"
#include "prologue.h"

static int failures;
#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                             \
		}                                                               \
	} while (0)

static void test_free_prologue(void)
{
	/* Debian 12 glibc 2.36 free: test %rdi,%rdi; je rel32; push %rbp */
	const uint8_t glibc236[] = { 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0, 0, 0, 0x55, 0x48 };
	CHECK(free_probe_offset(glibc236, sizeof(glibc236)).offset == 9);
	/* CET build: endbr64 first, short je, push %r12 */
	const uint8_t cet[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x85, 0xff, 0x74, 0x20, 0x41, 0x54 };
	CHECK(free_probe_offset(cet, sizeof(cet)).offset == 9);
	/* NULL check followed by something else than a push: stay at the entry */
	const uint8_t no_push[] = { 0x48, 0x85, 0xff, 0x74, 0x20, 0x48, 0x8b, 0x07 };
	CHECK(free_probe_offset(no_push, sizeof(no_push)).offset == 0);
	/* older glibc: free starts with a push (after endbr64) */
	const uint8_t old[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x54, 0x55 };
	CHECK(free_probe_offset(old, sizeof(old)).offset == 4);
	/* unknown code, and too few bytes to decode */
	const uint8_t mov[] = { 0x48, 0x8b, 0x05, 0, 0, 0, 0 };
	CHECK(free_probe_offset(mov, sizeof(mov)).offset == 0);
	CHECK(free_probe_offset(glibc236, 4).offset == 0);
}

static void test_entry_prologue(void)
{
	const uint8_t malloc236[] = { 0x41, 0x54, 0x55, 0x53 };
	CHECK(entry_probe_offset(malloc236, sizeof(malloc236)).offset == 0);
	const uint8_t cet[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	CHECK(entry_probe_offset(cet, sizeof(cet)).offset == 4);
	/* endbr64 then not a push: probing later would gain nothing */
	const uint8_t cet_sub[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x83, 0xec, 0x18 };
	CHECK(entry_probe_offset(cet_sub, sizeof(cet_sub)).offset == 0);
}

static void test_elf_symbols(const char *binary)
{
	struct elf_module *m = elf_module_open(binary);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(m->from_symtab);
	uint64_t leak = elf_module_find(m, "leak_blocks"), off = 0, file_off = 0, back = 0;
	CHECK(leak != 0);
	const struct elf_sym *s = elf_module_lookup(m, leak + 5, &off);
	CHECK(s && strcmp(s->name, "leak_blocks") == 0 && off == 5);
	CHECK(elf_vaddr_to_offset(m, leak, &file_off));
	CHECK(elf_offset_to_vaddr(m, file_off, &back) && back == leak);
	CHECK(elf_module_find(m, "no_such_function") == 0);
	elf_module_close(m);
}

static void test_maps(void)
{
	struct maps maps;
	CHECK(maps_read(getpid(), &maps) == 0);
	const struct mapping *libc = NULL;
	CHECK(maps_find_libc(&maps, &libc) == LIBC_GLIBC);
	CHECK(libc && libc->exec && strstr(libc->path, "libc"));
	CHECK(libc && maps_find(&maps, libc->start + 1) == libc);
	CHECK(maps_find(&maps, 0) == NULL);
	CHECK(maps_read(999999999, &(struct maps){0}) < 0);
	maps_free(&maps);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: unit-tests BINARY_WITH_SYMBOLS\n");
		return 2;
	}
	test_free_prologue();
	test_entry_prologue();
	test_elf_symbols(argv[1]);
	test_maps();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("unit tests passed\n");
	return 0;
}
