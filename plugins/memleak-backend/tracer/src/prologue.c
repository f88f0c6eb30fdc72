#include "prologue.h"
#include <stdbool.h>
#include <string.h>

static const uint8_t ENDBR64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* push %r64 (50+r) or push %r8..r15 (41 50+r); returns its length, 0 if not a push. */
static size_t push_len(const uint8_t *p, size_t n)
{
	if (n >= 1 && p[0] >= 0x50 && p[0] <= 0x57)
		return 1;
	if (n >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return 2;
	return 0;
}

static size_t skip_endbr(const uint8_t *code, size_t n)
{
	return n >= sizeof(ENDBR64) && memcmp(code, ENDBR64, sizeof(ENDBR64)) == 0 ? sizeof(ENDBR64) : 0;
}

struct probe_offset entry_probe_offset(const uint8_t *code, size_t n)
{
	size_t at = skip_endbr(code, n);
	if (at && push_len(code + at, n - at))
		return (struct probe_offset){ at, "after endbr64, at push" };
	if (push_len(code, n))
		return (struct probe_offset){ 0, "entry (push)" };
	return (struct probe_offset){ 0, "entry (not a push: single-stepped)" };
}

struct probe_offset free_probe_offset(const uint8_t *code, size_t n)
{
	size_t at = skip_endbr(code, n);
	/* test %rdi,%rdi: REX.W 85 /r with ModRM 0xff (rdi, rdi) */
	if (n - at >= 3 && code[at] == 0x48 && code[at + 1] == 0x85 && code[at + 2] == 0xff) {
		at += 3;
		if (n - at >= 2 && code[at] == 0x74) /* je rel8 */
			at += 2;
		else if (n - at >= 6 && code[at] == 0x0f && code[at + 1] == 0x84) /* je rel32 */
			at += 6;
		else
			return (struct probe_offset){ 0, "entry (unrecognised NULL check)" };
		if (push_len(code + at, n - at))
			return (struct probe_offset){ at, "after NULL check, at push" };
		return (struct probe_offset){ 0, "entry (no push after NULL check)" };
	}
	struct probe_offset entry = entry_probe_offset(code, n);
	if (entry.offset == 0 && !push_len(code, n))
		entry.how = "entry (unrecognised prologue: single-stepped)";
	return entry;
}
