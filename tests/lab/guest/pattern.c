/* pattern: the guest side of the snapshot and migration tests. Fills
 * MIB MiB (argument) with a pattern that depends on each word's place and
 * its 1 MiB chunk's generation, then forever: verifies every word, rewrites
 * a few chunks with the next generation, prints the guest's CLOCK_REALTIME,
 * and checks on every vCPU that the TSC never went backwards.
 *   L2-PATTERN ready | ok round=N | MISMATCH words=N round=N
 *   L2-RT SECONDS.MILLIS
 *   L2-TSC backwards cpu=N by=CYCLES            (never, one hopes)
 * "pattern tick" instead prints the guest's CLOCK_REALTIME every 20 ms
 * (L2-RT SECONDS.MICROS), for the host to compare with its own clock;
 * "pattern offset FILE", run on the host (L1), does that comparison: each
 * new L2-RT line of FILE minus the host's realtime when it showed, over 60
 * lines, prints the median in seconds ("pattern offsets FILE": the median,
 * the 90th percentile and the number of ticks).
 * "pattern udptick HOST PORT" sends the guest's CLOCK_REALTIME every 20 ms
 * as a UDP datagram (SECONDS.NANOS) to HOST:PORT, and "pattern udpoffsets
 * PORT", on the host, takes 60 of them, each minus the host's realtime at
 * its arrival, and prints the median, the 90th percentile and the count,
 * as "offsets" does. The network (vhost-net) is a far steadier path than
 * the console, where every byte is an exit to the VMM: the console's
 * delay moves by milliseconds between processes, the datagrams' by less.
 * "pattern gap SRC DST STOPFILE", on the host too, watches the newest tick
 * of two consoles (a migration's source and destination) every 2 ms until
 * STOPFILE exists, and prints the longest time between two new ticks
 * arriving, in ms: the pause the guest's outside world saw, whatever the
 * guest's own clock says (plus up to one 20 ms tick period and console
 * delay, the same for every VMM).
 * "pattern disk DEV" keeps writing DEV's first 2 MiB with O_DIRECT, 64 KiB
 * at a time (10 ms apart: the lab's TCG has little CPU to spare), each 4 KiB block stamped with its number and the pass that
 * wrote it, and after each pass reads it all back against what it wrote:
 *   L2-DISK ok pass=N | MISMATCH blocks=N pass=N
 * Across a migration the writes in flight at the switchover must land
 * exactly once: the expected stamps live in guest memory, which moved.
 * "pattern pio" writes "L2-SEQ abc...z" lines to /dev/kmsg, forever: the
 * kernel's console driver puts each byte out on the serial port with its
 * own IN and OUT (polled), an exit each, so a save nearly always lands
 * between an exit and the instruction's completion. A byte doubled or
 * lost across a snapshot shows as a broken line (the snapshot_pio
 * scenario). (Not the port from user space with ioperm: this lab's TCG
 * refuses a user's port I/O once a restore has loaded the task register
 * as busy, which KVM reports and real CPUs hold; see docs/lab.md.)
 * "pattern churn MIB" rewrites MIB MiB without pause, 256 random 4 KiB
 * pages at a time, each page stamped with its number and its own
 * generation (kept in guest memory too); every 64 batches it verifies
 * every page against its generation:
 *   L2-CHURN ready pages=N | ok pass=N batches=N | MISMATCH pages=N pass=N first=PAGE
 * the exact-memory migration scenario (migrate_exact) moves it.
 * "pattern hog MIB SECONDS" touches MIB MiB, holds them SECONDS, frees
 * them (L2-HOG held mib=N, then L2-HOG done): the balloon scenario. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
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

static _Noreturn void tick(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		printf("L2-RT %lld.%06ld\n", (long long)rt.tv_sec, rt.tv_nsec / 1000);
		usleep(20000);
	}
}

static _Noreturn void udptick(const char *host, const char *port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &to.sin_addr) != 1) {
		printf("L2-UDPTICK cannot send to %s:%s\n", host, port);
		exit(1);
	}
	for (;;) {
		struct timespec rt;
		char msg[40];
		int n;

		clock_gettime(CLOCK_REALTIME, &rt);
		n = snprintf(msg, sizeof(msg), "%lld.%09ld", (long long)rt.tv_sec, rt.tv_nsec);
		/* nobody listening most of the time: the error is ignored */
		sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
		usleep(20000);
	}
}

#define DISK_BLOCKS 512u
#define DISK_BLOCK 4096u
#define DISK_IO_BLOCKS 16u

static void stamp(uint64_t *b, uint64_t block, uint64_t pass)
{
	for (unsigned i = 0; i < DISK_BLOCK / 8; i++)
		b[i] = block << 40 ^ pass << 8 ^ i;
}

