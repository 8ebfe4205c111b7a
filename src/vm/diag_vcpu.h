/* What a vCPU is doing, for an operator whose guest went quiet
 * (x-meridian-query-vcpus), as plain data: where it runs (RIP, privilege,
 * interrupts on or off), what is pending for it (events, the local
 * APIC's highest IRR and ISR vectors) and its timer. api/diag_json.c
 * makes the reply. Read with the vCPUs out of KVM_RUN; reading changes
 * nothing. */
#ifndef MERIDIAN_DIAG_VCPU_H
#define MERIDIAN_DIAG_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct vm;

/* local APIC registers (offsets into KVM_GET_LAPIC's page) */
#define APIC_TPR 0x80
#define APIC_PPR 0xa0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_IRR 0x200
#define APIC_LVTT 0x320
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390

struct diag_lapic {
	uint32_t tpr, ppr, timer_vector, timer_mode, timer_initial, timer_current;
	bool enabled, timer_masked, has_deadline;
	int irr_highest, isr_highest;   /* -1: none */
	uint64_t tsc_deadline;
};

struct diag_vcpu {
	unsigned index;
	const char *failed;             /* the ioctl that failed (errno in error), or NULL */
	int error;
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer;
	unsigned cpl;
	int mp_state;                   /* KVM_MP_STATE_*, -1 unknown */
	bool has_tsc;
	uint64_t tsc;
	int events_error;               /* errno of KVM_GET_VCPU_EVENTS, 0: read */
	struct kvm_vcpu_events events;
	int lapic_error;                /* errno of KVM_GET_LAPIC, 0: read */
	struct diag_lapic lapic;
};

/* vector's bit in the 256-bit register at offset (APIC_IRR, APIC_ISR). */
bool diag_apic_bit(const struct kvm_lapic_state *l, unsigned offset, unsigned vector);
/* From a KVM_GET_LAPIC page and the TSC_DEADLINE MSR (has_deadline false: not read). */
void diag_lapic_of(const struct kvm_lapic_state *l, bool has_deadline, uint64_t tsc_deadline,
		   struct diag_lapic *out);
/* Every vCPU of vm (an array of vm's nr_vcpus, to free), the vCPUs taken
 * out of KVM_RUN for it unless paused. NULL when out of memory. */
struct diag_vcpu *diag_vcpus_read(struct vm *vm, bool paused);

#endif
