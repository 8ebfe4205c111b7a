#include "migrate/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "base/clock_now.h"
#include "base/le_bytes.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "migrate/clock_xfer.h"
#include "migrate/device_sections.h"
#include "migrate/ram_pages.h"
#include "migrate/stream.h"
#include "migrate/vcpu_state.h"

/* --- the configuration the destination must match --- */

/* The machine's: the devices' follow, one section each (device_sections.h). */
struct mig_config {
	uint64_t mem_bytes;
	uint32_t cpus, tsc_khz;
	char cpu_spec[256];
};

#define CONFIG_FIXED_BYTES (8 + 4 * 2 + 4)

static void config_of(const struct vm *vm, struct mig_config *c)
{
	const struct vm_config *cfg = vm->env->cfg;

	memset(c, 0, sizeof(*c));
	c->mem_bytes = cfg->mem_bytes;
	c->cpus = cfg->cpus;
	c->tsc_khz = cfg->cpu.tsc_khz;
	snprintf(c->cpu_spec, sizeof(c->cpu_spec), "%s", cfg->cpu_spec);
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

/* --- clock --- */

static void put_clock(struct mig_stream *w, const struct clock_state *c)
{
	mig_put_section(w, MIG_SEC_CLOCK, 0, 1, 4 * 8 + 4 * 4 + c->nr_vcpus * 16);
	mig_put_u32(w, c->by_offset);
	mig_put_u64(w, c->host_tsc);
	mig_put_u64(w, c->kvmclock_ns);
	mig_put_u64(w, c->realtime_ns);
	mig_put_u32(w, c->flags);
	mig_put_u32(w, c->tsc_khz);
	mig_put_u32(w, c->nr_vcpus);
	mig_put_u64(w, 0);              /* reserved */
	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		mig_put_u64(w, c->offset[i]);
		mig_put_u64(w, c->guest_tsc[i]);
	}
}

static int get_clock(struct mig_stream *r, uint32_t len, struct clock_state *c)
{
	uint32_t by_offset;
	uint64_t reserved;

	memset(c, 0, sizeof(*c));
	if (len < 48 || mig_get_u32(r, &by_offset) || mig_get_u64(r, &c->host_tsc) ||
	    mig_get_u64(r, &c->kvmclock_ns) || mig_get_u64(r, &c->realtime_ns) ||
	    mig_get_u32(r, &c->flags) || mig_get_u32(r, &c->tsc_khz) ||
	    mig_get_u32(r, &c->nr_vcpus) || mig_get_u64(r, &reserved) ||
	    c->nr_vcpus > MAX_VCPUS || len != 48 + c->nr_vcpus * 16)
		return -1;
	c->by_offset = by_offset;
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		if (mig_get_u64(r, &c->offset[i]) || mig_get_u64(r, &c->guest_tsc[i]))
			return -1;
	return 0;
}

/* --- saving --- */

static int save_vcpus(struct mig_stream *w, struct vm *vm, char *err, int err_len)
{
	struct msr_list msrs;
	int r = msr_list_get(vm->env->host->fd, &msrs);

	if (r) {
		snprintf(err, err_len, "KVM_GET_MSR_INDEX_LIST: %s", strerror(-r));
		return -1;
	}
	for (unsigned i = 0; i < vm->nr_vcpus && !r; i++) {
		struct blob b = { 0 };
		const char *what = "";

		r = vcpu_state_save(vm->vcpus[i].fd, vm->env->host->fd, &msrs, &b, &what);
		if (r)
			snprintf(err, err_len, "vCPU %u: %s: %s", i, what, strerror(-r));
		else {
			mig_put_section(w, MIG_SEC_VCPU, i, 1, (uint32_t)b.len);
			mig_put(w, b.data, b.len);
		}
		blob_free(&b);
	}
	msr_list_free(&msrs);
	return r ? -1 : 0;
}

