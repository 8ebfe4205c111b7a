/* The cost of clock_gettime(CLOCK_MONOTONIC) in TSC cycles: 11 batches,
 * each calling it until 20 million cycles have passed, and the median of
 * the per-call costs. Prints "CLOCK-CYCLES <median> <calls in all>". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define BATCHES 11
#define BATCH_CYCLES 20000000ull

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	uint64_t per_call[BATCHES], total = 0;
	struct timespec ts;

	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = __rdtsc(), t1, n = 0;

		do {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			n++;
			t1 = __rdtsc();
		} while (t1 - t0 < BATCH_CYCLES);
		per_call[b] = (t1 - t0) / n;
		total += n;
	}
	qsort(per_call, BATCHES, sizeof(per_call[0]), cmp);
	printf("CLOCK-CYCLES %llu %llu\n", (unsigned long long)per_call[BATCHES / 2],
	       (unsigned long long)total);
	return 0;
}
