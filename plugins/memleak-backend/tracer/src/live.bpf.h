/*
 * The live allocations, for memleak.bpf.c (which includes it once): where an
 * allocation is recorded, found and forgotten.
 */
#ifndef LIVE_BPF_H
#define LIVE_BPF_H
#include "stacks.bpf.h"

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

#endif