static int save_irqchip(struct mig_stream *w, struct vm *vm, char *err, int err_len)
{
	struct kvm_pit_state2 pit;

	for (uint32_t chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };

		if (ioctl(vm->fd, KVM_GET_IRQCHIP, &c) < 0) {
			snprintf(err, err_len, "KVM_GET_IRQCHIP %u: %s", chip, strerror(errno));
			return -1;
		}
		mig_put_section(w, MIG_SEC_IRQCHIP, chip, 1, sizeof(c));
		mig_put(w, &c, sizeof(c));
	}
	if (ioctl(vm->fd, KVM_GET_PIT2, &pit) < 0) {
		snprintf(err, err_len, "KVM_GET_PIT2: %s", strerror(errno));
		return -1;
	}
	mig_put_section(w, MIG_SEC_PIT, 0, 1, sizeof(pit));
	mig_put(w, &pit, sizeof(pit));
	return 0;
}

static void vcpu_fds(const struct vm *vm, int *fds)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		fds[i] = vm->vcpus[i].fd;
}

void snap_put_begin(struct mig_stream *w, struct vm *vm)
{
	struct mig_config cfg;

	mig_put_header(w);
	config_of(vm, &cfg);
	put_config(w, &cfg);
	devsec_put_configs(w, &vm->devices);
}

int snap_put_final(struct mig_stream *w, struct vm *vm, char *err, int err_len)
{
	struct clock_state *clock = calloc(1, sizeof(*clock));
	int fds[MAX_VCPUS], r;

	if (!clock || vm->nr_vcpus > MAX_VCPUS) {
		snprintf(err, err_len, "out of memory");
		free(clock);
		return -1;
	}
	vcpu_fds(vm, fds);
	/* the clock first: as close to the moment the vCPUs stopped as can be */
	r = clock_xfer_save(vm->fd, fds, vm->nr_vcpus, clock);
	if (r) {
		snprintf(err, err_len, "reading the clock: %s", strerror(-r));
		free(clock);
		return -1;
	}
	put_clock(w, clock);
	free(clock);
	if (save_irqchip(w, vm, err, err_len) || save_vcpus(w, vm, err, err_len))
		return -1;
	devsec_put_states(w, &vm->devices);
	return 0;
}

int snapshot_save(struct vm *vm, int fd, int zstd_level, struct snapshot_stats *st, char *err,
		  int err_len)
{
	static struct mig_stream w;     /* 64 KiB of buffer: not on the stack */
	struct ram_sender ram = { .w = &w, .mem = &vm->mem, .zstd_level = zstd_level };
	int r;

	memset(st, 0, sizeof(*st));
	mig_writer_init(&w, fd);
	snap_put_begin(&w, vm);
	if (snap_put_final(&w, vm, err, err_len))
		return -1;
	ram_put_pages(&ram, NULL, 0, vm->mem.total_bytes / GUEST_PAGE_BYTES);
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
	bool config, devices_checked, clock_seen, pit_seen;
	unsigned chips_seen;
	struct clock_state clock;
	struct kvm_irqchip chip[3];
	struct kvm_pit_state2 pit;
	struct blob vcpu[MAX_VCPUS];
	struct devsec_loaded dev;
};

static void loaded_free(struct loaded *l)
{
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		blob_free(&l->vcpu[i]);
	devsec_loaded_free(&l->dev);
	free(l);
}

static int read_blob(struct mig_stream *r, struct blob *b, uint32_t len)
{
	blob_free(b);
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return -1;
	b->len = b->cap = len;
	return mig_get(r, b->data, len);
}

