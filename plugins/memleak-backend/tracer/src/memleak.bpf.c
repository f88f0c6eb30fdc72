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
 * Live allocations. Most are freed soon after they are made: those take a
 * slot of `alloc_slots`, an array indexed by a hash of the address, claimed
 * and released with one compare-and-swap each. No lock, no helper call: a
 * hash-map insert and delete (bucket lock, interrupts off, element alloc)
 * were half of our work per pair. An allocation whose slot is taken goes to
 * the `allocs` hash map instead. Live ones are counted, so --max-allocs
 * bounds both together.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ALLOC_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE); /* the snapshot reads it in place */
	__type(key, __u32);
	__type(value, struct alloc_slot);
} alloc_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144); /* --max-allocs */
	/* allocated as used: a large --max-allocs costs nothing until reached */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

__u64 live_allocs = 0;

/*
 * Stacks are deduplicated by a 64-bit hash of their addresses and numbered
 * in the order they are first seen: an allocation keeps the small id, and a
 * stack's counts live in an array at that id, updated in place (an array
 * element is an address, not a hash-table search). Not a STACK_TRACE map:
 * that one keeps one stack per bucket and refuses (-EEXIST) a second stack
 * hashing to a taken bucket, so one unlucky collision silently strips every
 * allocation of a stack of its frames for the whole trace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_STACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u32);
} stack_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_STACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct stack_ips);
} stack_ips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_STACKS + 1); /* + NO_STACK */
	__type(key, __u32);
	__type(value, struct stack_stats);
} stack_stats SEC(".maps");

/* ids handed out so far */
__u32 stack_ids_used = 0;

/*
 * A per-CPU direct-mapped cache in front of `stack_ids`: a stack seen again
 * costs an array read instead of a hash-table search. One 64-bit word per
 * slot (the hash's upper bits, then the id) is written and read whole, so
 * two threads preempting each other on one CPU cannot tear an entry. Ids
 * never change during a trace, so an entry never goes stale.
 */
#define ID_BITS 15 /* ids 1..MAX_STACKS */
#define CACHE_SLOTS 1024

_Static_assert(MAX_STACKS < (1 << ID_BITS), "stack ids fit in ID_BITS");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CACHE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} stack_cache SEC(".maps");

static __always_inline __u64 *cache_slot(__u64 h)
{
	__u32 slot = (h >> 40) & (CACHE_SLOTS - 1); /* FNV's upper bits are its best mixed */
	return bpf_map_lookup_elem(&stack_cache, &slot);
}

static __always_inline __u32 cached_id(__u64 *slot, __u64 h)
{
	__u64 entry = slot ? *slot : 0;
	return (entry >> ID_BITS) == (h >> ID_BITS) ? entry & ((1 << ID_BITS) - 1) : NO_STACK;
}

/*
 * Each read of user memory costs as much as a few map operations, whatever
 * its size up to a few hundred bytes: the walk reads the stack a window at a
 * time, from a frame pointer to the end of its page at most (mapped when the
 * frame is real), and finds the next frames in it.
 */
#define WINDOW_WORDS 64
#define PAGE_SIZE 4096

/* Too large for the 512-byte BPF stack: the walk works in this buffer. */
struct walk_scratch {
	struct stack_ips ips;
	__u64 window[WINDOW_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_scratch);
} stack_scratch SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, C_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* A nested call this much later than its outer entry means the outer return was never seen. */
#define STALE_NS (100ULL * 1000 * 1000)

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &slot);
	if (c)
		(*c)++;
}

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

static __always_inline void add_stats(__u32 stack_id, bool is_alloc)
{
	struct stack_stats *s = bpf_map_lookup_elem(&stack_stats, &stack_id);
	if (!s)
		return; /* ids stay within the array */
	if (is_alloc)
		__sync_fetch_and_add(&s->allocs, 1);
	else
		__sync_fetch_and_add(&s->frees, 1);
}

static __always_inline struct alloc_slot *slot_of(__u64 addr)
{
	__u32 i = (addr * 0x9E3779B97F4A7C15ULL) >> (64 - SLOT_BITS); /* Fibonacci hashing */
	return bpf_map_lookup_elem(&alloc_slots, &i);
}

static __always_inline bool take_live(void)
{
	if (__sync_fetch_and_add(&live_allocs, 1) < max_allocs)
		return true;
	__sync_fetch_and_sub(&live_allocs, 1);
	return false;
}

static __always_inline void forget(__u64 addr)
{
	struct alloc_slot *s = slot_of(addr);
	__u32 stack_id;
	if (s && READ_ONCE(s->addr) == addr) {
		stack_id = s->info.stack_id; /* read before the slot is released */
		if (__sync_val_compare_and_swap(&s->addr, addr, SLOT_FREE) != addr)
			return; /* another thread freed it first */
	} else {
		struct alloc_info *info = bpf_map_lookup_elem(&allocs, &addr);
		if (!info)
			return;
		stack_id = info->stack_id;
		if (bpf_map_delete_elem(&allocs, &addr))
			return;
	}
	__sync_fetch_and_sub(&live_allocs, 1);
	add_stats(stack_id, false);
	count(C_FREES);
}

