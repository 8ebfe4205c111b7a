/* Asynchronous file I/O through io_uring (liburing): requests go in from
 * whichever thread holds the owner's lock, completions are announced on an
 * eventfd that the event loop watches, and io_ring_reap hands each result
 * to a callback. The owner serializes all calls (the ring is not locked). */
#ifndef MERIDIAN_IO_RING_H
#define MERIDIAN_IO_RING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct io_ring {
	struct io_uring ring;
	int event_fd;           /* readable when completions are waiting */
	unsigned in_flight;
	bool ready;
};

/* Completion of the request tagged `tag`: res is bytes done or -errno. */
typedef void (*io_ring_done)(void *owner, void *tag, int res);

/* A ring with room for `entries` requests in flight. Returns 0 or -errno. */
int io_ring_init(struct io_ring *r, unsigned entries);
void io_ring_destroy(struct io_ring *r);

enum io_op { IO_READV, IO_WRITEV, IO_FDATASYNC, IO_FALLOCATE };

struct io_request {
	enum io_op op;
	int fd;
	const struct iovec *iov;        /* READV, WRITEV: must live until completion */
	unsigned nr_iov;
	uint64_t offset;
	uint64_t len;                   /* FALLOCATE */
	int mode;                       /* FALLOCATE: FALLOC_FL_* */
	void *tag;                      /* handed back with the result */
};

/* Queues one request (sent with io_ring_submit). Returns 0 or -errno. */
int io_ring_queue(struct io_ring *r, const struct io_request *req);
/* Hands the queued requests to the kernel. Returns 0 or -errno. */
int io_ring_submit(struct io_ring *r);

/* Calls done for every completion there is; with wait, first waits until
 * nothing is in flight any more (a device reset drains this way). */
void io_ring_reap(struct io_ring *r, bool wait, io_ring_done done, void *owner);
/* After the eventfd fired: clears it. */
void io_ring_ack(struct io_ring *r);

#endif
