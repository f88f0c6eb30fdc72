#include "symbolize.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfsyms.h"

/* One file, opened once per trace; keyed by what the target maps. */
struct module_entry {
	uint64_t inode;
	char path[256];
	struct elf_module *elf; /* NULL when it could not be opened */
};

void symbolizer_init(struct symbolizer *s, int pid, const struct mapping *libc)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->libc_inode = libc->inode;
	snprintf(s->libc_path, sizeof(s->libc_path), "%s", libc->path);
}

int symbolizer_refresh(struct symbolizer *s)
{
	maps_free(&s->maps);
	return maps_read(s->pid, &s->maps);
}

static struct module_entry *module_for(struct symbolizer *s, const struct mapping *mp)
{
	for (size_t i = 0; i < s->nmodules; i++)
		if (s->modules[i].inode == mp->inode && strcmp(s->modules[i].path, mp->path) == 0)
			return &s->modules[i];
	struct module_entry *grown = realloc(s->modules, (s->nmodules + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	s->modules = grown;
	struct module_entry *e = &s->modules[s->nmodules++];
	char file[300];
	proc_file_path(s->pid, mp, file, sizeof(file));
	e->inode = mp->inode;
	snprintf(e->path, sizeof(e->path), "%s", mp->path);
	e->elf = elf_module_open(file);
	return e;
}

void symbolize_return_address(struct symbolizer *s, uint64_t addr, struct frame *out)
{
	memset(out, 0, sizeof(*out));
	out->address = addr;
	const struct mapping *mp = maps_find(&s->maps, addr - 1);
	if (!mp || mp->path[0] == '\0')
		return;
	out->module = path_basename(mp->path);
	out->in_libc = mp->inode == s->libc_inode && strcmp(mp->path, s->libc_path) == 0;
	if (mp->path[0] != '/')
		return; /* [vdso], [heap], … */
	struct module_entry *e = module_for(s, mp);
	uint64_t vaddr, off;
	/* file offset → link-time address: this is where PIE and load bias cancel out */
	if (!e || !e->elf || !elf_offset_to_vaddr(e->elf, addr - mp->start + mp->offset, &vaddr))
		return;
	const struct elf_sym *sym = elf_module_lookup(e->elf, vaddr - 1, &off);
	if (!sym)
		return;
	out->symbol = sym->name;
	out->offset = vaddr - sym->addr;
}

void symbolizer_free(struct symbolizer *s)
{
	for (size_t i = 0; i < s->nmodules; i++)
		elf_module_close(s->modules[i].elf);
	free(s->modules);
	maps_free(&s->maps);
}
