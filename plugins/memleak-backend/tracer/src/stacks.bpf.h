/*
 * The allocating stacks, for memleak.bpf.c (which includes it once): a walk
 * of the caller's frames, deduplicated by a hash, numbered, counted.
 */
#ifndef STACKS_BPF_H
#define STACKS_BPF_H

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

#endif
