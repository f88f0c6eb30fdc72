/* Types shared by the BPF program and the loader. */
#ifndef MEMLEAK_H
#define MEMLEAK_H

#define MAX_STACK_DEPTH 64

/* One live allocation, keyed by its address in the `allocs` map. */
struct alloc_info {
	__u64 size;
	__u64 timestamp_ns; /* CLOCK_MONOTONIC at the allocator's entry, to CLOCK_TICK_MS */
	__u32 stack_id;     /* key in `stack_ips`, slot in `stack_stats`; NO_STACK when none */
	__u32 unused;
};

/*
 * A slot of the `alloc_slots` array: addr is SLOT_FREE, SLOT_FILLING while
 * info is written, or the address of a live allocation described by info.
 */
struct alloc_slot {
	__u64 addr;
	struct alloc_info info;
};

#define SLOT_BITS 16
#define ALLOC_SLOTS (1 << SLOT_BITS)
#define SLOT_FREE 0
#define SLOT_FILLING 1 /* no allocator returns 1 */

/* Stack ids are 1..MAX_STACKS in the order stacks are first seen. */
#define MAX_STACKS 16384
#define NO_STACK 0

/* A user stack, caller first: return addresses, zero-filled. */
struct stack_ips {
	__u64 ip[MAX_STACK_DEPTH];
};

/* Cumulative counts of one stack, at its id in the `stack_stats` array. */
struct stack_stats {
	__u64 allocs;
	__u64 frees;
};

/* Slots of the per-CPU `counters` array. */
enum counter {
	C_ALLOCS,
	C_FREES,
	C_ALLOC_MAP_FULL,  /* an allocation could not be recorded: lost */
	C_STACK_FAILED,    /* recorded without a stack: attribution lost */
	C_PENDING_FULL,    /* too many threads inside the allocator at once */
	C_REPLACED,        /* an address came back without us seeing its free */
	C_MMAP_MAP_FULL,
	C_NR,
};

#endif