/* Into a free slot, else the hash map; false when neither has room. */
static __always_inline bool store(struct alloc_slot *s, __u64 addr, const struct alloc_info *info)
{
	if (s && __sync_val_compare_and_swap(&s->addr, SLOT_FREE, SLOT_FILLING) == SLOT_FREE) {
		s->info = *info;
		barrier(); /* the address last: x86 keeps stores in order */
		WRITE_ONCE(s->addr, addr);
		return true;
	}
	long err = bpf_map_update_elem(&allocs, &addr, info, BPF_NOEXIST);
	if (err == -17 /* EEXIST */) {
		count(C_REPLACED); /* its free went unseen: retire the old record */
		forget(addr);
		err = bpf_map_update_elem(&allocs, &addr, info, BPF_ANY);
	}
	return err == 0;
}

/* A stack seen for the first time: its id, or NO_STACK when the table is full. */
static __always_inline __u32 new_stack(__u64 h, struct stack_ips *ips, __u32 n)
{
	if (stack_ids_used >= MAX_STACKS)
		return NO_STACK;
	__u32 id = __sync_fetch_and_add(&stack_ids_used, 1) + 1;
	if (id > MAX_STACKS)
		return NO_STACK;
	/* zero the scratch buffer's tail (an earlier, deeper stack) so the copy ends at n */
	for (__u32 i = 0; i < MAX_STACK_DEPTH; i++)
		if (i >= n)
			ips->ip[i] = 0;
	/* the frames first, then the id that readers find them by */
	if (bpf_map_update_elem(&stack_ips, &id, ips, BPF_NOEXIST))
		return NO_STACK;
	if (bpf_map_update_elem(&stack_ids, &h, &id, BPF_NOEXIST) == 0)
		return id;
	/* another CPU numbered the same stack first: use its id, give this one's frames back */
	bpf_map_delete_elem(&stack_ips, &id);
	__u32 *theirs = bpf_map_lookup_elem(&stack_ids, &h);
	return theirs ? *theirs : NO_STACK;
}

/* Fills w->window from fp on; false when it cannot be read. */
static __always_inline bool fetch_window(struct walk_scratch *w, __u64 fp, __u64 *len)
{
	__u64 n = PAGE_SIZE - (fp & (PAGE_SIZE - 1));
	if (n > sizeof(w->window))
		n = sizeof(w->window);
	if (n < 16)
		n = 16; /* a frame record straddling two pages */
	*len = n;
	return bpf_probe_read_user(w->window, n, (void *)fp) == 0;
}

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/*
 * The id of the caller's user stack, caller first; NO_STACK on failure. A
 * frame-pointer walk of our own rather than bpf_get_stack(): the kernel's walk
 * reads on until a read faults, and glibc leaves a frame pointer of 1 (or 0)
 * below main and its threads' start, so every walk ended in a page fault —
 * half of what tracing a pair cost. Ours stops, without reading, at a frame
 * pointer that is misaligned or not above the previous frame.
 */
static __always_inline __u32 stack_of(struct pt_regs *ctx)
{
	__u32 zero = 0;
	struct walk_scratch *w = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!w)
		return NO_STACK;
	__u64 ip = PT_REGS_IP(ctx), fp = PT_REGS_FP(ctx), lowest = PT_REGS_SP(ctx);
	__u64 start = 0, len = 0; /* what w->window holds */
	__u64 h = FNV_OFFSET;
	__u32 n = 0;
	for (__u32 i = 0; i < MAX_STACK_DEPTH; i++) {
		w->ips.ip[i] = ip;
		h = (h ^ ip) * FNV_PRIME;
		n = i + 1;
		if (fp < lowest || (fp & 7))
			break;
		if (fp < start || fp + 16 > start + len) {
			if (!fetch_window(w, fp, &len))
				break;
			start = fp;
		}
		__u64 k = (fp - start) / 8; /* the frame record {next fp, return address} */
		if (k >= WINDOW_WORDS - 1)
			break;
		ip = w->window[k + 1];
		if (ip == 0)
			break;
		lowest = fp + 16;
		fp = w->window[k];
	}
	__u64 *slot = cache_slot(h);
	__u32 id = cached_id(slot, h);
	if (id != NO_STACK)
		return id;
	__u32 *known = bpf_map_lookup_elem(&stack_ids, &h);
	id = known ? *known : new_stack(h, &w->ips, n);
	if (slot && id != NO_STACK)
		*slot = (h >> ID_BITS << ID_BITS) | id;
	return id;
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
