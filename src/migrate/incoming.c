#include "migrate/incoming.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "base/thread.h"
#include "migrate/cpu_sections.h"
#include "migrate/snapshot.h"
#include "migrate/transport.h"

void incoming_init(struct incoming *in)
{
	memset(in, 0, sizeof(*in));
	in->fd = in->conn = in->notify_fd = -1;
}

static void notify(struct incoming *in)
{
	uint64_t one = 1;

	if (write(in->notify_fd, &one, sizeof(one)) < 0)
		log_error("event loop wake-up: %s", strerror(errno));
}

static void *incoming_thread(void *arg)
{
	struct incoming *in = arg;
	int fd = in->fd, r = -1;

	if (in->uri.kind == MIG_URI_TCP) {
		in->conn = accept4(in->fd, NULL, NULL, SOCK_CLOEXEC);
		if (in->conn < 0) {
			snprintf(in->err, sizeof(in->err), "accept: %s", strerror(errno));
			goto out;
		}
		fd = in->conn;
	}
	/* the stream flows: "active" (a file's at once) */
	atomic_store(&in->connected, true);
	notify(in);
	struct snap_vm vm = snap_vm_of(in->vm);

	r = snapshot_load(&vm, fd, &in->apply_ms, in->err, sizeof(in->err));
	in->t_read_ms = monotonic_ms() - in->apply_ms;
	if (!r && in->uri.kind == MIG_URI_TCP && write(fd, MIG_ACK, MIG_ACK_BYTES) != MIG_ACK_BYTES) {
		snprintf(in->err, sizeof(in->err), "cannot confirm to the source: %s", strerror(errno));
		r = -1;
	}
out:
	in->result = r;
	atomic_store(&in->done, true);
	notify(in);
	return NULL;
}

/* After the thread: its descriptors (only the joiner closes them, so an
 * abort's shutdown never meets a reused number). */
static void close_fds(struct incoming *in)
{
	if (in->conn >= 0)
		close(in->conn);
	if (in->fd >= 0)
		close(in->fd);
	in->conn = in->fd = -1;
}

int incoming_open(struct incoming *in, const char *uri, char *err, int err_len)
{
	if (mig_uri_parse(uri, MIG_URI_FILE | MIG_URI_TCP, &in->uri, err, err_len))
		return -1;
	if (in->uri.kind == MIG_URI_TCP) {
		in->fd = mig_listen_tcp(&in->uri, err, err_len);
		return in->fd < 0 ? -1 : 0;
	}
	in->fd = open(in->uri.path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return snprintf(err, err_len, "%s: %s", uri, strerror(errno)), -1;
	return 0;
}

int incoming_start(struct incoming *in, struct vm *vm, int notify_fd)
{
	if (in->uri.kind == MIG_URI_TCP)
		log_info("waiting for the migration on %s", in->uri.text);
	in->vm = vm;
	in->notify_fd = notify_fd;
	in->conn = -1;
	atomic_store(&in->connected, false);
	atomic_store(&in->done, false);
	in->said_active = false;
	if (thread_start(&in->tid, ROLE_INCOMING, 0, incoming_thread, in)) {
		close_fds(in);
		return -1;
	}
	in->running = true;
	return 0;
}

bool incoming_finished(struct incoming *in)
{
	if (!in->running || !atomic_load(&in->done))
		return false;
	pthread_join(in->tid, NULL);
	in->running = false;
	close_fds(in);
	return true;
}

void incoming_abort(struct incoming *in)
{
	if (in->running) {
		shutdown(in->fd, SHUT_RDWR);    /* out of accept() */
		if (in->conn >= 0)
			shutdown(in->conn, SHUT_RDWR);
		pthread_join(in->tid, NULL);
		in->running = false;
	}
	close_fds(in);
}
