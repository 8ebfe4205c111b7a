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
#include "vm/vm.h"
#include "migrate/cpu_sections.h"
#include "migrate/postcopy_wire.h"
#include "migrate/stream.h"
#include "migrate/snapshot.h"
#include "migrate/transport.h"

void incoming_init(struct incoming *in)
{
	memset(in, 0, sizeof(*in));
	in->fd = in->conn = in->notify_fd = -1;
	in->pc.uffd = -1;
	pthread_mutex_init(&in->pc_lock, NULL);
}

static void notify(struct incoming *in)
{
	uint64_t one = 1;

	if (write(in->notify_fd, &one, sizeof(one)) < 0)
		log_error("event loop wake-up: %s", strerror(errno));
}

/* --- post-copy's sections and step (snapshot_load's extension) --- */

static int pc_section(void *ctx, struct mig_stream *r, uint32_t type, uint32_t len, char *err,
		      int err_len)
{
	struct incoming *in = ctx;
	uint32_t flags, zero;

	if (type == MIG_SEC_POSTCOPY_SWITCH)
		return pc_dest_get_switch(&in->pc, r, len, err, err_len);
	if (type != MIG_SEC_POSTCOPY_ADVISE)
		return 1;
	if (len != 8 || mig_get_u32(r, &flags) || mig_get_u32(r, &zero))
		return -1;
	if (!atomic_load(&in->params->caps[MIG_CAP_POSTCOPY_RAM]))
		return snprintf(err, err_len, "the source migrates with postcopy-ram: set that "
				"capability here too (migrate-set-capabilities)"), -2;
	if (in->uri.kind != MIG_URI_TCP)
		return snprintf(err, err_len, "post-copy in a file: corrupt stream"), -2;
	return pc_dest_advise(&in->pc, flags, err, err_len) ? -2 : 0;
}

/* Read and checked; the state goes in next: with a post-copy switch, the
 * owed pages must fault from here on, and be served. */
static int pc_before_apply(void *ctx, const void *rest, uint64_t rest_len, char *err,
			   int err_len)
{
	struct incoming *in = ctx;

	if (!in->pc.need)
		return 0;       /* pre-copy converged: no switch, nothing owed */
	return pc_dest_begin(&in->pc, in->conn, in->fd, rest, rest_len, err, err_len);
}

/* Its figures kept, then everything of it gone. */
static void pc_end(struct incoming *in)
{
	pthread_mutex_lock(&in->pc_lock);
	pc_dest_info(&in->pc, &in->pc_info);
	in->pc_ended = in->pc.need != NULL;     /* (advised, but pre-copy converged: none) */
	pc_dest_end(&in->pc);
	pthread_mutex_unlock(&in->pc_lock);
}

/* After the state went in: tell the source, start the guest (the event
 * loop does), and wait for the rest of its memory. */
static int postcopy_run(struct incoming *in)
{
	uint8_t running[PC_MSG_BYTES];

	pc_msg_encode(&(struct pc_msg){ .type = PC_MSG_RUNNING }, running);
	if (pc_dest_write(&in->pc, running, sizeof(running)))
		return snprintf(in->err, sizeof(in->err), "cannot confirm to the source: %s",
				strerror(errno)), -1;
	atomic_store(&in->postcopy_running, true);
	notify(in);
	if (pc_dest_wait(&in->pc, in->err, sizeof(in->err)))
		return -1;
	log_info("post-copy: every page is in");
	return 0;
}

/* Post-copy without its source: part of the guest's memory is gone with
 * it, so the guest cannot go on. Threads (a vCPU, an I/O worker writing a
 * disk) may be waiting on pages that will never come: the process ends at
 * once, from here, so that none of them goes on with a page it never had
 * (a zero page written to a disk, say). Status 2: the guest cannot
 * continue (README, "Post-copy"). */
static _Noreturn void postcopy_lost(struct incoming *in)
{
	const char *api = in->vm->env->cfg->api_path;

	log_error("post-copy: %s: the guest cannot continue without the source's pages", in->err);
	if (api)
		unlink(api);
	_exit(2);
}

/* The source hears why, if it can (precopy.c shows it). */
static void refuse(int fd, const char *why)
{
	char line[400];
	int n = snprintf(line, sizeof(line), "%s%.300s\n", MIG_FAIL, why);

	if (write(fd, line, (size_t)n) < 0)
		return;         /* it went away: nobody to tell */
}

static void *incoming_thread(void *arg)
{
	struct incoming *in = arg;
	struct snap_load_ext ext = { .section = pc_section, .before_apply = pc_before_apply,
				     .ctx = in };
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

	r = snapshot_load(&vm, fd, in->uri.kind == MIG_URI_TCP ? &ext : NULL, &in->apply_ms,
			  in->err, sizeof(in->err));
	in->t_read_ms = monotonic_ms() - in->apply_ms;
	if (!r && in->pc.need) {
		r = postcopy_run(in);
	} else if (!r && in->uri.kind == MIG_URI_TCP &&
		   write(fd, MIG_ACK, MIG_ACK_BYTES) != MIG_ACK_BYTES) {
		snprintf(in->err, sizeof(in->err), "cannot confirm to the source: %s", strerror(errno));
		r = -1;
	}
	if (r && in->uri.kind == MIG_URI_TCP && !atomic_load(&in->postcopy_running))
		refuse(fd, in->err);
	if (r && atomic_load(&in->postcopy_running))
		postcopy_lost(in);
	if (in->pc.uffd >= 0)
		pc_end(in);
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

int incoming_start(struct incoming *in, struct vm *vm, const struct mig_params *params,
		   int notify_fd)
{
	if (in->uri.kind == MIG_URI_TCP)
		log_info("waiting for the migration on %s", in->uri.text);
	in->vm = vm;
	in->params = params;
	in->notify_fd = notify_fd;
	pc_dest_init(&in->pc, vm, &vm->mem);
	atomic_store(&in->postcopy_running, false);
	in->said_postcopy = in->pc_ended = false;
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

bool incoming_postcopy_info(struct incoming *in, struct postcopy_dest_info *out)
{
	bool have = true;

	pthread_mutex_lock(&in->pc_lock);
	if (in->pc_ended)
		*out = in->pc_info;
	else if (atomic_load(&in->postcopy_running))
		pc_dest_info(&in->pc, out);
	else
		have = false;
	pthread_mutex_unlock(&in->pc_lock);
	return have;
}
