package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/api"
)

// The STAND-IN, and the only one in the test bed (testbed/README.md).
//
// Inspektor Gadget attaches a uprobe only after reading the file's real inode
// through a kprobe (pkg/kfilefields, kprobe __scm_send). This kernel has no
// kprobes, so the real trace_malloc runs but never attaches and sends no
// event. `ig relay` stands in front of the real ig daemon: every call goes
// to it unchanged (GetInfo, GetGadgetInfo, RunGadget with its GadgetInfo,
// logs, stop and timeout), and for a trace_malloc run it adds the allocator
// events the gadget would have sent — taken with bpftrace's uprobes on the
// same libc, for the pid in operator.oci.ebpf.pid — encoded by the field
// layout of the run's real GadgetInfo. Sequence numbers are the relay's own,
// one counter across the stream as ig numbers them.

type relay struct {
	api.UnimplementedBuiltInGadgetManagerServer
	api.UnimplementedGadgetManagerServer
	upstream *grpc.ClientConn
	taps     *taps
}

func newRelayCommand() *cobra.Command {
	var listen, upstream, libc string
	cmd := &cobra.Command{
		Use:          "relay",
		Short:        "Stand-in: relay to an ig daemon, adding trace_malloc's events from bpftrace (kernels without kprobes)",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(*cobra.Command, []string) error {
			conn, err := grpc.NewClient("passthrough:///"+upstream, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return err
			}
			lis, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			srv := grpc.NewServer()
			r := &relay{upstream: conn, taps: newTaps(libc)}
			api.RegisterBuiltInGadgetManagerServer(srv, r)
			api.RegisterGadgetManagerServer(srv, r)
			log.Infof("relaying %s to ig at %s", listen, upstream)
			return srv.Serve(lis)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "HOST:PORT to serve on")
	cmd.Flags().StringVar(&upstream, "upstream", "127.0.0.1:8081", "HOST:PORT of the real ig daemon")
	cmd.Flags().StringVar(&libc, "libc", "/lib/x86_64-linux-gnu/libc.so.6", "the libc the traced processes use")
	return cmd
}

func (r *relay) GetInfo(ctx context.Context, req *api.InfoRequest) (*api.InfoResponse, error) {
	return api.NewBuiltInGadgetManagerClient(r.upstream).GetInfo(ctx, req)
}

func (r *relay) GetGadgetInfo(ctx context.Context, req *api.GetGadgetInfoRequest) (*api.GetGadgetInfoResponse, error) {
	return api.NewGadgetManagerClient(r.upstream).GetGadgetInfo(ctx, req)
}

func (r *relay) RunGadget(down api.GadgetManager_RunGadgetServer) error {
	first, err := down.Recv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(down.Context())
	defer cancel()
	up, err := api.NewGadgetManagerClient(r.upstream).RunGadget(ctx)
	if err != nil {
		return err
	}
	if err := up.Send(first); err != nil {
		return err
	}
	// The client's later requests (stop) go up as they are.
	go func() {
		for {
			req, err := down.Recv()
			if err != nil {
				_ = up.CloseSend()
				return
			}
			_ = up.Send(req)
		}
	}()

	var mu sync.Mutex
	var seq uint32
	send := func(ev *api.GadgetEvent) error {
		mu.Lock()
		defer mu.Unlock()
		seq++
		ev.Seq = seq
		return down.Send(ev)
	}
	run := first.GetRunRequest()
	var unsubscribe func()
	defer func() {
		if unsubscribe != nil {
			unsubscribe()
		}
	}()
	for {
		ev, err := up.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := send(ev); err != nil {
			return err
		}
		if ev.Type == api.EventTypeGadgetInfo && unsubscribe == nil && run != nil &&
			strings.HasPrefix(run.ImageName, "trace_malloc") {
			unsubscribe, err = r.startProducer(ev, run.ParamValues, send)
			if err != nil {
				_ = send(logEvent(log.ErrorLevel, "relay: "+err.Error()))
			}
		}
	}
}

func logEvent(level log.Level, msg string) *api.GadgetEvent {
	return &api.GadgetEvent{Type: uint32(level) << api.EventLogShift, Payload: []byte(msg)}
}

// startProducer subscribes the run to its process's events; the returned
// func ends the subscription.
func (r *relay) startProducer(infoEv *api.GadgetEvent, params map[string]string, send func(*api.GadgetEvent) error) (func(), error) {
	info := &api.GadgetInfo{}
	if err := proto.Unmarshal(infoEv.Payload, info); err != nil {
		return nil, fmt.Errorf("decoding GadgetInfo: %w", err)
	}
	var ds *api.DataSource
	for _, d := range info.DataSources {
		if d.Name == "malloc" {
			ds = d
		}
	}
	if ds == nil {
		return nil, fmt.Errorf("GadgetInfo has no malloc data source")
	}
	pid, err := strconv.Atoi(params["operator.oci.ebpf.pid"])
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("operator.oci.ebpf.pid must name the process to trace (got %q)", params["operator.oci.ebpf.pid"])
	}
	enc := newEncoder(ds)
	return r.taps.subscribe(pid, &subscriber{
		emit: func(e allocEvent) {
			_ = send(&api.GadgetEvent{Type: api.EventTypeGadgetPayload, DataSourceID: ds.Id, Payload: enc.encode(e)})
		},
		lost: func(lost int) {
			_ = send(logEvent(log.WarnLevel, fmt.Sprintf("reading event: lost %d samples", lost)))
		},
	})
}

