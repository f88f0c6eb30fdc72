/*
 * A process for the tracer's tests to trace: it allocates on command, from
 * functions with known names, so tests can assert exact bytes and frames.
 * Prints "ready <pid>", then "ok" after each command read from stdin:
 *   leak N SIZE          malloc N blocks in leak_blocks() and keep them
 *   churn N SIZE         malloc+free N blocks in churn_blocks()
 *   calloc N COUNT SIZE  calloc in calloc_blocks(), kept
 *   realloc N FROM TO    malloc(FROM) then realloc to TO in realloc_blocks(), kept
 *   memalign N ALIGN SIZE posix_memalign and aligned_alloc in memalign_blocks(), kept
 *   spread DEPTH         malloc+free once from each of 2^DEPTH distinct stacks
 *   nested N SIZE        malloc N blocks, kept, in nested_inner() <- nested_big() <- nested_outer()
 *                        (nested_big's frame spans pages: the walk must read past them)
 *   threads N SIZE       N threads one after another, each keeping one block from thread_block()
 *                        (past 4096 threads, tids share the tracer's per-thread slots)
 *   free K               free the K most recently kept blocks
 *   exit                 exit(0)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEPT 1000000
static void *kept[MAX_KEPT];
static size_t nkept;
void *volatile sink; /* stops the compiler from dropping malloc/free pairs */

static void keep(void *p)
{
	if (p && nkept < MAX_KEPT)
		kept[nkept++] = p;
}

__attribute__((noinline)) void leak_blocks(size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		char *p = malloc(size);
		memset(p, 1, size);
		keep(p);
	}
}

__attribute__((noinline)) void churn_blocks(size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		sink = malloc(size);
		free(sink);
	}
}

/*
 * One call path per bit pattern: each level goes down through spread_left
 * or spread_right, so 2^depth allocations come from 2^depth different
 * stacks. The two differ (and write `sink` after the call) so the compiler
 * neither merges them nor turns the calls into jumps.
 */
void spread_step(unsigned bits, unsigned depth);

__attribute__((noinline)) void spread_left(unsigned bits, unsigned depth)
{
	spread_step(bits, depth);
	sink = NULL;
}

__attribute__((noinline)) void spread_right(unsigned bits, unsigned depth)
{
	spread_step(bits, depth);
	sink = (void *)1;
}

__attribute__((noinline)) void spread_step(unsigned bits, unsigned depth)
{
	if (depth == 0) {
		sink = malloc(16);
		free(sink);
	} else if (bits & 1) {
		spread_left(bits >> 1, depth - 1);
	} else {
		spread_right(bits >> 1, depth - 1);
	}
}

__attribute__((noinline)) void spread_blocks(unsigned depth)
{
	for (unsigned bits = 0; bits < (1u << depth); bits++)
		spread_step(bits, depth);
}

__attribute__((noinline)) void nested_inner(size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++)
		keep(malloc(size));
}

__attribute__((noinline)) void nested_big(size_t n, size_t size)
{
	volatile char pad[3 * 4096];
	pad[0] = 1;
	nested_inner(n, size);
	pad[sizeof(pad) - 1] = 1; /* after the call: no tail call, the frame stays */
}

__attribute__((noinline)) void nested_outer(size_t n, size_t size)
{
	nested_big(n, size);
	sink = NULL;
}

__attribute__((noinline)) void calloc_blocks(size_t n, size_t count, size_t size)
{
	for (size_t i = 0; i < n; i++)
		keep(calloc(count, size));
}

__attribute__((noinline)) void realloc_blocks(size_t n, size_t from, size_t to)
{
	for (size_t i = 0; i < n; i++) {
		sink = malloc(from);
		keep(realloc(sink, to));
	}
}

__attribute__((noinline)) void memalign_blocks(size_t n, size_t align, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		void *p = NULL;
		if (posix_memalign(&p, align, size) == 0)
			keep(p);
		keep(aligned_alloc(align, size));
	}
}

__attribute__((noinline)) void thread_block(size_t size)
{
	keep(malloc(size));
}

static void *thread_main(void *size)
{
	thread_block((size_t)size);
	return NULL;
}

/* One at a time (joined), so keep() needs no lock. */
__attribute__((noinline)) void thread_blocks(size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, (void *)size) == 0)
			pthread_join(t, NULL);
	}
}

__attribute__((noinline)) void free_kept(size_t k)
{
	while (k-- > 0 && nkept > 0)
		free(kept[--nkept]);
}

int main(void)
{
	char line[128];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin)) {
		size_t a = 0, b = 0, c = 0;
		if (sscanf(line, "leak %zu %zu", &a, &b) == 2)
			leak_blocks(a, b);
		else if (sscanf(line, "churn %zu %zu", &a, &b) == 2)
			churn_blocks(a, b);
		else if (sscanf(line, "calloc %zu %zu %zu", &a, &b, &c) == 3)
			calloc_blocks(a, b, c);
		else if (sscanf(line, "realloc %zu %zu %zu", &a, &b, &c) == 3)
			realloc_blocks(a, b, c);
		else if (sscanf(line, "memalign %zu %zu %zu", &a, &b, &c) == 3)
			memalign_blocks(a, b, c);
		else if (sscanf(line, "nested %zu %zu", &a, &b) == 2)
			nested_outer(a, b);
		else if (sscanf(line, "spread %zu", &a) == 1 && a <= 20)
			spread_blocks((unsigned)a);
		else if (sscanf(line, "threads %zu %zu", &a, &b) == 2)
			thread_blocks(a, b);
		else if (sscanf(line, "free %zu", &a) == 1)
			free_kept(a);
		else if (strncmp(line, "exit", 4) == 0)
			return 0;
		else {
			printf("? %s", line);
			continue;
		}
		printf("ok\n");
	}
	return 0;
}
