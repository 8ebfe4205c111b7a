/* blkbench: the guest side of bench/blk. O_DIRECT I/O on a block device
 * through io_uring, QD requests in flight, for SECONDS:
 *   blkbench randread DEV SECONDS QD     4 KiB reads at random offsets
 *   blkbench seqwrite DEV SECONDS QD     1 MiB writes, front to back, wrapping
 * Prints "BLKBENCH OP ios=N bytes=N seconds=S iops=N mbps=N". Built static
 * on the lab host and put into the L2 initramfs. */
#define _GNU_SOURCE     /* O_DIRECT */
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MAX_QD 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct job {
	int fd;
	int write;
	uint64_t bs, dev_bytes, next_off;
	int random;
};

static uint64_t next_offset(struct job *j)
{
	uint64_t off;

	if (j->random)
		return ((uint64_t)random() % (j->dev_bytes / j->bs)) * j->bs;
	off = j->next_off;
	j->next_off = off + j->bs >= j->dev_bytes ? 0 : off + j->bs;
	return off;
}

static void queue(struct io_uring *ring, struct job *j, void *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (j->write)
		io_uring_prep_write(sqe, j->fd, buf, j->bs, next_offset(j));
	else
		io_uring_prep_read(sqe, j->fd, buf, j->bs, next_offset(j));
	io_uring_sqe_set_data(sqe, buf);
}

int main(int argc, char **argv)
{
	struct job j = { 0 };
	struct io_uring ring;
	void *bufs[MAX_QD];
	double seconds, t0, t;
	uint64_t ios = 0;
	int qd;

	if (argc != 5 || (strcmp(argv[1], "randread") && strcmp(argv[1], "seqwrite"))) {
		fprintf(stderr, "usage: blkbench randread|seqwrite DEV SECONDS QD\n");
		return 2;
	}
	j.write = !strcmp(argv[1], "seqwrite");
	j.random = !j.write;
	j.bs = j.write ? 1 << 20 : 4096;
	seconds = atof(argv[3]);
	qd = atoi(argv[4]);
	if (qd < 1 || qd > MAX_QD)
		qd = 1;
	j.fd = open(argv[2], (j.write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (j.fd < 0 || ioctl(j.fd, BLKGETSIZE64, &j.dev_bytes) < 0 || j.dev_bytes < j.bs) {
		perror(argv[2]);
		return 1;
	}
	if (io_uring_queue_init(MAX_QD, &ring, 0) < 0) {
		fprintf(stderr, "io_uring_queue_init failed\n");
		return 1;
	}
	srandom(1);
	for (int i = 0; i < qd; i++) {
		if (posix_memalign(&bufs[i], 4096, j.bs))
			return 1;
		memset(bufs[i], 0x5a + i, j.bs);
		queue(&ring, &j, bufs[i]);
	}
	t0 = now_s();
	io_uring_submit(&ring);
	for (;;) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe) < 0)
			break;
		if (cqe->res != (int)j.bs) {
			fprintf(stderr, "blkbench: I/O failed: %d\n", cqe->res);
			return 1;
		}
		void *buf = io_uring_cqe_get_data(cqe);

		io_uring_cqe_seen(&ring, cqe);
		ios++;
		t = now_s() - t0;
		if (t >= seconds)
			break;
		queue(&ring, &j, buf);
		io_uring_submit(&ring);
	}
	t = now_s() - t0;
	printf("BLKBENCH %s ios=%llu bytes=%llu seconds=%.2f iops=%.0f mbps=%.1f\n", argv[1],
	       (unsigned long long)ios, (unsigned long long)(ios * j.bs), t, ios / t,
	       ios * j.bs / t / 1e6);
	return 0;
}
