#include "block/io_ring.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int io_ring_init(struct io_ring *r, unsigned entries)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->event_fd < 0)
		return -errno;
	err = io_uring_queue_init(entries, &r->ring, 0);
	if (err < 0)
		goto close_fd;
	err = io_uring_register_eventfd(&r->ring, r->event_fd);
	if (err < 0)
		goto exit_ring;
	r->ready = true;
	return 0;

exit_ring:
	io_uring_queue_exit(&r->ring);
close_fd:
	close(r->event_fd);
	r->event_fd = -1;
	return err;
}

void io_ring_destroy(struct io_ring *r)
{
	if (!r->ready)
		return;
	io_uring_queue_exit(&r->ring);
	close(r->event_fd);
	r->ready = false;
}

/* A free submission slot; when all are taken, what is queued goes to the
 * kernel first (the ring is sized for every request the queues can hold,
 * so this is rare). */
static struct io_uring_sqe *next_sqe(struct io_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe && io_uring_submit(&r->ring) >= 0)
		sqe = io_uring_get_sqe(&r->ring);
	if (sqe)
		r->in_flight++;
	return sqe;
}

int io_ring_queue(struct io_ring *r, const struct io_request *req)
{
	struct io_uring_sqe *sqe = next_sqe(r);

	if (!sqe)
		return -EBUSY;
	switch (req->op) {
	case IO_READV:
		io_uring_prep_readv(sqe, req->fd, req->iov, req->nr_iov, req->offset);
		break;
	case IO_WRITEV:
		io_uring_prep_writev(sqe, req->fd, req->iov, req->nr_iov, req->offset);
		break;
	case IO_FDATASYNC:
		io_uring_prep_fsync(sqe, req->fd, IORING_FSYNC_DATASYNC);
		break;
	case IO_FALLOCATE:
		io_uring_prep_fallocate(sqe, req->fd, req->mode, (off_t)req->offset, (off_t)req->len);
		break;
	}
	io_uring_sqe_set_data(sqe, req->tag);
	return 0;
}

int io_ring_submit(struct io_ring *r)
{
	int n = io_uring_submit(&r->ring);

	return n < 0 ? n : 0;
}

void io_ring_reap(struct io_ring *r, bool wait, io_ring_done done, void *owner)
{
	struct io_uring_cqe *cqe;

	for (;;) {
		int err = wait && r->in_flight ? io_uring_wait_cqe(&r->ring, &cqe) :
						 io_uring_peek_cqe(&r->ring, &cqe);

		if (err == -EINTR)
			continue;
		if (err < 0)
			break;
		void *tag = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&r->ring, cqe);
		r->in_flight--;
		done(owner, tag, res);
	}
}

void io_ring_ack(struct io_ring *r)
{
	uint64_t n;

	if (read(r->event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
}