static _Noreturn void disk(const char *dev)
{
	static uint32_t written[DISK_BLOCKS];   /* the pass each block has */
	uint64_t *buf;
	int fd = open(dev, O_RDWR | O_DIRECT);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fd < 0 || posix_memalign((void **)&buf, 4096, DISK_IO_BLOCKS * DISK_BLOCK)) {
		printf("L2-DISK cannot open %s\n", dev);
		exit(1);
	}
	for (uint32_t pass = 1;; pass++) {
		unsigned bad = 0;

		for (uint64_t b = 0; b < DISK_BLOCKS; b += DISK_IO_BLOCKS) {
			for (unsigned k = 0; k < DISK_IO_BLOCKS; k++)
				stamp(buf + k * DISK_BLOCK / 8, b + k, pass);
			if (pwrite(fd, buf, DISK_IO_BLOCKS * DISK_BLOCK, (off_t)(b * DISK_BLOCK)) !=
			    DISK_IO_BLOCKS * DISK_BLOCK) {
				printf("L2-DISK write error at block %llu\n", (unsigned long long)b);
				exit(1);
			}
			for (unsigned k = 0; k < DISK_IO_BLOCKS; k++)
				written[b + k] = pass;
			usleep(10000);
		}
		for (uint64_t b = 0; b < DISK_BLOCKS; b += DISK_IO_BLOCKS) {
			static uint64_t want[DISK_BLOCK / 8];

			if (pread(fd, buf, DISK_IO_BLOCKS * DISK_BLOCK, (off_t)(b * DISK_BLOCK)) !=
			    DISK_IO_BLOCKS * DISK_BLOCK) {
				printf("L2-DISK read error at block %llu\n", (unsigned long long)b);
				exit(1);
			}
			for (unsigned k = 0; k < DISK_IO_BLOCKS; k++) {
				stamp(want, b + k, written[b + k]);
				bad += memcmp(buf + k * DISK_BLOCK / 8, want, DISK_BLOCK) != 0;
			}
		}
		if (bad)
			printf("L2-DISK MISMATCH blocks=%u pass=%u\n", bad, pass);
		else
			printf("L2-DISK ok pass=%u\n", pass);
		usleep(100000);
	}
}

static double now_s(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return rt.tv_sec + rt.tv_nsec / 1e9;
}

/* the newest complete L2-RT line in the last 4 KiB of path */
static int newest_tick(const char *path, double *t)
{
	char buf[4097], *p, *line = NULL;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	fseek(f, ftell(f) > 4096 ? -4096 : 0, ftell(f) > 4096 ? SEEK_END : SEEK_SET);
	n = fread(buf, 1, 4096, f);
	fclose(f);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, "L2-RT ")); p++)
		if (strchr(p, '\n'))
			line = p;
	return line && sscanf(line, "L2-RT %lf", t) == 1 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_offsets(double *d, int n);

/* Watches path for new L2-RT ticks (every 0.5 ms) and, for each, the tick
 * minus the host's realtime at the moment it first showed: over 60 ticks
 * (1.2 s; 4 s at most), the median. The console's delay is in each figure,
 * but the median of many is steady, so before/after differences mean
 * something to about a millisecond. */
static int offset(const char *path, bool all)
{
	double d[60], seen = -1, t0 = now_s();
	int n = 0;

	while (n < 60 && now_s() - t0 < 4) {
		double t;

		if (newest_tick(path, &t) == 0 && t != seen) {
			if (seen >= 0)          /* the first may be an old one */
				d[n++] = t - now_s();
			seen = t;
		}
		usleep(500);
	}
	if (!n)
		return 1;
	/* all: also the 90th percentile (the ticks that came fastest: the
	 * offset with the least console delay) and the number of ticks */
	if (all) {
		print_offsets(d, n);
	} else {
		qsort(d, (size_t)n, sizeof(d[0]), cmp_double);
		printf("%.4f\n", d[n / 2]);
	}
	return 0;
}

/* print_offsets: the median, the 90th percentile and n of d (sorted) */
static void print_offsets(double *d, int n)
{
	qsort(d, (size_t)n, sizeof(d[0]), cmp_double);
	printf("%.4f %.4f %d\n", d[n / 2], d[n * 9 / 10], n);
}

/* 60 datagrams of udptick on PORT (4 s at most), each minus the host's
 * realtime at its arrival */
static int udpoffsets(const char *port)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct timeval wait = { .tv_sec = 1 };
	double d[60], t0 = now_s();
	int n = 0, fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)))
		return perror("udpoffsets"), 1;
	while (n < 60 && now_s() - t0 < 4) {
		char msg[64];
		ssize_t got = recv(fd, msg, sizeof(msg) - 1, 0);
		double t;

		if (got <= 0)
			continue;
		msg[got] = '\0';
		if (sscanf(msg, "%lf", &t) == 1)
			d[n++] = t - now_s();
	}
	close(fd);
	if (!n)
		return 1;
	print_offsets(d, n);
	return 0;
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int gap(const char *src, const char *dst, const char *stop)
{
	const char *path[2] = { src, dst };
	double seen[2] = { -1, -1 }, last = 0, longest = 0;

	while (access(stop, F_OK)) {
		for (int i = 0; i < 2; i++) {
			double t, now;

			if (newest_tick(path[i], &t) || t == seen[i])
				continue;
			now = mono_ms();
			if (seen[0] >= 0 || seen[1] >= 0)
				longest = now - last > longest ? now - last : longest;
			seen[i] = t;
			last = now;
		}
		usleep(2000);
	}
	printf("%.1f\n", longest);
	return 0;
}

