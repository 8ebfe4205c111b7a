/* What a vCPU is doing, for an operator whose guest went quiet: where it
 * runs (RIP, privilege, interrupts on or off), what is pending for it
 * (events, the local APIC's highest IRR and ISR vectors) and its timer.
 * Read with the vCPU out of KVM_RUN; reading changes nothing. */
#ifndef MERIDIAN_VCPU_VIEW_H
#define MERIDIAN_VCPU_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct json_object;

/* x-meridian-query-vcpus' entry for the vCPU behind vcpu_fd. */
struct json_object *vcpu_view_json(int vcpu_fd, unsigned index);
/* local APIC registers (offsets into KVM_GET_LAPIC's page) */
#define APIC_TPR 0x80
#define APIC_PPR 0xa0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_IRR 0x200
#define APIC_LVTT 0x320
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390

/* vector's bit in the 256-bit register at offset (APIC_IRR, APIC_ISR). */
bool vcpu_view_apic_bit(const struct kvm_lapic_state *l, unsigned offset, unsigned vector);
/* Its "lapic" part, from a KVM_GET_LAPIC page and the TSC_DEADLINE MSR
 * (has_deadline false: not read). */
struct json_object *vcpu_view_lapic(const struct kvm_lapic_state *l, bool has_deadline,
				    uint64_t tsc_deadline);

#endif
