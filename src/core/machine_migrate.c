/* The migration commands of the control API: migrate (file: a snapshot
 * taken at once; tcp: a live migration on its own thread, precopy.c),
 * query-migrate, migrate_cancel, the parameters and capabilities, and the
 * destination's side: waiting for the stream (--incoming, migrate-incoming)
 * on a thread while the event loop answers the API. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "api/qmp_json.h"
#include "core/machine_priv.h"
#include "migrate/cpu_sections.h"
#include "migrate/incoming.h"
#include "migrate/snapshot.h"
#include "migrate/transport.h"
#include "base/thread.h"

/* The session's status moves (migrate/session.h); a move is told to the
 * API's clients (MIGRATION), as QEMU does. */
static void migration_step(struct machine *m, enum mig_event ev)
{
	int next = mig_status_after(m->migration_status, ev);
	struct json_object *d;

	if (next < 0) {
		log_error("migration: event %d in status %s (a meridian bug)", (int)ev,
			  mig_status_name(m->migration_status));
		return;
	}
	if ((enum mig_status)next == m->migration_status)
		return;
	m->migration_status = (enum mig_status)next;
	if (!m->api_open)
		return;
	d = json_object_new_object();
	json_object_object_add(d, "status", json_object_new_string(mig_status_name(m->migration_status)));
	qmp_server_event(&m->api, "MIGRATION", d);
}

static int zstd_level(const struct machine *m)
{
	return m->params.compression == MIG_COMPRESS_ZSTD ? m->params.compression_level : 0;
}

static void resume(struct machine *m)
{
	vm_resume(&m->vm);
	m->paused = false;
	if (m->api_open)
		qmp_server_event(&m->api, "RESUME", NULL);
}

/* tcp:HOST:PORT: a live migration on a thread of its own; this returns
 * at once and MIGRATION events tell how it goes. */
static int migrate_live(struct machine *m, const struct mig_uri *u, struct qmp_error *err)
{
	char why[256];
	int fd = mig_connect_tcp(u, why, sizeof(why));

	if (fd < 0) {
		snprintf(err->desc, sizeof(err->desc), "%s", why);
		return -1;
	}
	memset(&m->migration, 0, sizeof(m->migration));
	memset(&m->precopy, 0, sizeof(m->precopy));
	m->precopy.vm = &m->vm;
	m->precopy.fd = fd;
	m->precopy.notify_fd = m->wake_h.fd;
	m->precopy.params = &m->params;
	m->precopy.zstd_level = zstd_level(m);
	m->precopy.guest_was_paused = m->paused;
	atomic_store(&m->precopy.status, PRECOPY_ACTIVE);
	migration_step(m, MIG_EV_START);
	if (thread_start(&m->precopy_tid, ROLE_MIGRATION, 0, precopy_thread, &m->precopy)) {
		close(fd);
		migration_step(m, MIG_EV_FAIL);
		snprintf(err->desc, sizeof(err->desc), "cannot start the migration thread");
		return -1;
	}
	m->precopy_running = true;
	migration_step(m, MIG_EV_RUNNING);
	return 0;
}

/* The guest stops, its whole state goes to the file, and it stays stopped
 * ("postmigrate"): cont runs it on here, quit ends it, and a meridian with
 * --incoming file:PATH continues it. Synchronous: the API waits. */
int machine_migrate(struct machine *m, const char *uri, struct qmp_error *err)
{
	struct snapshot_stats st;
	struct snap_vm snap;
	struct mig_uri u;
	uint64_t t0 = monotonic_ms();
	bool was_running = !m->paused;
	char why[256];
	int fd, r;

	err->cls = QMP_GENERIC_ERROR;
	if (m->precopy_running || m->incoming_waiting) {
		snprintf(err->desc, sizeof(err->desc), m->precopy_running ?
			 "a migration is in progress" : "the guest has not arrived yet (inmigrate)");
		return -1;
	}
	if (mig_uri_parse(uri, MIG_URI_FILE | MIG_URI_TCP, &u, why, sizeof(why))) {
		snprintf(err->desc, sizeof(err->desc), "uri %.200s", why);
		return -1;
	}
	if (u.kind == MIG_URI_TCP)
		return migrate_live(m, &u, err);
	fd = open(u.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err->desc, sizeof(err->desc), "%.150s: %s", u.path, strerror(errno));
		return -1;
	}
	memset(&m->migration, 0, sizeof(m->migration));
	migration_step(m, MIG_EV_START);
	if (was_running) {
		vm_pause(&m->vm, false);
		m->paused = true;
		qmp_server_event(&m->api, "STOP", NULL);
	}
	migration_step(m, MIG_EV_RUNNING);
	/* no device may write guest RAM while it is being saved (and the
	 * disks' requests in flight are finished first) */
	vm_freeze_devices(&m->vm, true);
	for (unsigned i = 0; i < m->nr_disks; i++)
		fdatasync(m->disks[i].fd);      /* the disks as the snapshot knows them */
	snap = snap_vm_of(&m->vm);
	r = snapshot_save(&snap, fd, zstd_level(m), &st, m->migration.error,
			  sizeof(m->migration.error));
	vm_freeze_devices(&m->vm, false);
	if (!r && fsync(fd) < 0) {
		snprintf(m->migration.error, sizeof(m->migration.error), "fsync: %s", strerror(errno));
		r = -1;
	}
	close(fd);
	m->migration.total_ms = monotonic_ms() - t0;
	m->migration.bytes = st.bytes;
	m->migration.ram_pages = st.ram.normal_pages;
	m->migration.zero_pages = st.ram.zero_pages;
	if (r) {
		unlink(u.path);
		migration_step(m, MIG_EV_FAIL);
		if (was_running)
			resume(m);
		snprintf(err->desc, sizeof(err->desc), "%s", m->migration.error);
		return -1;
	}
	m->post_migrate = true;
	migration_step(m, MIG_EV_DONE);
	log_info("guest saved to %s (%llu MiB in %llu ms); it stays stopped", u.path,
		 (unsigned long long)(st.bytes >> 20), (unsigned long long)m->migration.total_ms);
	return 0;
}

