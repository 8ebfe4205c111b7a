/* What the control API (QMP, api/) does to the machine: the qmp_target
 * operations and the events the machine sends. All on the event loop's
 * thread, between rounds of the loop, while a VM instance exists. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "api/diag_json.h"
#include "api/qmp_json.h"
#include "core/machine_priv.h"
#include "dev/virtio_balloon.h"
#include "vm/vcpu.h"
#include "kvm/kvm_clock.h"
#include "kvm/kvm_stats.h"
#include "kvm/ram_digest.h"

static struct machine *machine_of(struct qmp_target *t)
{
	return t->ctx;
}

static const char *api_status(struct qmp_target *t, bool *running)
{
	struct machine *m = machine_of(t);

	*running = !m->paused && !m->mig.waiting;
	return m->mig.waiting ? "inmigrate" : m->post_migrate ? "postmigrate" :
	       m->paused ? "paused" : "running";
}

/* stop/cont would fight the migration thread over the vCPUs */
static int busy(struct machine *m, struct qmp_error *err)
{
	const char *why = migration_busy(&m->mig);

	if (!why)
		return 0;
	err->cls = QMP_GENERIC_ERROR;
	snprintf(err->desc, sizeof(err->desc), "%s%s", why,
		 m->mig.sending ? " (migrate_cancel first)" : "");
	return -1;
}

static int api_stop(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);

	if (busy(m, err))
		return -1;
	if (m->paused)
		return 0;
	vm_pause(&m->vm, true);
	m->paused = true;
	qmp_server_event(&m->api, "STOP", NULL);
	return 0;
}

static int api_cont(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);

	if (busy(m, err))
		return -1;
	if (!m->paused)
		return 0;
	vm_resume(&m->vm);
	m->paused = false;
	m->post_migrate = false;
	qmp_server_event(&m->api, "RESUME", NULL);
	return 0;
}

static int api_reset(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);

	if (m->mig.waiting)
		return busy(m, err);
	m->stop_cause = "host-qmp-system-reset";
	vm_request_stop(&m->vm, VM_RESET);
	return 0;
}

static int api_powerdown(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);

	acpi_pm_power_button(&m->vm.pm);
	qmp_server_event(&m->api, "POWERDOWN", NULL);
	return 0;
}

static int api_quit(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);

	m->stop_cause = "host-qmp-quit";
	vm_request_stop(&m->vm, VM_QUIT);
	return 0;
}

/* QEMU's name for vCPU i, which clients match query-stats against */
static void qom_path(char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "/machine/unattached/device[%u]", i);
}

static struct json_object *api_cpus(struct qmp_target *t)
{
	struct machine *m = machine_of(t);
	struct json_object *list = json_object_new_array();
	char qom[64];

	for (unsigned i = 0; i < m->vm.nr_vcpus; i++) {
		struct json_object *c = json_object_new_object(), *props = json_object_new_object();

		qom_path(qom, sizeof(qom), i);
		json_object_object_add(props, "core-id", json_object_new_int((int)i));
		json_object_object_add(props, "thread-id", json_object_new_int(0));
		json_object_object_add(props, "socket-id", json_object_new_int(0));
		json_object_object_add(c, "cpu-index", json_object_new_int((int)i));
		json_object_object_add(c, "qom-path", json_object_new_string(qom));
		json_object_object_add(c, "thread-id",
				       json_object_new_int(atomic_load(&m->vm.vcpus[i].tid)));
		json_object_object_add(c, "props", props);
		json_object_object_add(c, "target", json_object_new_string("x86_64"));
		json_object_array_add(list, c);
	}
	return list;
}

/* --- query-stats --- */

static void add_stat(void *ctx, const char *name, const uint64_t *values, unsigned n)
{
	struct json_object *stats = ctx, *s = json_object_new_object(), *v;

	if (n == 1) {
		v = json_object_new_uint64(values[0]);
	} else {
		v = json_object_new_array();
		for (unsigned i = 0; i < n; i++)
			json_object_array_add(v, json_object_new_uint64(values[i]));
	}
	json_object_object_add(s, "name", json_object_new_string(name));
	json_object_object_add(s, "value", v);
	json_object_array_add(stats, s);
}

/* {"provider": "kvm", ["qom-path": ...,] "stats": [...]} from one
 * statistics fd (or -errno: it could not be opened) */
