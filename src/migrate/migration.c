#include "migrate/migration.h"

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
#include "vm/vm.h"

void migration_init(struct migration *mig, struct vm *vm, const struct mig_owner *owner)
{
	memset(mig, 0, sizeof(*mig));
	mig->vm = vm;
	mig->owner = *owner;
	mig_params_init(&mig->params);
	incoming_init(&mig->incoming);
}

/* The status moves (session.h); the owner hears of each move. */
static void step(struct migration *mig, enum mig_event ev)
{
	int next = mig_status_after(mig->status, ev);

	if (next < 0) {
		log_error("migration: event %d in status %s (a meridian bug)", (int)ev,
			  mig_status_name(mig->status));
		return;
	}
	if ((enum mig_status)next == mig->status)
		return;
	mig->status = (enum mig_status)next;
	mig->owner.status_changed(mig->owner.ctx, mig->status);
}

static int zstd_level(const struct migration *mig)
{
	return mig->params.compression == MIG_COMPRESS_ZSTD ? mig->params.compression_level : 0;
}

static void forget_last(struct migration *mig)
{
	mig->total_ms = mig->bytes = mig->normal_pages = mig->zero_pages = 0;
	mig->error[0] = '\0';
}

/* postcopy-preempt: requested pages go on a second connection, made now
 * (the destination takes it at the switch). 0, or -1 with err. */
static int open_fast(struct precopy *pc, const struct mig_uri *u, char *err, size_t err_len)
{
	pc->fast_fd = mig_connect_tcp(u, err, (int)err_len);
	if (pc->fast_fd < 0)
		return -1;
	if (write(pc->fast_fd, MIG_FAST_HELLO, 8) != 8) {
		snprintf(err, err_len, "post-copy's page connection: %s", strerror(errno));
		close(pc->fast_fd);
		pc->fast_fd = -1;
		return -1;
	}
	return 0;
}

/* tcp:HOST:PORT: pre-copy on a thread of its own; this returns at once. */
static int start_live(struct migration *mig, const struct mig_uri *u, bool guest_running,
		      char *err, size_t err_len)
{
	struct precopy *pc = &mig->precopy;
	int fd = mig_connect_tcp(u, err, err_len);

	if (fd < 0)
		return -1;
	forget_last(mig);
	memset(pc, 0, sizeof(*pc));
	pc->vm = mig->vm;
	pc->fd = fd;
	pc->notify_fd = mig->vm->env->wake_fd;
	pc->params = &mig->params;
	pc->zstd_level = zstd_level(mig);
	pc->guest_was_paused = !guest_running;
	pc->postcopy = atomic_load(&mig->params.caps[MIG_CAP_POSTCOPY_RAM]);
	pc->fast_fd = -1;
	if (pc->postcopy && atomic_load(&mig->params.caps[MIG_CAP_POSTCOPY_PREEMPT]) &&
	    open_fast(pc, u, err, err_len)) {
		close(fd);
		return -1;
	}
	atomic_store(&pc->status, PRECOPY_ACTIVE);
	step(mig, MIG_EV_START);
	if (thread_start(&mig->precopy_tid, ROLE_MIGRATION, 0, precopy_thread, pc)) {
		close(fd);
		if (pc->fast_fd >= 0)
			close(pc->fast_fd);
		step(mig, MIG_EV_FAIL);
		snprintf(err, err_len, "cannot start the migration thread");
		return -1;
	}
	mig->sending = true;
	mig->said_postcopy = false;
	step(mig, MIG_EV_RUNNING);
	return 0;
}

/* The guest's whole state into fd, with nothing moving: no device may
 * write guest RAM while it is saved, and the disks' requests in flight
 * finish (and reach the disk, as the snapshot knows it) first. */
static int save_stopped(struct migration *mig, int fd)
{
	struct snapshot_stats st;
	struct snap_vm snap = snap_vm_of(mig->vm);
	int r;

	vm_freeze_devices(mig->vm, true);
	vm_sync_disks(mig->vm);
	r = snapshot_save(&snap, fd, zstd_level(mig), &st, mig->error, sizeof(mig->error));
	vm_freeze_devices(mig->vm, false);
	if (!r && fsync(fd) < 0) {
		snprintf(mig->error, sizeof(mig->error), "fsync: %s", strerror(errno));
		r = -1;
	}
	mig->bytes = st.bytes;
	mig->normal_pages = st.ram.normal_pages;
	mig->zero_pages = st.ram.zero_pages;
	return r;
}

