package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// symtab names the addresses of one process's main executable from its ELF
// symbol table, as ig's symtab symbolizer does; other addresses (libc, the
// vdso) stay hexadecimal.
type symtab struct {
	maps  []exeMapping
	loads []*elf.Prog
	syms  []elf.Symbol // functions, by address
}

type exeMapping struct{ start, end, offset uint64 }

func newSymtab(pid int) (*symtab, error) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	// The file as the process has it, even if it was replaced on disk since.
	f, err := elf.Open(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, fmt.Errorf("reading the executable of process %d: %w", pid, err)
	}
	defer f.Close()
	t := &symtab{}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			t.loads = append(t.loads, p)
		}
	}
	syms, _ := f.Symbols()
	dyn, _ := f.DynamicSymbols()
	for _, s := range append(syms, dyn...) {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			t.syms = append(t.syms, s)
		}
	}
	sort.Slice(t.syms, func(i, j int) bool { return t.syms[i].Value < t.syms[j].Value })
	t.maps, err = readExeMappings(pid, exe)
	return t, err
}

// readExeMappings reads the lines of /proc/PID/maps that map the executable.
func readExeMappings(pid int, exe string) ([]exeMapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []exeMapping
	s := bufio.NewScanner(f)
	for s.Scan() {
		// start-end perms offset dev inode path
		fields := strings.SplitN(s.Text(), " ", 6)
		if len(fields) < 6 || strings.TrimSpace(fields[5]) != exe {
			continue
		}
		bounds := strings.SplitN(fields[0], "-", 2)
		start, _ := strconv.ParseUint(bounds[0], 16, 64)
		end, _ := strconv.ParseUint(bounds[1], 16, 64)
		offset, _ := strconv.ParseUint(fields[2], 16, 64)
		out = append(out, exeMapping{start, end, offset})
	}
	return out, s.Err()
}

// name is "symbol+0xoff" for an address in the executable's functions,
// else the address in hex.
func (t *symtab) name(addr uint64) string {
	for _, m := range t.maps {
		if addr < m.start || addr >= m.end {
			continue
		}
		fileOff := addr - m.start + m.offset
		for _, p := range t.loads {
			if fileOff < p.Off || fileOff >= p.Off+p.Filesz {
				continue
			}
			vaddr := fileOff - p.Off + p.Vaddr
			i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].Value > vaddr }) - 1
			if i >= 0 && vaddr < t.syms[i].Value+max(t.syms[i].Size, 1) {
				return fmt.Sprintf("%s+0x%x", t.syms[i].Name, vaddr-t.syms[i].Value)
			}
		}
	}
	return fmt.Sprintf("0x%016x", addr)
}