static struct json_object *stats_of(int stats_fd, const char *qom, struct qmp_error *err)
{
	struct json_object *o = json_object_new_object(), *stats = json_object_new_array();
	int r = stats_fd < 0 ? stats_fd : kvm_stats_foreach(stats_fd, add_stat, stats);

	if (r) {
		json_object_put(o);
		json_object_put(stats);
		err->cls = QMP_GENERIC_ERROR;
		snprintf(err->desc, sizeof(err->desc), "KVM_GET_STATS_FD: %s", strerror(-r));
		return NULL;
	}
	json_object_object_add(o, "provider", json_object_new_string("kvm"));
	if (qom)
		json_object_object_add(o, "qom-path", json_object_new_string(qom));
	json_object_object_add(o, "stats", stats);
	return o;
}

static struct json_object *api_stats(struct qmp_target *t, const char *target,
				     struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	struct json_object *list = json_object_new_array(), *one;
	char qom[64];

	if (!strcmp(target, "vm")) {
		int fd = kvm_stats_open(m->vm.fd);

		one = stats_of(fd, NULL, err);
		if (fd >= 0)
			close(fd);
		if (!one)
			goto fail;
		json_object_array_add(list, one);
		return list;
	}
	for (unsigned i = 0; i < m->vm.nr_vcpus; i++) {
		qom_path(qom, sizeof(qom), i);
		one = stats_of(m->vm.vcpus[i].stats_fd, qom, err);
		if (!one)
			goto fail;
		json_object_array_add(list, one);
	}
	return list;
fail:
	json_object_put(list);
	return NULL;
}

/* --- diagnostics (vm/diag.h; their JSON: api/diag_json.c) --- */

static struct json_object *api_clock(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	struct json_object *o;
	struct diag_clock c;
	int r = diag_clock_read(&m->vm, m->paused, m->cfg->cpu.hv.features != 0, &c);

	if (r) {
		diag_clock_free(&c);
		err->cls = QMP_GENERIC_ERROR;
		snprintf(err->desc, sizeof(err->desc), "KVM_GET_CLOCK: %s", strerror(-r));
		return NULL;
	}
	o = diag_clock_json(&c);
	diag_clock_free(&c);
	return o;
}

static struct json_object *api_serial(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	struct json_object *o;
	struct diag_serial s;

	if (diag_serial_read(&m->vm, m->paused, &s)) {
		diag_serial_free(&s);
		err->cls = QMP_GENERIC_ERROR;
		snprintf(err->desc, sizeof(err->desc), "out of memory");
		return NULL;
	}
	o = diag_serial_json(&s);
	diag_serial_free(&s);
	return o;
}

static struct json_object *api_vcpus(struct qmp_target *t, struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	struct diag_vcpu *v = diag_vcpus_read(&m->vm, m->paused);
	struct json_object *vcpus;

	if (!v) {
		err->cls = QMP_GENERIC_ERROR;
		snprintf(err->desc, sizeof(err->desc), "out of memory");
		return NULL;
	}
	vcpus = json_object_new_array();
	for (unsigned i = 0; i < m->vm.nr_vcpus; i++)
		json_object_array_add(vcpus, diag_vcpu_json(&v[i]));
	free(v);
	return vcpus;
}

/* --- the balloon --- */

/* The VM's balloon, or NULL (no --balloon). */
static struct virtio_balloon *balloon_of(struct machine *m)
{
	return device_table_get(&m->vm.devices, "virtio-balloon.0");
}

static uint64_t balloon_actual_bytes(struct machine *m)
{
	uint64_t out = (uint64_t)balloon_of(m)->actual_pages * GUEST_PAGE_BYTES;

	return m->cfg->mem_bytes > out ? m->cfg->mem_bytes - out : 0;
}

/* QEMU's reply ({"actual": the guest's RAM minus the balloon}) and what
 * meridian adds: the target, free page reporting, the guest's last
 * statistics (asked for afresh by each query: the next one shows them). */
static struct json_object *balloon_info(struct machine *m)
{
	struct virtio_balloon *b = balloon_of(m);
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();

