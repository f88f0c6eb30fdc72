#include "elfsyms.h"
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies a name into the module's string pool; returns its offset, or -1. */
static long intern(struct elf_module *m, const char *s)
{
	size_t len = strlen(s) + 1;
	if (m->strings_len + len > m->strings_cap) {
		size_t cap = m->strings_cap ? m->strings_cap * 2 : 1 << 16;
		while (cap < m->strings_len + len)
			cap *= 2;
		char *grown = realloc(m->strings, cap);
		if (!grown)
			return -1;
		m->strings = grown;
		m->strings_cap = cap;
	}
	memcpy(m->strings + m->strings_len, s, len);
	m->strings_len += len;
	return (long)(m->strings_len - len);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->size > y->size ? -1 : x->size < y->size; /* sized ones first */
}

/* Appends the defined functions of one symbol table. */
static size_t load_table(struct elf_module *m, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || sh->sh_entsize == 0)
		return 0;
	size_t count = sh->sh_size / sh->sh_entsize, added = 0;
	struct elf_sym *grown = realloc(m->syms, (m->nsyms + count) * sizeof(*grown));
	if (!grown)
		return 0;
	m->syms = grown;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		long at = intern(m, name);
		if (at < 0)
			break;
		/* the pool may still move: keep the offset until loading is done */
		m->syms[m->nsyms++] = (struct elf_sym){ sym.st_value, sym.st_size, (const char *)(uintptr_t)at };
		added++;
	}
	return added;
}
struct elf_module *elf_module_open(const char *path)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	struct elf_module *m = calloc(1, sizeof(*m));
	if (!elf || !m || elf_kind(elf) != ELF_K_ELF)
		goto fail;
	m->fd = fd;

	size_t nphdr = 0;
	elf_getphdrnum(elf, &nphdr);
	for (size_t i = 0; i < nphdr && m->nsegs < 16; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD)
			m->segs[m->nsegs++] = (struct elf_segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}

	Elf_Scn *symtab = NULL, *dynsym = NULL, *scn = NULL;
	GElf_Shdr symtab_sh, dynsym_sh, sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_sh = sh;
		}
	}
	/* .symtab names static functions too; .dynsym still has the exported ones. */
	if (symtab && load_table(m, elf, symtab, &symtab_sh) > 0)
		m->from_symtab = true;
	if (dynsym)
		load_table(m, elf, dynsym, &dynsym_sh);
	for (size_t i = 0; i < m->nsyms; i++)
		m->syms[i].name = m->strings + (uintptr_t)m->syms[i].name;
	qsort(m->syms, m->nsyms, sizeof(*m->syms), cmp_sym);
	elf_end(elf);
	return m;
fail:
	if (elf)
		elf_end(elf);
	free(m);
	close(fd);
	return NULL;
}

void elf_module_close(struct elf_module *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m->syms);
	free(m->strings);
	free(m);
}

uint64_t elf_module_find(const struct elf_module *m, const char *name)
{
	for (size_t i = 0; i < m->nsyms; i++)
		if (strcmp(m->syms[i].name, name) == 0)
			return m->syms[i].addr;
	return 0;
}

const struct elf_sym *elf_module_lookup(const struct elf_module *m, uint64_t vaddr, uint64_t *off)
{
	size_t lo = 0, hi = m->nsyms;
	while (lo < hi) { /* last symbol starting at or below vaddr */
		size_t mid = (lo + hi) / 2;
		if (m->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Among symbols at that address (aliases), the first sorts sized-first. */
	size_t i = lo - 1;
	while (i > 0 && m->syms[i - 1].addr == m->syms[i].addr)
		i--;
	const struct elf_sym *s = &m->syms[i];
	if (s->size && vaddr >= s->addr + s->size)
		return NULL;
	*off = vaddr - s->addr;
	return s;
}

bool elf_vaddr_to_offset(const struct elf_module *m, uint64_t vaddr, uint64_t *offset)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct elf_segment *s = &m->segs[i];
		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*offset = vaddr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

bool elf_offset_to_vaddr(const struct elf_module *m, uint64_t offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct elf_segment *s = &m->segs[i];
		if (offset >= s->offset && offset < s->offset + s->filesz) {
			*vaddr = offset - s->offset + s->vaddr;
			return true;
		}
	}
	return false;
}

size_t elf_module_read(const struct elf_module *m, uint64_t offset, void *buf, size_t n)
{
	ssize_t got = pread(m->fd, buf, n, (off_t)offset);
	return got > 0 ? (size_t)got : 0;
}
