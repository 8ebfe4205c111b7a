/* The processor side of a VM in the stream, through KVM: the clock
 * (clock_xfer), the in-kernel irqchip and PIT, every vCPU. snapshot.c
 * reaches it through struct snap_vm's operations (snap_vm_of). */
#include "migrate/cpu_sections.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "migrate/clock_xfer.h"
#include "migrate/stream.h"
#include "migrate/vcpu_state.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

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

static int put_cpus(void *ctx, struct mig_stream *w, char *err, int err_len)
{
	struct vm *vm = ctx;
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
	return 0;
}

/* --- loading --- */

struct cpu_loaded {
	bool clock_seen, pit_seen;
	unsigned chips_seen;
	struct clock_state clock;
	struct kvm_irqchip chip[3];
	struct kvm_pit_state2 pit;
	struct blob vcpu[MAX_VCPUS];
};

static int read_blob(struct mig_stream *r, struct blob *b, uint32_t len)
{
	blob_free(b);
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return -1;
	b->len = b->cap = len;
	return mig_get(r, b->data, len);
}

static int get_cpu_section(void *ctx, void *loaded, struct mig_stream *r, uint32_t type,
			   uint32_t id, uint32_t len)
{
	struct vm *vm = ctx;
	struct cpu_loaded *l = loaded;

	switch (type) {
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
	default:
		return 1;
	}
}

/* Everything read and checked: now into KVM. */
static int apply_cpus(void *ctx, void *loaded, char *err, int err_len)
{
	struct vm *vm = ctx;
	struct cpu_loaded *l = loaded;
	int fds[MAX_VCPUS];

	if (!l->clock_seen || l->chips_seen != 7 || !l->pit_seen) {
		snprintf(err, err_len, "the stream lacks its %s section",
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
	return 0;
}

static void *load_begin(void *ctx)
{
	return calloc(1, sizeof(struct cpu_loaded));
}

static void load_end(void *ctx, void *loaded)
{
	struct cpu_loaded *l = loaded;

	for (unsigned i = 0; l && i < MAX_VCPUS; i++)
		blob_free(&l->vcpu[i]);
	free(l);
}

static const struct snap_vm_ops kvm_ops = {
	.put_cpus = put_cpus, .load_begin = load_begin, .get_cpu_section = get_cpu_section,
	.apply_cpus = apply_cpus, .load_end = load_end,
};

struct snap_vm snap_vm_of(struct vm *vm)
{
	const struct vm_config *cfg = vm->env->cfg;

	return (struct snap_vm){
		.mem = &vm->mem, .devices = &vm->devices,
		.config = { .mem_bytes = cfg->mem_bytes, .cpus = cfg->cpus, .tsc_khz = cfg->cpu.tsc_khz,
			    .cpu_spec = cfg->cpu_spec },
		.ops = &kvm_ops, .ctx = vm,
	};
}
