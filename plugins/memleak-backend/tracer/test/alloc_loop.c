/*
 * The overhead benchmark's workload: malloc(64)+free pairs in a tight loop.
 *   alloc-loop ITERATIONS REPETITIONS [DEPTH]
 * DEPTH (0) more frames between main and the loop: a traced stack costs per frame.
 * Last, "probed 1" if a uprobe was ever hit in this process (the kernel then
 * maps a [uprobes] area), else "probed 0": an untraced loop that was probed
 * ran under another process's system-wide probes.
 * Prints "ready <pid>", waits for one line on stdin (so a tracer can attach),
 * then prints one line per repetition: nanoseconds per pair, of this thread's
 * CPU time (user + kernel, where the probes run): a loaded machine's other
 * work does not count, as it would in wall-clock time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *volatile sink; /* stops the compiler from dropping the pair */

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) static void pairs(long n)
{
	for (long i = 0; i < n; i++) {
		sink = malloc(64);
		free(sink);
	}
}

__attribute__((noinline)) static void nest(long n, int depth)
{
	if (depth > 0)
		nest(n, depth - 1);
	else
		pairs(n);
	__asm__ volatile("" ::: "memory"); /* not a tail call: the frame stays */
}

static int probed(void)
{
	char line[512];
	int found = 0;
	FILE *maps = fopen("/proc/self/maps", "r");
	while (maps && !found && fgets(line, sizeof(line), maps))
		found = strstr(line, "[uprobes]") != NULL;
	if (maps)
		fclose(maps);
	return found;
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 200000;
	int repetitions = argc > 2 ? atoi(argv[2]) : 5;
	int depth = argc > 3 ? atoi(argv[3]) : 0;
	char line[64];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int r = 0; r < repetitions; r++) {
		double t0 = cpu_ns();
		if (depth > 0)
			nest(iterations, depth - 1);
		else
			pairs(iterations);
		printf("%.3f\n", (cpu_ns() - t0) / iterations);
	}
	printf("probed %d\n", probed());
	return 0;
}
