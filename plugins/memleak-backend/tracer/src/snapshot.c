#include "snapshot.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "json.h"
#include "memleak.h"
#include "memleak.skel.h"

/* Live allocations of one stack at this instant. */
struct stack_agg {
	uint32_t stack_id;
	uint64_t bytes, count, aged_bytes, aged_count;
	uint64_t allocs, frees;
};

struct agg_table {
	struct stack_agg *v;
	size_t n, cap;
};

/* Kept sorted by stack id; few stacks (≤ MAX_STACKS) compared with allocations. */
static struct stack_agg *agg_lookup(struct agg_table *t, uint32_t id, bool insert)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->v[mid].stack_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->v[lo].stack_id == id)
		return &t->v[lo];
	if (!insert)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct stack_agg *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof(*t->v));
	t->n++;
	t->v[lo] = (struct stack_agg){ .stack_id = id };
	return &t->v[lo];
}

struct totals {
	uint64_t bytes, count, aged_bytes, aged_count;
};

#define BATCH 4096

static int add_alloc(struct agg_table *t, struct totals *tot, const struct alloc_info *v,
		     uint64_t aged_before_ns)
{
	struct stack_agg *a = agg_lookup(t, v->stack_id, true);
	if (!a)
		return -ENOMEM;
	a->bytes += v->size;
	a->count++;
	tot->bytes += v->size;
	tot->count++;
	if (v->timestamp_ns <= aged_before_ns) {
		a->aged_bytes += v->size;
		a->aged_count++;
		tot->aged_bytes += v->size;
		tot->aged_count++;
	}
	return 0;
}

/* Walks the live-allocation hash map in batches: one syscall per few thousand entries. */
static int aggregate_map(int fd, uint64_t aged_before_ns, struct agg_table *t, struct totals *tot)
{
	static uint64_t keys[BATCH];
	static struct alloc_info vals[BATCH];
	uint64_t in_batch = 0, out_batch = 0;
	bool first = true;
	for (;;) {
		__u32 count = BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, vals,
					       &count, NULL);
		err = err ? -errno : 0;
		if (err && err != -ENOENT)
			return err;
		for (__u32 i = 0; i < count; i++) {
			int e = add_alloc(t, tot, &vals[i], aged_before_ns);
			if (e)
				return e;
		}
		if (err == -ENOENT)
			return 0;
		in_batch = out_batch;
		first = false;
	}
}

/* The slots array, read in place (mapped once) while the programs write it. */
static int aggregate_slots(int fd, uint64_t aged_before_ns, struct agg_table *t, struct totals *tot)
{
	static struct alloc_slot *slots;
	if (!slots) {
		void *m = mmap(NULL, ALLOC_SLOTS * sizeof(*slots), PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return -errno;
		slots = m;
	}
	for (size_t i = 0; i < ALLOC_SLOTS; i++) {
		uint64_t addr = __atomic_load_n(&slots[i].addr, __ATOMIC_ACQUIRE);
		if (addr == SLOT_FREE || addr == SLOT_FILLING)
			continue;
		struct alloc_info v = slots[i].info;
		/* freed meanwhile: skip; a slot the same address took again holds a live one either way */
		if (__atomic_load_n(&slots[i].addr, __ATOMIC_ACQUIRE) != addr)
			continue;
		int e = add_alloc(t, tot, &v, aged_before_ns);
		if (e)
			return e;
	}
	return 0;
}

/* The stacks' cumulative counts: the whole array in one read. */
static int add_cumulative(int fd, struct agg_table *t)
{
	static struct stack_stats st[MAX_STACKS + 1];
	static uint32_t ids[MAX_STACKS + 1];
	uint32_t out_batch = 0;
	__u32 count = MAX_STACKS + 1;
	if (bpf_map_lookup_batch(fd, NULL, &out_batch, ids, st, &count, NULL) && errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < t->n; i++) {
		uint32_t id = t->v[i].stack_id;
		if (id < count && ids[id] == id) {
			t->v[i].allocs = st[id].allocs;
			t->v[i].frees = st[id].frees;
		}
	}
	return 0;
}

static uint64_t sum_mmaps(int fd)
{
	uint64_t key, next, len, total = 0, *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &len) == 0)
			total += len;
	}
	return total;
}

static void read_counters(int fd, uint64_t out[C_NR])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *percpu = calloc(ncpu > 0 ? ncpu : 1, sizeof(uint64_t));
	for (uint32_t slot = 0; slot < C_NR; slot++) {
		out[slot] = 0;
		if (percpu && bpf_map_lookup_elem(fd, &slot, percpu) == 0)
			for (int c = 0; c < ncpu; c++)
				out[slot] += percpu[c];
	}
	free(percpu);
}

static int by_aged_bytes(const void *a, const void *b)
{
	const struct stack_agg *x = a, *y = b;
	if (x->aged_bytes != y->aged_bytes)
		return x->aged_bytes > y->aged_bytes ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* FNV-1a over the addresses: a key that stays the same for the same stack all trace long. */
static uint64_t stack_key(const uint64_t *ips, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++) {
			h ^= (ips[i] >> (8 * b)) & 0xff;
			h *= 1099511628211ULL;
		}
	return h;
}