static _Noreturn void pio(void)
{
	static const char line[] = "L2-SEQ abcdefghijklmnopqrstuvwxyz\n";
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd < 0) {
		printf("L2-PIO cannot open /dev/kmsg\n");
		exit(1);
	}
	for (;;)
		if (write(fd, line, sizeof(line) - 1) < 0) {
			printf("L2-PIO write to /dev/kmsg failed\n");
			exit(1);
		}
}

#define PAGE_WORDS (4096u / 8)
#define CHURN_BATCH 256u
#define CHURN_VERIFY_EVERY 64u

static void fill_page(uint64_t *p, uint64_t page, uint32_t gen)
{
	for (unsigned i = 0; i < PAGE_WORDS; i++)
		p[i] = word(page * PAGE_WORDS + i, gen);
}

static _Noreturn void churn(unsigned mib)
{
	uint64_t pages = (uint64_t)mib << 8;
	uint64_t *mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *gen = calloc(pages, sizeof(*gen));

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mem == MAP_FAILED || !gen) {
		printf("L2-CHURN cannot allocate %u MiB\n", mib);
		exit(1);
	}
	for (uint64_t p = 0; p < pages; p++) {
		fill_page(mem + p * PAGE_WORDS, p, 0);
		if (p % 256 == 255)
			usleep(10000);  /* a breath per MiB, as above */
	}
	printf("L2-CHURN ready pages=%llu\n", (unsigned long long)pages);
	srandom(7);
	for (unsigned pass = 1;; pass++) {
		uint64_t bad = 0, first = 0;

		for (unsigned b = 0; b < CHURN_VERIFY_EVERY; b++)
			for (unsigned k = 0; k < CHURN_BATCH; k++) {
				uint64_t p = (uint64_t)random() % pages;

				fill_page(mem + p * PAGE_WORDS, p, ++gen[p]);
			}
		for (uint64_t p = 0; p < pages; p++)
			for (unsigned i = 0; i < PAGE_WORDS; i++)
				if (mem[p * PAGE_WORDS + i] != word(p * PAGE_WORDS + i, gen[p])) {
					if (!bad++)
						first = p;
					break;
				}
		if (bad)
			printf("L2-CHURN MISMATCH pages=%llu pass=%u first=%llu\n",
			       (unsigned long long)bad, pass, (unsigned long long)first);
		else
			printf("L2-CHURN ok pass=%u batches=%u\n", pass, pass * CHURN_VERIFY_EVERY);
	}
}

int main(int argc, char **argv)
{
	if (argc > 4 && !strcmp(argv[1], "gap"))
		return gap(argv[2], argv[3], argv[4]);
	if (argc > 1 && !strcmp(argv[1], "tick"))
		tick();
	if (argc > 3 && !strcmp(argv[1], "udptick"))
		udptick(argv[2], argv[3]);
	if (argc > 2 && !strcmp(argv[1], "udpoffsets"))
		return udpoffsets(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "offset"))
		return offset(argv[2], false);
	if (argc > 2 && !strcmp(argv[1], "offsets"))
		return offset(argv[2], true);
	if (argc > 1 && !strcmp(argv[1], "pio"))
		pio();
	if (argc > 2 && !strcmp(argv[1], "churn"))
		churn((unsigned)atoi(argv[2]));
	if (argc > 2 && !strcmp(argv[1], "disk"))
		disk(argv[2]);
	if (argc > 3 && !strcmp(argv[1], "hog")) {
		size_t bytes = (size_t)atoi(argv[2]) << 20;
		char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		setvbuf(stdout, NULL, _IOLBF, 0);
		if (p == MAP_FAILED)
			return printf("L2-HOG cannot allocate\n"), 1;
		for (size_t i = 0; i < bytes; i += 4096)
			p[i] = (char)(i >> 12 | 1);
		printf("L2-HOG held mib=%s\n", argv[2]);
		sleep((unsigned)atoi(argv[3]));
		munmap(p, bytes);
		printf("L2-HOG done\n");
		return 0;
	}
	unsigned mib = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	uint64_t *mem = mmap(NULL, (size_t)mib << 20, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *gen = calloc(mib, sizeof(*gen));
	uint64_t last_tsc[MAX_CPUS] = { 0 };
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (mem == MAP_FAILED || !gen) {
		printf("L2-PATTERN cannot allocate %u MiB\n", mib);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a MiB at a time with a breath between: in the nested lab a burst of
	 * 50000 nested page faults is what L1's kernel fell over (docs/lab.md) */
	for (unsigned c = 0; c < mib; c++) {
		fill(mem + (uint64_t)c * CHUNK_WORDS, (uint64_t)c * CHUNK_WORDS, 0);
		usleep(10000);
	}
	printf("L2-PATTERN ready mib=%u\n", mib);
	srandom(42);
	for (unsigned round = 1;; round++) {
		uint64_t bad = 0;

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
		usleep(300000);
	}
}
