// SPDX-License-Identifier: GPL-2.0
/*
 * Heap tracer for one process: pairs allocations with frees in the kernel so
 * user space only ever reads aggregates.
 *
 * Per call: the entry probe remembers the arguments per thread, the return
 * probe records {size, time, stack} under the returned address, and the free
 * probe deletes it. The stack is taken at the return probe: there the
 * registers are the caller's (ip = return address, rbp = caller's frame), so
 * a frame-pointer walk starts at the function that called the allocator
 * instead of skipping it as a walk from the allocator's entry would.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "memleak.h"

char LICENSE[] SEC("license") = "GPL";

#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

const volatile __u32 target_tgid = 0;
const volatile __u64 max_allocs = 262144; /* --max-allocs */

/* CLOCK_MONOTONIC, published by the loader every CLOCK_TICK_MS (clock.h) */
__u64 clock_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, C_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &slot);
	if (c)
		(*c)++;
}

#include "stacks.bpf.h"
#include "live.bpf.h"

enum op { OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_MEMALIGN, OP_POSIX_MEMALIGN };

/* What an entry probe leaves for its return probe. */
struct pending {
	__u64 size;
	__u64 arg;        /* realloc: old pointer; posix_memalign: memptr */
	__u64 entered_ns;
	__u32 op;
	__u32 depth;      /* >1 while a probed function calls another (realloc(NULL) → malloc) */
};

struct pending_mmap {
	__u64 len;
	__u32 depth;
	__u32 anonymous;
};

/*
 * A thread's pending call lives in the slot of `thread_slots` its tid picks,
 * claimed for the rest of the trace: an array element, not a hash search. A
 * thread whose slot another tid holds uses the `pending` map instead; LRU so
 * that threads which exited make room by themselves.
 */
#define THREAD_SLOTS 4096

struct thread_slot {
	__u32 tid; /* 0: free */
	__u32 unused;
	struct pending call;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, THREAD_SLOTS);
	__type(key, __u32);
	__type(value, struct thread_slot);
} thread_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending_mmap);
} pending_mmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} mmaps SEC(".maps");

/* A nested call this much later than its outer entry means the outer return was never seen. */
#define STALE_NS (100ULL * 1000 * 1000)

static __always_inline bool is_target(__u32 *tid)
{
	__u64 id = bpf_get_current_pid_tgid();
	*tid = (__u32)id;
	return (id >> 32) == target_tgid;
}

/* The thread's own slot, claimed now if free and `claim`; NULL when another tid holds it. */
static __always_inline struct pending *thread_slot(__u32 tid, bool claim)
{
	__u32 i = tid & (THREAD_SLOTS - 1);
	struct thread_slot *s = bpf_map_lookup_elem(&thread_slots, &i);
	if (!s)
		return NULL;
	__u32 owner = READ_ONCE(s->tid);
	if (owner == tid || (claim && owner == 0 && __sync_val_compare_and_swap(&s->tid, 0, tid) == 0))
		return &s->call;
	return NULL;
}

static __always_inline int enter(__u32 op, __u64 size, __u64 arg)
{
	__u32 tid;
	if (!is_target(&tid))
		return 0;
	__u64 now = READ_ONCE(clock_ns);
	struct pending *p = thread_slot(tid, true);
	if (!p)
		p = bpf_map_lookup_elem(&pending, &tid);
	if (p && p->depth > 0 && now - p->entered_ns < STALE_NS) {
		p->depth++;
		return 0;
	}
	struct pending fresh = { .size = size, .arg = arg, .entered_ns = now, .op = op, .depth = 1 };
	if (p)
		*p = fresh;
	else if (bpf_map_update_elem(&pending, &tid, &fresh, BPF_ANY))
		count(C_PENDING_FULL);
	return 0;
}

static __always_inline void record(struct pt_regs *ctx, __u64 addr, __u64 size, __u64 entered_ns)
{
	struct alloc_info info = {
		.size = size,
		.timestamp_ns = entered_ns,
		.stack_id = stack_of(ctx),
	};
	if (info.stack_id == NO_STACK)
		count(C_STACK_FAILED);
	struct alloc_slot *s = slot_of(addr);
	if (s && READ_ONCE(s->addr) == addr) {
		count(C_REPLACED); /* its free went unseen: retire the old record */
		forget(addr);
	}
	if (!take_live()) {
		count(C_ALLOC_MAP_FULL);
		return;
	}
	if (!store(s, addr, &info)) {
		__sync_fetch_and_sub(&live_allocs, 1);
		count(C_ALLOC_MAP_FULL);
		return;
	}
	add_stats(info.stack_id, true);
	count(C_ALLOCS);
}

