package main

import "sync"

// One bpftrace per traced process, shared by every run that traces it. On
// this kernel a second set of uretprobes on the same process misses most
// returns (measured: two bpftraces on one leaker-c for 48 s, the first saw
// all six 1 MiB mallocs, the second two) — concurrent traces of one pod
// would lose events without a count.
type taps struct {
	mu    sync.Mutex
	libc  string
	byPid map[int]*tap
}

type tap struct {
	producer *bpftraceProducer
	subs     map[*subscriber]struct{}
}

type subscriber struct {
	emit func(allocEvent)
	lost func(int)
}

func newTaps(libc string) *taps {
	return &taps{libc: libc, byPid: map[int]*tap{}}
}

// subscribe starts pid's bpftrace if it is not running and adds s to its
// readers; the returned func removes s and stops bpftrace after the last.
func (t *taps) subscribe(pid int, s *subscriber) (func(), error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tp := t.byPid[pid]
	if tp != nil && tp.producer.exited() {
		delete(t.byPid, pid)
		tp = nil
	}
	if tp == nil {
		tp = &tap{subs: map[*subscriber]struct{}{}}
		producer, err := startBpftrace(t.libc, pid,
			fanOut(t, tp, func(s *subscriber, e allocEvent) { s.emit(e) }),
			fanOut(t, tp, func(s *subscriber, n int) { s.lost(n) }))
		if err != nil {
			return nil, err
		}
		tp.producer = producer
		t.byPid[pid] = tp
	}
	tp.subs[s] = struct{}{}
	return func() { t.unsubscribe(pid, tp, s) }, nil
}

func (t *taps) unsubscribe(pid int, tp *tap, s *subscriber) {
	t.mu.Lock()
	delete(tp.subs, s)
	last := len(tp.subs) == 0 && t.byPid[pid] == tp
	if last {
		delete(t.byPid, pid)
	}
	t.mu.Unlock()
	if last {
		tp.producer.stop()
	}
}

// fanOut calls deliver for every current reader of tp.
func fanOut[T any](t *taps, tp *tap, deliver func(*subscriber, T)) func(T) {
	return func(v T) {
		t.mu.Lock()
		subs := make([]*subscriber, 0, len(tp.subs))
		for s := range tp.subs {
			subs = append(subs, s)
		}
		t.mu.Unlock()
		for _, s := range subs {
			deliver(s, v)
		}
	}
}
