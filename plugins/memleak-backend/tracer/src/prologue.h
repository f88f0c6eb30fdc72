/*
 * Where to put a uprobe in a function so that the kernel emulates the probed
 * instruction (cheap) instead of single-stepping it (~10x dearer): x86-64
 * uprobes emulate `push`, so probe the first push when it is reachable
 * without changing the argument registers or the stack.
 */
#ifndef PROLOGUE_H
#define PROLOGUE_H
#include <stddef.h>
#include <stdint.h>

struct probe_offset {
	size_t offset;     /* from the function's start */
	const char *how;   /* why this offset, for the ready line */
};

/*
 * Entry probes (also used for return probes, so [sp] must still hold the
 * return address): skip a leading endbr64 when a push follows it.
 */
struct probe_offset entry_probe_offset(const uint8_t *code, size_t n);

/*
 * free(): additionally skip glibc's `test %rdi,%rdi; je …` NULL check, which
 * changes neither %rdi nor the stack, to land on the first push. Offset 0
 * when the bytes are not that exact pattern.
 */
struct probe_offset free_probe_offset(const uint8_t *code, size_t n);
#endif