/* One section into l (RAM straight into guest memory). */
static int read_section(struct mig_stream *r, struct vm *vm, struct loaded *l, uint32_t type,
			uint32_t id, uint32_t len, char *err, int err_len)
{
	struct mig_config saved, here;

	switch (type) {
	case MIG_SEC_CONFIG:
		if (get_config(r, len, &saved))
			return -1;
		config_of(vm, &here);
		l->config = true;
		return compare_config(&saved, &here, err, err_len) ? -2 : 0;
	case MIG_SEC_CLOCK:
		l->clock_seen = true;
		return get_clock(r, len, &l->clock);
	case MIG_SEC_IRQCHIP:
		if (id > 2 || len != sizeof(l->chip[0]))
			return -1;
		l->chips_seen |= 1u << id;
		return mig_get(r, &l->chip[id], len);
	case MIG_SEC_PIT:
		if (len != sizeof(l->pit))
			return -1;
		l->pit_seen = true;
		return mig_get(r, &l->pit, len);
	case MIG_SEC_VCPU:
		if (id >= vm->nr_vcpus)
			return -1;
		return read_blob(r, &l->vcpu[id], len);
	case MIG_SEC_DEVICE_CONFIG:
		return devsec_get_config(r, &vm->devices, len, &l->dev, err, err_len);
	case MIG_SEC_DEVICE:
		return devsec_get_state(r, &vm->devices, len, &l->dev, err, err_len);
	case MIG_SEC_RAM:
	case MIG_SEC_RAM_ZERO:
	case MIG_SEC_RAM_ZSTD:
		return ram_get_section(r, &vm->mem, type, len, err, err_len);
	default:
		snprintf(err, err_len, "unknown section type %u: corrupt stream or a newer meridian", type);
		return -2;
	}
}

/* Everything read and checked: now into KVM and the devices. */
static int apply(struct vm *vm, struct loaded *l, char *err, int err_len)
{
	int fds[MAX_VCPUS];

	if (!l->config || !l->clock_seen || l->chips_seen != 7 || !l->pit_seen) {
		snprintf(err, err_len, "the stream lacks its %s section", !l->config ? "configuration" :
			 !l->clock_seen ? "clock" : !l->pit_seen ? "PIT" : "irqchip");
		return -1;
	}
	for (unsigned i = 0; i < 3; i++)
		if (ioctl(vm->fd, KVM_SET_IRQCHIP, &l->chip[i]) < 0)
			return snprintf(err, err_len, "KVM_SET_IRQCHIP: %s", strerror(errno)), -1;
	if (ioctl(vm->fd, KVM_SET_PIT2, &l->pit) < 0)
		return snprintf(err, err_len, "KVM_SET_PIT2: %s", strerror(errno)), -1;
	vcpu_fds(vm, fds);
	/* the TSC offsets before the vCPUs' MSRs (TSC_DEADLINE counts in guest TSC) */
	if (clock_xfer_load(vm->fd, fds, vm->nr_vcpus, &l->clock, err, err_len))
		return -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		char why[200];

		if (!l->vcpu[i].data)
			return snprintf(err, err_len, "the stream lacks vCPU %u", i), -1;
		if (vcpu_state_load(fds[i], l->vcpu[i].data, l->vcpu[i].len, why, sizeof(why)))
			return snprintf(err, err_len, "vCPU %u: %s", i, why), -1;
	}
	/* the guest was stopped for a while: its watchdogs must not count it */
	vm_tell_guest_paused(vm);
	return devsec_apply(&vm->devices, &l->dev, err, err_len);
}

int snapshot_load(struct vm *vm, int fd, uint64_t *apply_ms, char *err, int err_len)
{
	static struct mig_stream r;
	struct loaded *l = calloc(1, sizeof(*l));
	uint64_t t_apply;
	int res = -1;

	*apply_ms = 0;

	if (!l)
		return snprintf(err, err_len, "out of memory"), -1;
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
			if (devsec_check_configured(&vm->devices, &l->dev, err, err_len))
				goto out;
			l->devices_checked = true;
		}
		s = read_section(&r, vm, l, type, id, len, err, err_len);
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
	t_apply = monotonic_ms();
	res = apply(vm, l, err, err_len);
	*apply_ms = monotonic_ms() - t_apply;
out:
	loaded_free(l);
	return res;
}
