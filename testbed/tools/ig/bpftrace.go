package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"

	log "github.com/sirupsen/logrus"
)

// Part of the relay stand-in (relay.go): trace_malloc's probes, in bpftrace.

type frame struct {
	addr   uint64
	symbol string
}

type allocEvent struct {
	op         int // trace_malloc's memop numbering
	pid, tid   uint32
	comm       string
	addr, size uint64
	frames     []frame
}

type bpftraceProducer struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// The probes trace_malloc has for what leaker-c calls: an allocation is
// reported at its return (with the user stack, caller first), a free at its
// entry; realloc reports the old block freed at entry. Sizes are kept per
// thread between entry and return, +1 so that a zero size is still set.
const bpftraceScript = `
uprobe:LIBC:malloc /pid == PID/ { @m[tid] = arg0 + 1; }
uretprobe:LIBC:malloc /pid == PID && @m[tid]/ {
  printf("E 0 %d %d %lu %lu %s\n", pid, tid, retval, @m[tid] - 1, comm); printf("%s\n", ustack(perf, 64)); delete(@m[tid]); }
uprobe:LIBC:calloc /pid == PID/ { @c[tid] = arg0 * arg1 + 1; }
uretprobe:LIBC:calloc /pid == PID && @c[tid]/ {
  printf("E 2 %d %d %lu %lu %s\n", pid, tid, retval, @c[tid] - 1, comm); printf("%s\n", ustack(perf, 64)); delete(@c[tid]); }
uprobe:LIBC:realloc /pid == PID/ {
  if (arg0 != 0) { printf("E 4 %d %d %lu 0 %s\n", pid, tid, arg0, comm); }
  @r[tid] = arg1 + 1; }
uretprobe:LIBC:realloc /pid == PID && @r[tid]/ {
  printf("E 3 %d %d %lu %lu %s\n", pid, tid, retval, @r[tid] - 1, comm); printf("%s\n", ustack(perf, 64)); delete(@r[tid]); }
uprobe:LIBC:free /pid == PID && arg0 != 0/ { printf("E 1 %d %d %lu 0 %s\n", pid, tid, arg0, comm); }
`

var (
	headerLine = regexp.MustCompile(`^E (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$`)
	frameLine  = regexp.MustCompile(`^\s+([0-9a-f]+) (\S+?)(?:\+(\d+))? \((.*)\)$`)
	lostLine   = regexp.MustCompile(`Lost (\d+) events`)
)

func startBpftrace(libc string, pid int, emit func(allocEvent), lost func(int)) (*bpftraceProducer, error) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	script := strings.NewReplacer("LIBC", libc, "PID", strconv.Itoa(pid)).Replace(bpftraceScript)
	cmd := exec.Command("bpftrace", "-B", "line", "-e", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting bpftrace: %w", err)
	}
	p := &bpftraceProducer{cmd: cmd, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); parseEvents(stdout, exe, emit, lost) }()
	go func() {
		defer wg.Done()
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			if m := lostLine.FindStringSubmatch(s.Text()); m != nil {
				n, _ := strconv.Atoi(m[1])
				lost(n)
			} else {
				log.Debugf("bpftrace: %s", s.Text())
			}
		}
	}()
	go func() { wg.Wait(); _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// parseEvents reads bpftrace's lines: a header per event, then for
// allocations the stack (indented frames) and a blank line. Frames outside
// the main executable stay unresolved, as ig's symtab symbolizer leaves them.
func parseEvents(r io.Reader, exe string, emit func(allocEvent), lost func(int)) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	var pending *allocEvent
	flush := func() {
		if pending != nil {
			emit(*pending)
			pending = nil
		}
	}
	for s.Scan() {
		line := s.Text()
		if m := headerLine.FindStringSubmatch(line); m != nil {
			flush()
			op, _ := strconv.Atoi(m[1])
			pid, _ := strconv.ParseUint(m[2], 10, 32)
			tid, _ := strconv.ParseUint(m[3], 10, 32)
			addr, _ := strconv.ParseUint(m[4], 10, 64)
			size, _ := strconv.ParseUint(m[5], 10, 64)
			ev := allocEvent{op: op, pid: uint32(pid), tid: uint32(tid), addr: addr, size: size, comm: m[6]}
			if op == 1 || op == 4 { // frees carry no stack
				emit(ev)
				continue
			}
			pending = &ev
			continue
		}
		if m := frameLine.FindStringSubmatch(line); m != nil && pending != nil {
			addr, _ := strconv.ParseUint(m[1], 16, 64)
			f := frame{addr: addr, symbol: fmt.Sprintf("0x%016x", addr)}
			if m[4] == exe && m[2] != "[unknown]" {
				off, _ := strconv.Atoi(m[3])
				f.symbol = fmt.Sprintf("%s+0x%x", m[2], off)
			}
			pending.frames = append(pending.frames, f)
			continue
		}
		if strings.TrimSpace(line) == "" && pending != nil && len(pending.frames) > 0 {
			flush()
			continue
		}
		if m := lostLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			lost(n)
		}
	}
	flush()
}

func (p *bpftraceProducer) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
}