	pthread_mutex_lock(&b->vp.lock);
	json_object_object_add(o, "actual", json_u64(balloon_actual_bytes(m)));
	json_object_object_add(o, "target", json_u64(m->cfg->mem_bytes -
						(uint64_t)b->target_pages * GUEST_PAGE_BYTES));
	json_object_object_add(o, "free-page-reporting", json_object_new_boolean(
		m->cfg->balloon_reporting));
	json_object_object_add(o, "reported-bytes", json_u64(b->reported_bytes));
	json_object_object_add(o, "stats-updates", json_u64(b->stats_updates));
	for (unsigned tag = 0; tag < BALLOON_NR_STATS; tag++)
		if (b->stats_seen >> tag & 1)
			json_object_object_add(st, virtio_balloon_stat_name(tag), json_u64(b->stats[tag]));
	pthread_mutex_unlock(&b->vp.lock);
	json_object_object_add(o, "stats", st);
	virtio_balloon_request_stats(b);
	return o;
}

static struct json_object *api_balloon(struct qmp_target *t, long long *target_bytes,
				       struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	uint64_t want;

	if (!balloon_of(m)) {
		err->cls = QMP_DEVICE_NOT_ACTIVE;
		snprintf(err->desc, sizeof(err->desc), "No balloon device has been activated");
		return NULL;
	}
	if (!target_bytes)
		return balloon_info(m);
	/* as QEMU: a target above the guest's RAM means no balloon */
	want = (uint64_t)*target_bytes < m->cfg->mem_bytes ? (uint64_t)*target_bytes :
							     m->cfg->mem_bytes;
	virtio_balloon_set_target(balloon_of(m),
				  (uint32_t)((m->cfg->mem_bytes - want) / GUEST_PAGE_BYTES));
	return json_object_new_object();
}

void machine_api_balloon_poll(struct machine *m)
{
	struct virtio_balloon *b = balloon_of(m);
	struct json_object *d;

	if (!b || !atomic_exchange(&b->actual_changed, false) || !m->api_open)
		return;
	d = json_object_new_object();
	json_object_object_add(d, "actual", json_u64(balloon_actual_bytes(m)));
	qmp_server_event(&m->api, "BALLOON_CHANGE", d);
}

static int api_migrate(struct qmp_target *t, const char *uri, struct qmp_error *err)
{
	return machine_migrate(machine_of(t), uri, err);
}

static struct json_object *api_query_migrate(struct qmp_target *t)
{
	return machine_query_migrate(machine_of(t));
}

static int api_migrate_cancel(struct qmp_target *t, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	return migration_cancel(&machine_of(t)->mig, err->desc, sizeof(err->desc));
}

static int api_migrate_start_postcopy(struct qmp_target *t, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	return migration_start_postcopy(&machine_of(t)->mig, err->desc, sizeof(err->desc));
}

static int api_migrate_set_parameters(struct qmp_target *t, const struct mig_params_update *u,
				      struct qmp_error *err)
{
	return machine_migrate_set_parameters(machine_of(t), u, err);
}

static const struct mig_params *api_migrate_parameters(struct qmp_target *t,
						       enum dirty_method *dirty)
{
	struct machine *m = machine_of(t);

	*dirty = m->vm.dirty.method;
	return &m->mig.params;
}

static int api_migrate_incoming(struct qmp_target *t, const char *uri, struct qmp_error *err)
{
	return machine_migrate_incoming(machine_of(t), uri, err);
}

/* Guest RAM is not the guest's until the incoming stream is all in.
 * Also sets err's class for what follows. */
static int not_arrived(struct machine *m, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	if (!m->mig.waiting)
		return 0;
	snprintf(err->desc, sizeof(err->desc), "the guest has not arrived yet (inmigrate)");
	return -1;
}

/* A reply stays well inside the API's 1 MiB of queued output per client
 * (19 bytes a digest). */
#define RAM_DIGEST_MAX_RANGES 32768u

