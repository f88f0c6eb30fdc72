/* Types shared by the BPF program and the loader. */
#ifndef MEMLEAK_H
#define MEMLEAK_H

#define MAX_STACK_DEPTH 64

/* One live allocation, keyed by its address in the `allocs` map. */
struct alloc_info {
	__u64 size;
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 stack_hash;   /* key in `stacks`; NO_STACK when it could not be recorded */
};

#define NO_STACK 0ULL

/* A user stack, caller first: return addresses, zero-filled. */
struct stack_ips {
	__u64 ip[MAX_STACK_DEPTH];
};

/* Cumulative counts of one stack, keyed by stack hash in `stack_stats`. */
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
	C_STATS_MAP_FULL,
	C_NR,
};

#endif