static __always_inline int leave(struct pt_regs *ctx, __u64 ret)
{
	__u32 tid;
	if (!is_target(&tid))
		return 0;
	struct pending *p = thread_slot(tid, false);
	if (!p)
		p = bpf_map_lookup_elem(&pending, &tid);
	if (!p || p->depth == 0)
		return 0;
	if (--p->depth > 0)
		return 0;
	__u64 size = p->size, arg = p->arg, entered_ns = p->entered_ns;
	__u32 op = p->op;

	if (op == OP_POSIX_MEMALIGN) {
		__u64 addr = 0;
		if (ret != 0 || bpf_probe_read_user(&addr, sizeof(addr), (void *)arg))
			return 0;
		ret = addr;
	}
	if (op == OP_REALLOC && arg != 0 && (ret != 0 || size == 0))
		forget(arg); /* moved or freed; a failed realloc keeps the old block */
	if (ret != 0)
		record(ctx, ret, size, entered_ns);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size) { return enter(OP_MALLOC, size, 0); }

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 n, __u64 size) { return enter(OP_CALLOC, n * size, 0); }

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 ptr, __u64 size) { return enter(OP_REALLOC, size, ptr); }

/* aligned_alloc, memalign (same code in glibc) */
SEC("uprobe")
int BPF_KPROBE(memalign_enter, __u64 align, __u64 size) { return enter(OP_MEMALIGN, size, 0); }

SEC("uprobe")
int BPF_KPROBE(valloc_enter, __u64 size) { return enter(OP_MEMALIGN, size, 0); }

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return enter(OP_POSIX_MEMALIGN, size, memptr);
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret) { return leave(ctx, ret); }

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 addr)
{
	/*
	 * No pid check: the kernel runs these programs only in the target's
	 * memory (they are attached for its pid), where a free is the target's.
	 */
	if (addr != 0)
		forget(addr);
	return 0;
}

/* --floor: at every attach point instead of the real programs, the cost of the probes alone. */
SEC("uprobe")
int empty(void *ctx) { return 0; }

/* mmap/munmap: a separate series, since glibc serves large mallocs with mmap. */
#define MAP_ANONYMOUS_FLAG 0x20

SEC("uprobe")
int BPF_KPROBE(mmap_enter, __u64 addr, __u64 len, __u64 prot, __u64 flags)
{
	__u32 tid;
	if (!is_target(&tid))
		return 0;
	struct pending_mmap *p = bpf_map_lookup_elem(&pending_mmap, &tid);
	if (p && p->depth > 0) {
		p->depth++;
		return 0;
	}
	struct pending_mmap fresh = { .len = len, .depth = 1,
				      .anonymous = (flags & MAP_ANONYMOUS_FLAG) != 0 };
	if (p)
		*p = fresh;
	else
		bpf_map_update_elem(&pending_mmap, &tid, &fresh, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(mmap_return, __u64 ret)
{
	__u32 tid;
	if (!is_target(&tid))
		return 0;
	struct pending_mmap *p = bpf_map_lookup_elem(&pending_mmap, &tid);
	if (!p || p->depth == 0 || --p->depth > 0)
		return 0;
	/* MAP_FAILED is (void *)-1 */
	if (!p->anonymous || ret == (__u64)-1)
		return 0;
	__u64 len = p->len;
	if (bpf_map_update_elem(&mmaps, &ret, &len, BPF_ANY))
		count(C_MMAP_MAP_FULL);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(munmap_enter, __u64 addr, __u64 len)
{
	__u32 tid;
	if (!is_target(&tid))
		return 0;
	__u64 *live = bpf_map_lookup_elem(&mmaps, &addr);
	if (!live)
		return 0;
	if (len >= *live) {
		bpf_map_delete_elem(&mmaps, &addr);
	} else {
		/* A partial unmap from the start: keep the tail. */
		__u64 rest = *live - len, tail = addr + ((len + 4095) & ~4095ULL);
		bpf_map_delete_elem(&mmaps, &addr);
		bpf_map_update_elem(&mmaps, &tail, &rest, BPF_ANY);
	}
	return 0;
}
