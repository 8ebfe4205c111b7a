#include "vm/diag_vcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm_clock.h"
#include "vm/diag.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned offset)
{
	uint32_t v;

	memcpy(&v, l->regs + offset, 4);
	return v;
}

bool diag_apic_bit(const struct kvm_lapic_state *l, unsigned offset, unsigned vector)
{
	return apic_reg(l, offset + vector / 32 * 0x10) >> (vector % 32) & 1;
}

/* The highest vector set in a 256-bit APIC register (IRR, ISR), or -1. */
static int apic_highest(const struct kvm_lapic_state *l, unsigned offset)
{
	for (int word = 7; word >= 0; word--) {
		uint32_t bits = apic_reg(l, offset + (unsigned)word * 0x10);

		if (bits)
			return word * 32 + 31 - __builtin_clz(bits);
	}
	return -1;
}

void diag_lapic_of(const struct kvm_lapic_state *l, bool has_deadline, uint64_t tsc_deadline,
		   struct diag_lapic *a)
{
	uint32_t lvtt = apic_reg(l, APIC_LVTT);

	*a = (struct diag_lapic){
		.tpr = apic_reg(l, APIC_TPR), .ppr = apic_reg(l, APIC_PPR),
		.enabled = apic_reg(l, APIC_SVR) >> 8 & 1,
		.irr_highest = apic_highest(l, APIC_IRR), .isr_highest = apic_highest(l, APIC_ISR),
		.timer_vector = lvtt & 0xff, .timer_masked = lvtt >> 16 & 1, .timer_mode = lvtt >> 17 & 3,
		.timer_initial = apic_reg(l, APIC_TMICT), .timer_current = apic_reg(l, APIC_TMCCT),
		.has_deadline = has_deadline, .tsc_deadline = tsc_deadline,
	};
}

static void read_one(int fd, struct diag_vcpu *v)
{
	struct kvm_mp_state mp;
	struct kvm_lapic_state l;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t deadline = 0;

	v->mp_state = -1;
	if (ioctl(fd, KVM_GET_REGS, &r) < 0)
		v->failed = "KVM_GET_REGS";
	else if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		v->failed = "KVM_GET_SREGS";
	if (v->failed) {
		v->error = errno;
		return;
	}
	v->rip = r.rip;
	v->rsp = r.rsp;
	v->rflags = r.rflags;
	v->cpl = s.cs.selector & 3;
	v->cr0 = s.cr0;
	v->cr3 = s.cr3;
	v->cr4 = s.cr4;
	v->efer = s.efer;
	if (ioctl(fd, KVM_GET_MP_STATE, &mp) == 0)
		v->mp_state = (int)mp.mp_state;
	v->has_tsc = kvm_vcpu_get_msr(fd, MSR_IA32_TSC, &v->tsc) == 0;
	v->events_error = ioctl(fd, KVM_GET_VCPU_EVENTS, &v->events) < 0 ? errno : 0;
	if (ioctl(fd, KVM_GET_LAPIC, &l) < 0) {
		v->lapic_error = errno;
		return;
	}
	diag_lapic_of(&l, kvm_vcpu_get_msr(fd, MSR_IA32_TSC_DEADLINE, &deadline) == 0, deadline,
		      &v->lapic);
}

static void read_all(struct vm *vm, void *ctx)
{
	struct diag_vcpu *v = ctx;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		v[i].index = i;
		read_one(vm->vcpus[i].fd, &v[i]);
	}
}

struct diag_vcpu *diag_vcpus_read(struct vm *vm, bool paused)
{
	struct diag_vcpu *v = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*v));

	if (v)
		diag_with_vcpus_out(vm, paused, read_all, v);
	return v;
}
