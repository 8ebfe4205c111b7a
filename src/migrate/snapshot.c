#include "migrate/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock_now.h"
#include "base/le_bytes.h"
#include "migrate/device_sections.h"
#include "migrate/ram_pages.h"
#include "migrate/stream.h"

/* --- the configuration the destination must match --- */

/* The machine's: the devices' follow, one section each (device_sections.h). */
struct mig_config {
	uint64_t mem_bytes;
	uint32_t cpus, tsc_khz;
	char cpu_spec[256];
};

#define CONFIG_FIXED_BYTES (8 + 4 * 2 + 4)

static void config_of(const struct snap_vm *vm, struct mig_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mem_bytes = vm->config.mem_bytes;
	c->cpus = vm->config.cpus;
	c->tsc_khz = vm->config.tsc_khz;
	snprintf(c->cpu_spec, sizeof(c->cpu_spec), "%s", vm->config.cpu_spec);
}

static void put_config(struct mig_stream *w, const struct mig_config *c)
{
	uint32_t spec_len = (uint32_t)strlen(c->cpu_spec);

	mig_put_section(w, MIG_SEC_CONFIG, 0, 1, CONFIG_FIXED_BYTES + spec_len);
	mig_put_u64(w, c->mem_bytes);
	mig_put_u32(w, c->cpus);
	mig_put_u32(w, c->tsc_khz);
	mig_put_u32(w, spec_len);
	mig_put(w, c->cpu_spec, spec_len);
}

/* One line naming the first difference, or 0. */
static int compare_config(const struct mig_config *saved, const struct mig_config *here,
			  char *err, int err_len)
{
	if (saved->mem_bytes != here->mem_bytes)
		return snprintf(err, err_len, "the snapshot is of a guest with %llu MiB of RAM, "
				"this one has %llu MiB (--memory)",
				(unsigned long long)(saved->mem_bytes >> 20),
				(unsigned long long)(here->mem_bytes >> 20)), -1;
	if (saved->cpus != here->cpus)
		return snprintf(err, err_len, "the snapshot has %u vCPUs, this guest %u (--cpus)",
				saved->cpus, here->cpus), -1;
	if (strcmp(saved->cpu_spec, here->cpu_spec) || saved->tsc_khz != here->tsc_khz)
		return snprintf(err, err_len, "the snapshot's CPU model is \"%s\", this one \"%s\" (--cpu)",
				saved->cpu_spec, here->cpu_spec), -1;
	return 0;
}

static int get_config(struct mig_stream *r, uint32_t len, struct mig_config *c)
{
	uint32_t spec_len;

	memset(c, 0, sizeof(*c));
	if (len < CONFIG_FIXED_BYTES || mig_get_u64(r, &c->mem_bytes) ||
	    mig_get_u32(r, &c->cpus) || mig_get_u32(r, &c->tsc_khz))
		return -1;
	if (mig_get_u32(r, &spec_len) || spec_len >= sizeof(c->cpu_spec) ||
	    spec_len != len - CONFIG_FIXED_BYTES || mig_get(r, c->cpu_spec, spec_len))
		return -1;
	return 0;
}

/* --- saving --- */

void snap_put_begin(struct mig_stream *w, const struct snap_vm *vm)
{
	struct mig_config cfg;

	mig_put_header(w);
	config_of(vm, &cfg);
	put_config(w, &cfg);
	devsec_put_configs(w, vm->devices);
}

int snap_put_final(struct mig_stream *w, const struct snap_vm *vm, char *err, int err_len)
{
	if (vm->ops->put_cpus(vm->ctx, w, err, err_len))
		return -1;
	devsec_put_states(w, vm->devices);
	return 0;
}

