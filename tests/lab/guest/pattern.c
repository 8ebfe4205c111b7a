/* pattern: the guest side of the snapshot and migration tests. Fills
 * MIB MiB (argument) with a pattern that depends on each word's place and
 * its 1 MiB chunk's generation, then forever: verifies every word, rewrites
 * a few chunks with the next generation, prints the guest's CLOCK_REALTIME,
 * and checks on every vCPU that the TSC never went backwards.
 *   L2-PATTERN ready | ok round=N | MISMATCH words=N round=N
 *   L2-RT SECONDS.MILLIS
 *   L2-TSC backwards cpu=N by=CYCLES            (never, one hopes) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define CHUNK_WORDS ((1u << 20) / 8)
#define MAX_CPUS 64

static uint64_t word(uint64_t i, uint32_t gen)
{
	return i * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32 | gen);
}

static void fill(uint64_t *chunk, uint64_t first, uint32_t gen)
{
	for (uint64_t i = 0; i < CHUNK_WORDS; i++)
		chunk[i] = word(first + i, gen);
}

/* rdtsc on each CPU in turn: never below what that CPU gave last time */
static void check_tsc(uint64_t *last, int ncpu)
{
	for (int c = 0; c < ncpu && c < MAX_CPUS; c++) {
		cpu_set_t set;
		uint64_t t;

		CPU_ZERO(&set);
		CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;
		t = __rdtsc();
		if (last[c] && t < last[c])
			printf("L2-TSC backwards cpu=%d by=%llu\n", c, (unsigned long long)(last[c] - t));
		last[c] = t;
	}
}

int main(int argc, char **argv)
{
	unsigned mib = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	uint64_t *mem = mmap(NULL, (size_t)mib << 20, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint32_t *gen = calloc(mib, sizeof(*gen));
	uint64_t last_tsc[MAX_CPUS] = { 0 };
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (mem == MAP_FAILED || !gen) {
		printf("L2-PATTERN cannot allocate %u MiB\n", mib);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned c = 0; c < mib; c++)
		fill(mem + (uint64_t)c * CHUNK_WORDS, (uint64_t)c * CHUNK_WORDS, 0);
	printf("L2-PATTERN ready mib=%u\n", mib);
	srandom(42);
	for (unsigned round = 1;; round++) {
		uint64_t bad = 0;
		struct timespec rt;

		for (uint64_t c = 0; c < mib; c++)
			for (uint64_t i = 0; i < CHUNK_WORDS; i++)
				bad += mem[c * CHUNK_WORDS + i] != word(c * CHUNK_WORDS + i, gen[c]);
		if (bad)
			printf("L2-PATTERN MISMATCH words=%llu round=%u\n", (unsigned long long)bad, round);
		else
			printf("L2-PATTERN ok round=%u\n", round);
		for (int k = 0; k < 8; k++) {
			unsigned c = (unsigned)random() % mib;

			fill(mem + (uint64_t)c * CHUNK_WORDS, (uint64_t)c * CHUNK_WORDS, ++gen[c]);
		}
		check_tsc(last_tsc, ncpu);
		clock_gettime(CLOCK_REALTIME, &rt);
		printf("L2-RT %lld.%03ld\n", (long long)rt.tv_sec, rt.tv_nsec / 1000000);
		usleep(300000);
	}
}