static int api_ram_digest(struct qmp_target *t, struct qmp_ram_digest *d, struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	const struct guest_mem *mem = &m->vm.mem;

	if (not_arrived(m, err))
		return -1;
	if (d->offset_bytes >= mem->total_bytes ||
	    d->length_bytes > mem->total_bytes - d->offset_bytes)
		return snprintf(err->desc, sizeof(err->desc), "offset %llu, length %llu: outside the "
				"guest's %llu bytes of RAM", (unsigned long long)d->offset_bytes,
				(unsigned long long)d->length_bytes,
				(unsigned long long)mem->total_bytes), -1;
	if (!d->length_bytes)
		d->length_bytes = mem->total_bytes - d->offset_bytes;
	d->count = (d->length_bytes + d->range_bytes - 1) / d->range_bytes;
	if (d->count > RAM_DIGEST_MAX_RANGES)
		return snprintf(err->desc, sizeof(err->desc), "%llu ranges: at most %u in one answer "
				"(a larger range-bytes, or a window with offset and length)",
				(unsigned long long)d->count, RAM_DIGEST_MAX_RANGES), -1;
	d->ram_bytes = mem->total_bytes;
	d->running = !m->paused;
	d->digests = calloc(d->count, sizeof(*d->digests));
	if (!d->digests)
		return snprintf(err->desc, sizeof(err->desc), "out of memory"), -1;
	ram_digest(mem, d->range_bytes, d->offset_bytes / d->range_bytes, d->digests, d->count);
	return 0;
}

static int api_pmemsave(struct qmp_target *t, uint64_t gpa, uint64_t size, const char *path,
			struct qmp_error *err)
{
	struct machine *m = machine_of(t);
	const uint8_t *p = guest_mem_ptr(&m->vm.mem, gpa, size);
	int fd;

	if (not_arrived(m, err))
		return -1;
	if (!p)
		return snprintf(err->desc, sizeof(err->desc), "0x%llx+%llu: not all guest RAM",
				(unsigned long long)gpa, (unsigned long long)size), -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return snprintf(err->desc, sizeof(err->desc), "%.200s: %s", path, strerror(errno)), -1;
	while (size) {
		ssize_t n = write(fd, p, size);

		if (n <= 0) {
			snprintf(err->desc, sizeof(err->desc), "%.200s: %s", path,
				 n < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		p += n;
		size -= (uint64_t)n;
	}
	close(fd);
	return 0;
}

static const struct qmp_target_ops api_ops = {
	.status = api_status, .stop = api_stop, .cont = api_cont, .system_reset = api_reset,
	.system_powerdown = api_powerdown, .quit = api_quit, .cpus = api_cpus,
	.stats = api_stats, .clock = api_clock, .serial = api_serial, .vcpus = api_vcpus,
	.balloon = api_balloon,
	.migrate = api_migrate,
	.query_migrate = api_query_migrate, .migrate_cancel = api_migrate_cancel,
	.migrate_start_postcopy = api_migrate_start_postcopy,
	.migrate_set_parameters = api_migrate_set_parameters,
	.migrate_parameters = api_migrate_parameters,
	.migrate_incoming = api_migrate_incoming,
	.ram_digest = api_ram_digest,
	.pmemsave = api_pmemsave,
};

int machine_api_open(struct machine *m)
{
	char err[300];

	if (!m->cfg->api_path)
		return 0;
	m->api_target = (struct qmp_target){ .ops = &api_ops, .ctx = m };
	if (qmp_server_open(&m->api, m->cfg->api_path, &m->loop, &m->api_target, err,
			    sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	m->api_open = true;
	return 0;
}

void machine_api_close(struct machine *m)
{
	migration_stop(&m->mig);
	if (m->api_open)
		qmp_server_close(&m->api);
	m->api_open = false;
}

/* {"guest": bool, "reason": "..."} */
static struct json_object *cause(bool guest, const char *reason)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "guest", json_object_new_boolean(guest));
	json_object_object_add(d, "reason", json_object_new_string(reason));
	return d;
}

void machine_api_instance_ended(struct machine *m, enum vm_stop_reason reason, bool restarting)
{
	const char *host = m->stop_cause;

	m->stop_cause = NULL;
	if (!m->api_open)
		return;
	switch (reason) {
	case VM_RESET:
		qmp_server_event(&m->api, restarting ? "RESET" : "SHUTDOWN",
				 cause(!host, host ? host : "guest-reset"));
		break;
	case VM_QUIT:
		qmp_server_event(&m->api, "SHUTDOWN", cause(false, host ? host : "host-signal"));
		break;
	case VM_FATAL:
		qmp_server_event(&m->api, "SHUTDOWN", cause(true, "guest-panic"));
		break;
	default:
		qmp_server_event(&m->api, "SHUTDOWN", cause(true, "guest-shutdown"));
		break;
	}
}