struct json_object *machine_query_migrate(struct machine *m)
{
	struct json_object *o = json_object_new_object(), *ram;
	bool live = m->precopy.vm != NULL;
	struct precopy *pc = &m->precopy;

	if (m->migration_status == MIG_STATUS_NONE)
		return o;
	ram = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(mig_status_name(m->migration_status)));
	/* while it runs: the time so far, as QEMU says */
	json_object_object_add(o, "total-time", json_u64(m->precopy_running && pc->start_ms ?
							 monotonic_ms() - pc->start_ms :
							 m->migration.total_ms));
	json_object_object_add(ram, "transferred", json_u64(live ? atomic_load(&pc->bytes) :
						       m->migration.bytes));
	json_object_object_add(ram, "total", json_u64(m->cfg->mem_bytes));
	json_object_object_add(ram, "remaining",
			       json_u64(live ? atomic_load(&pc->remaining_pages) * GUEST_PAGE_BYTES : 0));
	json_object_object_add(ram, "normal", json_u64(live ? atomic_load(&pc->normal_pages) :
						  m->migration.ram_pages));
	json_object_object_add(ram, "duplicate", json_u64(live ? atomic_load(&pc->zero_pages) :
						     m->migration.zero_pages));
	if (live) {
		json_object_object_add(ram, "dirty-pages-rate", json_u64(atomic_load(&pc->dirty_pages_rate)));
		json_object_object_add(ram, "dirty-sync-count", json_u64(atomic_load(&pc->iterations)));
		/* QEMU's mbps: megabits per second, of the last round (before
		 * the first ended: so far) */
		uint64_t bytes_per_ms = atomic_load(&pc->bytes_per_ms), ms;

		if (!bytes_per_ms && pc->start_ms && (ms = monotonic_ms() - pc->start_ms))
			bytes_per_ms = atomic_load(&pc->bytes) / ms;
		json_object_object_add(ram, "mbps", json_object_new_double(
			(double)bytes_per_ms * 8 * 1000 / 1e6));
		json_object_object_add(o, "setup-time", json_u64(pc->setup_ms));
		json_object_object_add(o, "downtime", json_u64(pc->downtime_ms));
		json_object_object_add(o, "cpu-throttle-percentage", json_u64(atomic_load(&pc->throttle_pct)));
		json_object_object_add(o, "dirty-tracking",
				       json_object_new_string(dirty_method_name(m->vm.dirty.method)));
		json_object_object_add(o, "compression", json_object_new_string(
			pc->zstd_level ? "zstd" : "none"));
	}
	json_object_object_add(o, "ram", ram);
	if (m->migration.error[0])
		json_object_object_add(o, "error-desc", json_object_new_string(m->migration.error));
	return o;
}

int machine_migrate_cancel(struct machine *m, struct qmp_error *err)
{
	if (m->precopy_running) {
		atomic_store(&m->precopy.cancel, 1);
		migration_step(m, MIG_EV_CANCEL);
	}
	return 0;
}

/* --- parameters and capabilities (their JSON: api/mig_params_json.c) --- */

/* Everything checked first; then all of it takes effect, or none. */
int machine_migrate_set_parameters(struct machine *m, const struct mig_params_update *u,
				   struct qmp_error *err)
{
	const struct mig_params_context ctx = {
		.migration_running = m->precopy_running, .vm_dirty = m->vm.dirty.method,
		.clear_supported = m->vm.dirty.clear_supported,
	};