/* file:PATH: the guest stops, its state goes to the file, and it stays
 * stopped ("postmigrate"): cont runs it on here, quit ends it, and a
 * meridian with --incoming file:PATH continues it. Synchronous. */
static int save_file(struct migration *mig, const struct mig_uri *u, bool guest_running,
		     char *err, size_t err_len)
{
	uint64_t t0 = monotonic_ms();
	int fd = open(u->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return snprintf(err, err_len, "%.150s: %s", u->path, strerror(errno)), -1;
	forget_last(mig);
	mig->precopy.vm = NULL;         /* query-migrate shows this one's figures */
	step(mig, MIG_EV_START);
	if (guest_running) {
		vm_pause(mig->vm, false);
		mig->owner.guest_stopped(mig->owner.ctx);
	}
	step(mig, MIG_EV_RUNNING);
	r = save_stopped(mig, fd);
	close(fd);
	mig->total_ms = monotonic_ms() - t0;
	if (r) {
		unlink(u->path);
		step(mig, MIG_EV_FAIL);
		if (guest_running) {
			vm_resume(mig->vm);
			mig->owner.guest_resumed(mig->owner.ctx);
		}
		snprintf(err, err_len, "%s", mig->error);
		return -1;
	}
	mig->owner.guest_left(mig->owner.ctx);
	step(mig, MIG_EV_DONE);
	log_info("guest saved to %s (%llu MiB in %llu ms); it stays stopped", u->path,
		 (unsigned long long)(mig->bytes >> 20), (unsigned long long)mig->total_ms);
	return 0;
}

const char *migration_busy(const struct migration *mig)
{
	if (mig->sending)
		return "a migration is in progress";
	if (mig->waiting)
		return "the guest has not arrived yet (inmigrate)";
	return NULL;
}

int migration_start(struct migration *mig, const char *uri, bool guest_running, char *err,
		    size_t err_len)
{
	const char *busy = migration_busy(mig);
	struct mig_uri u;
	char why[256];

	if (busy)
		return snprintf(err, err_len, "%s", busy), -1;
	if (mig_uri_parse(uri, MIG_URI_FILE | MIG_URI_TCP, &u, why, sizeof(why)))
		return snprintf(err, err_len, "uri %.200s", why), -1;
	if (u.kind == MIG_URI_TCP)
		return start_live(mig, &u, guest_running, err, err_len);
	return save_file(mig, &u, guest_running, err, err_len);
}

int migration_cancel(struct migration *mig, char *err, size_t err_len)
{
	if (!mig->sending)
		return 0;
	if (mig->status == MIG_STATUS_POSTCOPY_ACTIVE)
		return snprintf(err, err_len, "post-copy cannot be cancelled: the guest runs on the "
				"destination, which still needs pages from here"), -1;
	atomic_store(&mig->precopy.cancel, 1);
	step(mig, MIG_EV_CANCEL);
	return 0;
}

int migration_start_postcopy(struct migration *mig, char *err, size_t err_len)
{
	if (!mig->sending)
		return snprintf(err, err_len, "Postcopy must be started after migration has been "
				"started"), -1;
	if (!mig->precopy.postcopy)
		return snprintf(err, err_len, "Enable postcopy with migrate_set_capability before "
				"the start of migration"), -1;
	atomic_store(&mig->precopy.start_postcopy, true);
	return 0;
}

int migration_set_params(struct migration *mig, const struct mig_params_update *u, char *err,
			 size_t err_len)
{
	struct dirty_log *dirty = &mig->vm->dirty;
	const struct mig_params_context ctx = {
		.migration_running = mig->sending, .vm_dirty = dirty->method,
		.clear_supported = dirty->clear_supported, .caps_now = mig_caps_mask(&mig->params),
	};

	if (mig_params_apply(&mig->params, u, &ctx, err, (int)err_len))
		return -1;
	if (u->has_dirty && u->dirty != DIRTY_AUTO)
		dirty_log_set_method(dirty, u->dirty);
	return 0;
}

/* QEMU's mbps: megabits per second, of the last round (before the first
 * ended: so far). */
static double live_mbps(struct precopy *pc)
{
	uint64_t bytes_per_ms = atomic_load(&pc->bytes_per_ms), ms;

	if (!bytes_per_ms && pc->start_ms && (ms = monotonic_ms() - pc->start_ms))
		bytes_per_ms = atomic_load(&pc->bytes) / ms;
	return (double)bytes_per_ms * 8 * 1000 / 1e6;
}

static void live_info(struct migration *mig, struct mig_info *out)
{
	struct precopy *pc = &mig->precopy;     /* its figures: the thread's atomics */

	out->live = true;
	/* while it runs: the time so far, as QEMU says */
	out->total_ms = mig->sending && pc->start_ms ? monotonic_ms() - pc->start_ms :
			mig->total_ms;
	out->transferred_bytes = atomic_load(&pc->bytes);
	out->remaining_bytes = atomic_load(&pc->remaining_pages) * GUEST_PAGE_BYTES;
	out->normal_pages = atomic_load(&pc->normal_pages);
	out->zero_pages = atomic_load(&pc->zero_pages);
	out->dirty_pages_rate = atomic_load(&pc->dirty_pages_rate);
	out->dirty_sync_count = atomic_load(&pc->iterations);
	out->mbps = live_mbps(pc);
	out->setup_ms = pc->setup_ms;
	out->downtime_ms = pc->downtime_ms;
	out->throttle_pct = atomic_load(&pc->throttle_pct);
	out->dirty_tracking = dirty_method_name(mig->vm->dirty.method);
	out->compression = pc->zstd_level ? "zstd" : "none";
	out->postcopy_requests = atomic_load(&pc->ps.requests);
	if (mig->said_postcopy && mig->sending)
		out->remaining_bytes = (pc->ps.nr_need - atomic_load(&pc->ps.pages_sent)) *
				       GUEST_PAGE_BYTES;
}

void migration_info(struct migration *mig, struct mig_info *out)
{
	memset(out, 0, sizeof(*out));
	out->status = mig->status;
	out->error = mig->error;
	if (mig->status == MIG_STATUS_NONE)
		return;
	out->ram_bytes = mig->vm->env->cfg->mem_bytes;
	out->postcopy_dest = incoming_postcopy_info(&mig->incoming, &out->pc);
	out->blocktime = atomic_load(&mig->params.caps[MIG_CAP_POSTCOPY_BLOCKTIME]);
	if (mig->precopy.vm) {
		live_info(mig, out);
		return;
	}
	out->total_ms = mig->total_ms;
	out->transferred_bytes = mig->bytes;
	out->normal_pages = mig->normal_pages;
	out->zero_pages = mig->zero_pages;
}

/* --- the destination --- */

int migration_incoming_open(struct migration *mig, const char *uri, char *err, size_t err_len)
{
	mig->waiting = true;
	if (!strcmp(uri, "defer")) {
		mig->deferred = true;
		return 0;
	}
	return incoming_open(&mig->incoming, uri, err, (int)err_len);
}

static int start_incoming(struct migration *mig)
{
	step(mig, MIG_EV_START);
	if (incoming_start(&mig->incoming, mig->vm, &mig->params, mig->vm->env->wake_fd)) {
		step(mig, MIG_EV_FAIL);
		return -1;
	}
	return 0;
}

int migration_incoming_defer(struct migration *mig, const char *uri, char *err, size_t err_len)
{
	if (!mig->waiting || !mig->deferred || mig->incoming.running || mig->incoming.fd >= 0) {
		snprintf(err, err_len, "migrate-incoming needs a meridian started with --incoming "
			 "defer that has not taken a guest yet");
		return -1;
	}
	if (incoming_open(&mig->incoming, uri, err, (int)err_len))
		return -1;
	if (start_incoming(mig))
		return snprintf(err, err_len, "cannot start the incoming thread"), -1;
	return 0;
}

int migration_incoming_begin(struct migration *mig)
{
	if (!mig->waiting || mig->incoming.fd < 0)
		return 0;       /* nothing to wait for, or defer: migrate-incoming starts it */
	return start_incoming(mig);
}

void migration_incoming_abort(struct migration *mig)
{
	incoming_abort(&mig->incoming);
}

/* The guest's state is in: it runs here from now on. */
static void start_guest(struct migration *mig)
{
	struct incoming *in = &mig->incoming;

	mig->waiting = false;
	/* the source lets its taps go once it has our word */
	if (vm_attach_backends(mig->vm, 5000))
		log_error("the guest runs on without that network backend");
	vm_start(mig->vm);
	/* where this side's part of the downtime went: for whoever tunes it */
	log_info("resumed the guest from %s (its state applied in %llu ms; running %llu ms "
		 "after the stream's last byte)", in->uri.text, (unsigned long long)in->apply_ms,
		 (unsigned long long)(monotonic_ms() - in->t_read_ms));
}

/* The connection came, the post-copy switch happened, or the stream ended. */
static void incoming_poll(struct migration *mig)
{
	struct incoming *in = &mig->incoming;

	if (!in->running)
		return;
	if (atomic_load(&in->connected) && !in->said_active) {
		in->said_active = true;
		step(mig, MIG_EV_RUNNING);
	}
	if (atomic_load(&in->postcopy_running) && !in->said_postcopy) {
		in->said_postcopy = true;
		step(mig, MIG_EV_POSTCOPY);
		vm_devices_own_paths(mig->vm, true);    /* vhost waits for the last page */
		start_guest(mig);
	}
	if (!incoming_finished(in))
		return;
	if (in->result && in->said_postcopy) {
		/* its memory is half here, half with a source that is gone */
		log_error("post-copy: %s: the guest cannot continue without the source's pages",
			  in->err);
		snprintf(mig->error, sizeof(mig->error), "%.250s", in->err);
		step(mig, MIG_EV_FAIL);
		vm_request_stop(mig->vm, VM_FATAL);
		return;
	}
	if (in->result) {
		mig->waiting = false;
		log_error("--incoming %s: %s", in->uri.text, in->err);
		snprintf(mig->error, sizeof(mig->error), "%.250s", in->err);
		step(mig, MIG_EV_FAIL);
		vm_request_stop(mig->vm, VM_SETUP_ERROR);
		return;
	}
	step(mig, MIG_EV_DONE);
	if (in->said_postcopy)
		vm_devices_own_paths(mig->vm, false);
	else
		start_guest(mig);
}

/* The pre-copy thread ended: join it, keep its figures, move the guest. */
static void sender_poll(struct migration *mig)
{
	struct precopy *pc = &mig->precopy;
	int status;

	if (!mig->sending)
		return;
	if (atomic_load(&pc->postcopy_running) && !mig->said_postcopy) {
		mig->said_postcopy = true;
		/* the guest runs on the destination now; its pages follow */
		mig->owner.guest_stopped(mig->owner.ctx);
		mig->owner.guest_left(mig->owner.ctx);
		step(mig, MIG_EV_POSTCOPY);
	}
	status = atomic_load(&pc->status);
	if (status == PRECOPY_ACTIVE)
		return;
	pthread_join(mig->precopy_tid, NULL);
	mig->sending = false;
	mig->total_ms = pc->total_ms;
	mig->bytes = pc->bytes;
	mig->normal_pages = pc->normal_pages;
	mig->zero_pages = pc->zero_pages;
	snprintf(mig->error, sizeof(mig->error), "%s", pc->error);
	if (status == PRECOPY_COMPLETED) {
		/* the destination runs the guest now: it stays stopped here */
		mig->owner.guest_stopped(mig->owner.ctx);
		mig->owner.guest_left(mig->owner.ctx);
		log_info("migrated: %llu MiB in %llu ms, downtime %llu ms (%s)", (unsigned long long)
			 (pc->bytes >> 20), (unsigned long long)pc->total_ms,
			 (unsigned long long)pc->downtime_ms, pc->downtime_parts);
	} else {
		log_error("migration failed: %s (the guest runs on here)", pc->error);
	}
	step(mig, status == PRECOPY_COMPLETED ? MIG_EV_DONE :
		  status == PRECOPY_CANCELLED ? MIG_EV_CANCELLED : MIG_EV_FAIL);
}

void migration_poll(struct migration *mig)
{
	incoming_poll(mig);
	sender_poll(mig);
}

void migration_stop(struct migration *mig)
{
	if (!mig->sending)
		return;
	atomic_store(&mig->precopy.cancel, 1);
	shutdown(mig->precopy.fd, SHUT_RDWR);   /* out of any wait */
	pthread_join(mig->precopy_tid, NULL);
	mig->sending = false;
}