// encoder lays one event out as the data source's fields say: fixed-size
// fields at their offsets in payload[0], operator fields in their own elements.
type encoder struct {
	ds       *api.DataSource
	elements int
	size0    int
	fields   map[string]*api.Field
	stackIDs map[string]uint32
}

func newEncoder(ds *api.DataSource) *encoder {
	e := &encoder{ds: ds, fields: map[string]*api.Field{}, stackIDs: map[string]uint32{}}
	for _, f := range ds.Fields {
		e.fields[f.FullName] = f
		if int(f.PayloadIndex)+1 > e.elements {
			e.elements = int(f.PayloadIndex) + 1
		}
		if f.PayloadIndex == 0 && int(f.Offs+f.Size) > e.size0 {
			e.size0 = int(f.Offs + f.Size)
		}
	}
	return e
}

var operations = []string{"malloc", "free", "calloc", "realloc", "realloc_free", "mmap", "munmap",
	"posix_memalign", "aligned_alloc", "valloc", "memalign", "pvalloc"}

func (e *encoder) encode(ev allocEvent) []byte {
	payload := make([][]byte, e.elements)
	payload[0] = make([]byte, e.size0)
	var order binary.ByteOrder = binary.LittleEndian
	if e.ds.Flags&api.DataSourceFlagsBigEndian != 0 {
		order = binary.BigEndian
	}
	putUint := func(name string, v uint64) {
		f := e.fields[name]
		if f == nil {
			return
		}
		b := payload[f.PayloadIndex]
		if f.Size == 0 {
			b = make([]byte, 8)
			payload[f.PayloadIndex] = b
		}
		switch {
		case f.Size == 4 || f.Kind == api.Kind_Uint32:
			order.PutUint32(b[f.Offs:], uint32(v))
		case f.Size == 8 || f.Kind == api.Kind_Uint64:
			order.PutUint64(b[f.Offs:], v)
		}
	}
	putString := func(name, v string) {
		f := e.fields[name]
		if f == nil {
			return
		}
		if f.Size > 0 { // a C string inside the record
			copy(payload[f.PayloadIndex][f.Offs:f.Offs+f.Size-1], v)
			return
		}
		payload[f.PayloadIndex] = []byte(v)
	}
	now := time.Now()
	putUint("timestamp_raw", uint64(now.UnixNano()))
	putString("timestamp", now.Format(time.RFC3339Nano))
	putUint("proc.pid", uint64(ev.pid))
	putUint("proc.tid", uint64(ev.tid))
	putString("proc.comm", ev.comm)
	putUint("operation_raw", uint64(ev.op))
	putString("operation", operations[ev.op])
	putUint("addr", ev.addr)
	putUint("size", ev.size)
	if len(ev.frames) > 0 {
		var addrs, syms strings.Builder
		for _, f := range ev.frames {
			fmt.Fprintf(&addrs, "0x%016x; ", f.addr)
			syms.WriteString(f.symbol + "; ")
		}
		key := addrs.String()
		id, ok := e.stackIDs[key]
		if !ok {
			id = uint32(len(e.stackIDs) + 1)
			e.stackIDs[key] = id
		}
		putUint("ustack.stack_id", uint64(id))
		putString("ustack.addresses", key)
		putString("ustack.symbols", syms.String())
	}
	msg := &api.GadgetData{Data: &api.DataElement{Payload: payload}}
	out, _ := proto.Marshal(msg)
	return out
}