	err->cls = QMP_GENERIC_ERROR;
	if (mig_params_apply(&m->params, u, &ctx, err->desc, sizeof(err->desc)))
		return -1;
	if (u->has_dirty && u->dirty != DIRTY_AUTO)
		dirty_log_set_method(&m->vm.dirty, u->dirty);
	return 0;
}

/* --- the destination: the stream arrives on a thread (migrate/incoming.c) --- */

int machine_incoming_open(struct machine *m, const char *uri, char *err, int err_len)
{
	return incoming_open(&m->incoming, uri, err, err_len);
}

static int start_incoming(struct machine *m)
{
	migration_step(m, MIG_EV_START);
	if (incoming_start(&m->incoming, &m->vm, m->wake_h.fd)) {
		migration_step(m, MIG_EV_FAIL);
		return -1;
	}
	return 0;
}

int machine_migrate_incoming(struct machine *m, const char *uri, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	if (!m->incoming_waiting || m->incoming.running || m->incoming.fd >= 0 ||
	    strcmp(m->cfg->incoming_path, "defer")) {
		snprintf(err->desc, sizeof(err->desc), "migrate-incoming needs a meridian started "
			 "with --incoming defer that has not taken a guest yet");
		return -1;
	}
	if (machine_incoming_open(m, uri, err->desc, sizeof(err->desc)))
		return -1;
	return start_incoming(m) ? (snprintf(err->desc, sizeof(err->desc),
					     "cannot start the incoming thread"), -1) : 0;
}

/* From the event loop: the connection came, or the stream ended. */
static void incoming_poll(struct machine *m)
{
	struct incoming *in = &m->incoming;

	if (!in->running)
		return;
	if (atomic_load(&in->connected) && !in->said_active) {
		in->said_active = true;
		migration_step(m, MIG_EV_RUNNING);
	}
	if (!incoming_finished(in))
		return;
	m->incoming_waiting = false;
	if (in->result) {
		log_error("--incoming %s: %s", in->uri.text, in->err);
		snprintf(m->migration.error, sizeof(m->migration.error), "%.250s", in->err);
		migration_step(m, MIG_EV_FAIL);
		vm_request_stop(&m->vm, VM_SETUP_ERROR);
		return;
	}
	migration_step(m, MIG_EV_DONE);
	/* the source lets its taps go once it has our word */
	if (vm_attach_backends(&m->vm, 5000))
		log_error("the guest runs on without that network backend");
	vm_start(&m->vm);
	/* where this side's part of the downtime went: for whoever tunes it */
	log_info("resumed the guest from %s (its state applied in %llu ms; running %llu ms "
		 "after the stream's last byte)", in->uri.text, (unsigned long long)in->apply_ms,
		 (unsigned long long)(monotonic_ms() - in->t_read_ms));
}

/* Before the event loop runs the new VM: nothing to wait for, or the
 * stream's thread started (the vCPUs start when it has read everything). */
int machine_incoming_begin(struct machine *m)
{
	if (!m->incoming_waiting)
		return 0;
	if (m->incoming.fd < 0)
		return 0;       /* --incoming defer: migrate-incoming starts it */
	return start_incoming(m);
}

/* The guest went away while waiting (quit, a signal): out of accept. */
void machine_incoming_abort(struct machine *m)
{
	incoming_abort(&m->incoming);
}

void machine_api_poll(struct machine *m)
{
	int status;

	machine_api_balloon_poll(m);
	incoming_poll(m);
	if (!m->precopy_running)
		return;
	status = atomic_load(&m->precopy.status);
	if (status == PRECOPY_ACTIVE)
		return;
	pthread_join(m->precopy_tid, NULL);
	m->precopy_running = false;
	m->migration.total_ms = m->precopy.total_ms;
	m->migration.bytes = m->precopy.bytes;
	m->migration.ram_pages = m->precopy.normal_pages;
	m->migration.zero_pages = m->precopy.zero_pages;
	snprintf(m->migration.error, sizeof(m->migration.error), "%s", m->precopy.error);
	if (status == PRECOPY_COMPLETED) {
		/* the destination runs the guest now: it stays stopped here */
		if (!m->paused && m->api_open)
			qmp_server_event(&m->api, "STOP", NULL);
		m->paused = true;
		m->post_migrate = true;
		log_info("migrated: %llu MiB in %llu ms, downtime %llu ms (%s)", (unsigned long long)
			 (m->precopy.bytes >> 20), (unsigned long long)m->precopy.total_ms,
			 (unsigned long long)m->precopy.downtime_ms, m->precopy.downtime_parts);
	} else {
		log_error("migration failed: %s (the guest runs on here)", m->precopy.error);
	}
	migration_step(m, status == PRECOPY_COMPLETED ? MIG_EV_DONE :
			  status == PRECOPY_CANCELLED ? MIG_EV_CANCELLED : MIG_EV_FAIL);
}