static void write_frames(FILE *out, int stacks_fd, struct symbolizer *sym, uint32_t stack_id)
{
	uint64_t ips[MAX_STACK_DEPTH] = {0};
	size_t n = 0;
	if (stack_id != NO_STACK && bpf_map_lookup_elem(stacks_fd, &stack_id, ips) == 0)
		while (n < MAX_STACK_DEPTH && ips[n])
			n++;
	struct frame frames[MAX_STACK_DEPTH];
	size_t first = 0;
	for (size_t i = 0; i < n; i++)
		symbolize_return_address(sym, ips[i], &frames[i]);
	/* frames[0] must be the allocator's caller: skip libc's own frames (strdup, …) */
	while (first < n && frames[first].in_libc)
		first++;
	fprintf(out, "\"key\":\"%s%016llx\",\"frames\":[", stack_id == NO_STACK ? "unknown-" : "",
		(unsigned long long)stack_key(ips + first, n - first));
	for (size_t i = first; i < n; i++) {
		fprintf(out, "%s{\"address\":\"0x%llx\"", i > first ? "," : "",
			(unsigned long long)frames[i].address);
		if (frames[i].symbol) {
			fputs(",\"symbol\":", out);
			json_string(out, frames[i].symbol);
			fprintf(out, ",\"offset\":%llu", (unsigned long long)frames[i].offset);
		}
		if (frames[i].module) {
			fputs(",\"module\":", out);
			json_string(out, frames[i].module);
		}
		fputc('}', out);
	}
	fputc(']', out);
}

int snapshot_write(FILE *out, struct memleak_bpf *skel, struct symbolizer *sym,
		   const struct snapshot_opts *opts)
{
	uint64_t now = monotonic_ns();
	uint64_t min_age_ns = opts->min_age_ms * 1000000ULL;
	uint64_t aged_before = now > min_age_ns ? now - min_age_ns : 0;
	struct agg_table t = {0};
	struct totals tot = {0};
	uint64_t c[C_NR];

	read_counters(bpf_map__fd(skel->maps.counters), c);
	int err = aggregate_slots(bpf_map__fd(skel->maps.alloc_slots), aged_before, &t, &tot);
	if (!err)
		err = aggregate_map(bpf_map__fd(skel->maps.allocs), aged_before, &t, &tot);
	if (err) {
		free(t.v);
		return err;
	}
	err = add_cumulative(bpf_map__fd(skel->maps.stack_stats), &t);
	if (err) {
		free(t.v);
		return err;
	}
	uint64_t mmap_bytes = sum_mmaps(bpf_map__fd(skel->maps.mmaps));
	qsort(t.v, t.n, sizeof(*t.v), by_aged_bytes);
	symbolizer_refresh(sym);

	uint64_t lost = c[C_ALLOC_MAP_FULL] + c[C_STACK_FAILED] + c[C_PENDING_FULL];
	fprintf(out,
		"{\"type\":\"snapshot\",\"timestampMs\":%.3f,\"outstandingBytes\":%llu,"
		"\"outstandingCount\":%llu,\"agedBytes\":%llu,\"agedCount\":%llu,\"mmapBytes\":%llu,"
		"\"allocs\":%llu,\"frees\":%llu,\"lostEvents\":%llu,"
		"\"lost\":{\"allocMapFull\":%llu,\"stackFailed\":%llu,\"pendingFull\":%llu,"
		"\"mmapMapFull\":%llu,\"replaced\":%llu},"
		"\"stackCount\":%zu,\"stacks\":[",
		now / 1e6, (unsigned long long)tot.bytes, (unsigned long long)tot.count,
		(unsigned long long)tot.aged_bytes, (unsigned long long)tot.aged_count,
		(unsigned long long)mmap_bytes, (unsigned long long)c[C_ALLOCS],
		(unsigned long long)c[C_FREES], (unsigned long long)lost,
		(unsigned long long)c[C_ALLOC_MAP_FULL], (unsigned long long)c[C_STACK_FAILED],
		(unsigned long long)c[C_PENDING_FULL], (unsigned long long)c[C_MMAP_MAP_FULL], (unsigned long long)c[C_REPLACED], t.n);
	int stacks_fd = bpf_map__fd(skel->maps.stack_ips);
	for (size_t i = 0; i < t.n && i < opts->top; i++) {
		const struct stack_agg *a = &t.v[i];
		fputs(i ? ",{" : "{", out);
		write_frames(out, stacks_fd, sym, a->stack_id);
		fprintf(out,
			",\"outstandingBytes\":%llu,\"outstandingCount\":%llu,\"agedBytes\":%llu,"
			"\"agedCount\":%llu,\"allocs\":%llu,\"frees\":%llu}",
			(unsigned long long)a->bytes, (unsigned long long)a->count,
			(unsigned long long)a->aged_bytes, (unsigned long long)a->aged_count,
			(unsigned long long)a->allocs, (unsigned long long)a->frees);
	}
	fputs("]}\n", out);
	fflush(out);
	free(t.v);
	return 0;
}
