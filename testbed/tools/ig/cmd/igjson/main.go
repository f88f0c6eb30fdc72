// Command igjson decodes a recorded RunGadget stream the way Inspektor
// Gadget's own client does for `ig run … -o json` / `kubectl gadget run … -o
// json`, for `yarn bench decoder` (bench/decoder.ts): the baseline our
// TypeScript decoder is measured against, on the same events in the same run.
//
// Per event, as IG's gRPC runtime does in pkg/runtime/grpc (runGadget): the
// GadgetEvent is unmarshalled; the GadgetInfo makes one datasource per
// announced data source (datasource.NewFromAPI, what GadgetContext's
// LoadGadgetInfo calls), each with IG's JSON formatter subscribed as the CLI
// operator subscribes it for `-o json` (pkg/operators/cli: WithShowAll, not
// pretty); a payload's seq is checked, the payload becomes a packet
// (NewPacketSingleFromRaw / NewPacketArrayFromRaw) and is emitted, and the
// formatter writes one JSON line (here to a discarding writer, where the CLI
// writes stdout). Log events are formatted as the runtime hands them to its
// logger.
//
//	igjson FILE [RUNS]
//
// FILE holds one GadgetEvent per line: {"type","seq","dataSourceID","payload"
// (base64)}. The events are marshalled to their wire bytes first (what gRPC
// hands the client); the timed part starts from those bytes. Prints one JSON
// object: the best of RUNS passes (default 3).
package main

import (
	"bufio"
	"encoding/base64"
	stdjson "encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/inspektor-gadget/inspektor-gadget/pkg/datasource"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/datasource/formatters/json"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/api"
)

type recorded struct {
	Type         uint32 `json:"type"`
	Seq          uint32 `json:"seq"`
	DataSourceID uint32 `json:"dataSourceID"`
	Payload      string `json:"payload"`
}

// client is one RunGadget stream's receiving side.
type client struct {
	out         io.Writer
	dsMap       map[uint32]datasource.DataSource
	initialized bool
	expectedSeq uint32
	data        int
	dropped     uint32
	lines       int
}

func newClient(out io.Writer) *client {
	return &client{out: out, dsMap: map[uint32]datasource.DataSource{}, expectedSeq: 1}
}

func (c *client) onGadgetInfo(payload []byte) error {
	gi := &api.GadgetInfo{}
	if err := proto.Unmarshal(payload, gi); err != nil {
		return fmt.Errorf("unmarshaling gadget info: %w", err)
	}
	for _, in := range gi.DataSources {
		ds, err := datasource.NewFromAPI(in)
		if err != nil {
			return fmt.Errorf("creating DataSource from API: %w", err)
		}
		f, err := json.New(ds,
			json.WithShowAll(true),
			json.WithPretty(false, "  "),
			json.WithArray(ds.Type() == datasource.TypeArray),
		)
		if err != nil {
			return fmt.Errorf("JSON formatter for %s: %w", ds.Name(), err)
		}
		switch ds.Type() {
		case datasource.TypeSingle:
			err = ds.Subscribe(func(_ datasource.DataSource, data datasource.Data) error {
				fmt.Fprintln(c.out, string(f.Marshal(data)))
				c.lines++
				return nil
			}, 0)
		case datasource.TypeArray:
			err = ds.SubscribeArray(func(_ datasource.DataSource, a datasource.DataArray) error {
				fmt.Fprintln(c.out, string(f.MarshalArray(a)))
				c.lines++
				return nil
			}, 0)
		}
		if err != nil {
			return err
		}
		c.dsMap[in.Id] = ds
	}
	c.initialized = true
	return nil
}

func (c *client) accept(msg []byte) error {
	ev := &api.GadgetEvent{}
	if err := proto.Unmarshal(msg, ev); err != nil {
		return err
	}
	switch ev.Type {
	case api.EventTypeGadgetPayload:
		if !c.initialized {
			return nil
		}
		if c.expectedSeq != ev.Seq {
			// IG's client logs a warning; only payloads move its counter.
			_ = fmt.Sprintf("%-20s | expected seq %d, got %d, %d messages dropped", "node", c.expectedSeq, ev.Seq, ev.Seq-c.expectedSeq)
			c.dropped += ev.Seq - c.expectedSeq
		}
		c.expectedSeq = ev.Seq + 1
		ds, ok := c.dsMap[ev.DataSourceID]
		if !ok {
			return nil
		}
		var p datasource.Packet
		var err error
		switch ds.Type() {
		case datasource.TypeSingle:
			p, err = ds.NewPacketSingleFromRaw(ev.Payload)
		case datasource.TypeArray:
			p, err = ds.NewPacketArrayFromRaw(ev.Payload)
		}
		if err != nil {
			return fmt.Errorf("unmarshaling payload: %w", err)
		}
		c.data++
		return ds.EmitAndRelease(p)
	case api.EventTypeGadgetInfo:
		return c.onGadgetInfo(ev.Payload)
	default:
		if ev.Type >= 1<<api.EventLogShift {
			_ = fmt.Sprintf("%-20s | %s", "node", string(ev.Payload))
		}
	}
	return nil
}

// countingDiscard counts what the CLI would have written to stdout.
type countingDiscard struct{ n int }

func (w *countingDiscard) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func load(file string) ([][]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var msgs [][]byte
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 64<<20)
	for s.Scan() {
		var r recorded
		if err := stdjson.Unmarshal(s.Bytes(), &r); err != nil {
			return nil, err
		}
		payload, err := base64.StdEncoding.DecodeString(r.Payload)
		if err != nil {
			return nil, err
		}
		msg, err := proto.Marshal(&api.GadgetEvent{Type: r.Type, Seq: r.Seq, DataSourceID: r.DataSourceID, Payload: payload})
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
	}
	return msgs, s.Err()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: igjson FILE [RUNS]")
		os.Exit(2)
	}
	runs := 3
	if len(os.Args) > 2 {
		runs, _ = strconv.Atoi(os.Args[2])
	}
	msgs, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The first JSON line, to show what the formatter makes of the stream.
	sample := &firstLine{}
	probe := newClient(sample)
	for _, m := range msgs {
		if err := probe.accept(m); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if sample.line != "" {
			break
		}
	}
	bestSec, bestCPU := 0.0, 0.0
	var last *client
	var out *countingDiscard
	for r := 0; r < runs; r++ {
		out = &countingDiscard{}
		c := newClient(out)
		cpu0 := cpuSeconds()
		t0 := time.Now()
		for _, m := range msgs {
			if err := c.accept(m); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		sec := time.Since(t0).Seconds()
		cpu := cpuSeconds() - cpu0
		if r == 0 || sec < bestSec {
			bestSec, bestCPU = sec, cpu
		}
		last = c
	}
	result := map[string]any{
		"events":          len(msgs),
		"dataEvents":      last.data,
		"jsonLines":       last.lines,
		"seqGapsSeen":     last.dropped,
		"sec":             bestSec,
		"cpuSec":          bestCPU,
		"eventsPerSec":    float64(len(msgs)) / bestSec,
		"jsonBytesPerEvt": float64(out.n) / float64(last.lines),
		"sampleLine":      sample.line,
	}
	enc := stdjson.NewEncoder(os.Stdout)
	_ = enc.Encode(result)
}

type firstLine struct{ line string }

func (w *firstLine) Write(p []byte) (int, error) {
	if w.line == "" {
		w.line = string(p)
	}
	return len(p), nil
}
