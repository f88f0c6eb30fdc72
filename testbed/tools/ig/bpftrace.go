package main

import (
	"bufio"
	"fmt"
	"io"
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
// reported at its return, a free at its entry; realloc reports the old block
// freed at entry. Sizes are kept per thread between entry and return, +1 so
// that a zero size is still set. Each event is one printf.
//
// The user stack is walked here along the frame pointers (frame 0 is the
// allocator's return address: its caller) rather than with ustack: bpftrace
// 0.17's stack-map lookups failed here with EBADF for whole runs, leaving
// every stack empty, while the same walk by hand never failed.
const bpftraceScript = `
uprobe:LIBC:malloc /pid == PID/ { @m[tid] = arg0 + 1; }
uretprobe:LIBC:malloc /pid == PID && @m[tid]/ {
  WALK printf("E 0 %d %d %lu %lu FRAMES%s\n", pid, tid, retval, @m[tid] - 1, STACK, comm); delete(@m[tid]); }
uprobe:LIBC:calloc /pid == PID/ { @c[tid] = arg0 * arg1 + 1; }
uretprobe:LIBC:calloc /pid == PID && @c[tid]/ {
  WALK printf("E 2 %d %d %lu %lu FRAMES%s\n", pid, tid, retval, @c[tid] - 1, STACK, comm); delete(@c[tid]); }
uprobe:LIBC:realloc /pid == PID/ {
  if (arg0 != 0) { printf("E 4 %d %d %lu 0 %s\n", pid, tid, arg0, comm); }
  @r[tid] = arg1 + 1; }
uretprobe:LIBC:realloc /pid == PID && @r[tid]/ {
  WALK printf("E 3 %d %d %lu %lu FRAMES%s\n", pid, tid, retval, @r[tid] - 1, STACK, comm); delete(@r[tid]); }
uprobe:LIBC:free /pid == PID && arg0 != 0/ { printf("E 1 %d %d %lu 0 %s\n", pid, tid, arg0, comm); }
`

// stackDepth frames per allocation: enough for leaker-c's deepest path.
const stackDepth = 8

// expandScript fills the script's placeholders: the frame-pointer walk into
// $f1..$f7 (0 past the outermost frame), and the printf's frame fields.
func expandScript(libc string, pid int) string {
	var walk, frames, stack strings.Builder
	walk.WriteString(`$bp = reg("bp"); `)
	stack.WriteString(`reg("ip")`)
	frames.WriteString("%lx ")
	for i := 1; i < stackDepth; i++ {
		fmt.Fprintf(&walk, "$f%d = $bp ? *(uint64 *)uptr($bp + 8) : 0; $bp = $bp ? *(uint64 *)uptr($bp) : 0; ", i)
		fmt.Fprintf(&stack, ", $f%d", i)
		frames.WriteString("%lx ")
	}
	return strings.NewReplacer("LIBC", libc, "PID", strconv.Itoa(pid), "WALK", walk.String(),
		"FRAMES", frames.String(), "STACK", stack.String()).Replace(bpftraceScript)
}

var (
	headerLine = regexp.MustCompile(`^E (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$`)
	lostLine   = regexp.MustCompile(`Lost (\d+) events`)
)

func startBpftrace(libc string, pid int, emit func(allocEvent), lost func(int)) (*bpftraceProducer, error) {
	syms, err := newSymtab(pid)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bpftrace", "-B", "line", "-e", expandScript(libc, pid))
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
	go func() { defer wg.Done(); parseEvents(stdout, syms, emit, lost) }()
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

// parseEvents reads bpftrace's lines, one per event: allocations carry
// stackDepth frame addresses before the command name.
func parseEvents(r io.Reader, syms *symtab, emit func(allocEvent), lost func(int)) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		m := headerLine.FindStringSubmatch(line)
		if m == nil {
			if m := lostLine.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				lost(n)
			}
			continue
		}
		op, _ := strconv.Atoi(m[1])
		pid, _ := strconv.ParseUint(m[2], 10, 32)
		tid, _ := strconv.ParseUint(m[3], 10, 32)
		addr, _ := strconv.ParseUint(m[4], 10, 64)
		size, _ := strconv.ParseUint(m[5], 10, 64)
		ev := allocEvent{op: op, pid: uint32(pid), tid: uint32(tid), addr: addr, size: size, comm: m[6]}
		if op != 1 && op != 4 { // frees carry no stack
			fields := strings.SplitN(m[6], " ", stackDepth+1)
			if len(fields) <= stackDepth {
				continue
			}
			ev.comm = fields[stackDepth]
			for _, hex := range fields[:stackDepth] {
				a, _ := strconv.ParseUint(hex, 16, 64)
				if a == 0 {
					break
				}
				ev.frames = append(ev.frames, frame{addr: a, symbol: syms.name(a)})
			}
		}
		emit(ev)
	}
}

// exited says whether bpftrace has ended (its process exited, or it failed).
func (p *bpftraceProducer) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *bpftraceProducer) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
}