int snapshot_save(const struct snap_vm *vm, int fd, int zstd_level, struct snapshot_stats *st,
		  char *err, int err_len)
{
	static struct mig_stream w;     /* 64 KiB of buffer: not on the stack */
	struct ram_sender ram = { .w = &w, .mem = vm->mem, .zstd_level = zstd_level };
	int r;

	memset(st, 0, sizeof(*st));
	mig_writer_init(&w, fd);
	snap_put_begin(&w, vm);
	if (snap_put_final(&w, vm, err, err_len))
		return -1;
	ram_put_pages(&ram, NULL, 0, vm->mem->total_bytes / GUEST_PAGE_BYTES);
	ram_sender_free(&ram);
	r = mig_put_end(&w);
	st->bytes = w.bytes;
	st->ram = ram.st;
	if (r) {
		snprintf(err, err_len, "writing: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* --- loading --- */

struct loaded {
	bool config, devices_checked;
	void *cpus;                     /* the processor side's (snap_vm_ops) */
	struct devsec_loaded dev;
};

static void loaded_free(const struct snap_vm *vm, struct loaded *l)
{
	vm->ops->load_end(vm->ctx, l->cpus);
	devsec_loaded_free(&l->dev);
	free(l);
}

/* One section into l (RAM straight into guest memory). */
static int read_section(struct mig_stream *r, const struct snap_vm *vm,
			const struct snap_load_ext *ext, struct loaded *l, uint32_t type, uint32_t id,
			uint32_t len, char *err, int err_len)
{
	struct mig_config saved, here;
	int s;

	switch (type) {
	case MIG_SEC_CONFIG:
		if (get_config(r, len, &saved))
			return -1;
		config_of(vm, &here);
		l->config = true;
		return compare_config(&saved, &here, err, err_len) ? -2 : 0;
	case MIG_SEC_DEVICE_CONFIG:
		return devsec_get_config(r, vm->devices, len, &l->dev, err, err_len);
	case MIG_SEC_DEVICE:
		return devsec_get_state(r, vm->devices, len, &l->dev, err, err_len);
	case MIG_SEC_RAM:
	case MIG_SEC_RAM_ZERO:
	case MIG_SEC_RAM_ZSTD:
		return ram_get_section(r, vm->mem, type, len, err, err_len);
	default:
		if (ext && (s = ext->section(ext->ctx, r, type, len, err, err_len)) <= 0)
			return s;
		if ((s = vm->ops->get_cpu_section(vm->ctx, l->cpus, r, type, id, len)) <= 0)
			return s;
		snprintf(err, err_len, "unknown section type %u: corrupt stream or a newer meridian", type);
		return -2;
	}
}

/* Everything read and checked: now into the VM and the devices. */
static int apply(const struct snap_vm *vm, struct loaded *l, char *err, int err_len)
{
	if (!l->config) {
		snprintf(err, err_len, "the stream lacks its configuration section");
		return -1;
	}
	if (vm->ops->apply_cpus(vm->ctx, l->cpus, err, err_len))
		return -1;
	return devsec_apply(vm->devices, &l->dev, err, err_len);
}

int snapshot_load(const struct snap_vm *vm, int fd, const struct snap_load_ext *ext,
		  uint64_t *apply_ms, char *err, int err_len)
{
	static struct mig_stream r;
	struct loaded *l = calloc(1, sizeof(*l));
	uint64_t t_apply;
	int res = -1;

	*apply_ms = 0;
	if (l)
		l->cpus = vm->ops->load_begin(vm->ctx);
	if (!l || !l->cpus) {
		free(l);
		return snprintf(err, err_len, "out of memory"), -1;
	}
	mig_reader_init(&r, fd);
	if (mig_get_header(&r, err, err_len))
		goto out;
	for (;;) {
		uint32_t type, id, version, len;
		int s = mig_get_section(&r, &type, &id, &version, &len, err, err_len);

		if (s < 0)
			goto out;
		if (s == 1)
			break;
		if (version != 1) {
			snprintf(err, err_len, "section type %u has version %u; this meridian reads 1",
				 type, version);
			goto out;
		}
		if (type != MIG_SEC_CONFIG && !l->config) {
			snprintf(err, err_len, "the stream does not start with its configuration");
			goto out;
		}
		/* the devices' configurations follow the machine's: all of them
		 * named before anything else arrives */
		if (type != MIG_SEC_CONFIG && type != MIG_SEC_DEVICE_CONFIG && !l->devices_checked) {
			if (devsec_check_configured(vm->devices, &l->dev, err, err_len))
				goto out;
			l->devices_checked = true;
		}
		s = read_section(&r, vm, ext, l, type, id, len, err, err_len);
		if (s == -1 && r.error) {
			snprintf(err, err_len, "the stream ends early (after %llu bytes, in a section "
				 "of type %u)", (unsigned long long)r.bytes, type);
			goto out;
		}
		if (s == -1) {
			snprintf(err, err_len, "section type %u (id %u) is malformed: corrupt stream",
				 type, id);
			goto out;
		}
		if (s < 0)
			goto out;
	}
	if (ext && ext->before_apply(ext->ctx, r.buf + r.pos, r.len - r.pos, err, err_len))
		goto out;
	t_apply = monotonic_ms();
	res = apply(vm, l, err, err_len);
	*apply_ms = monotonic_ms() - t_apply;
out:
	loaded_free(vm, l);
	return res;
}
