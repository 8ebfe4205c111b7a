/* Diagnostics of a VM instance, as plain data: what an operator asks when
 * a guest's clock or console went strange (x-meridian-query-clock,
 * -serial, -vcpus). The readers fill structs; api/diag_json.c turns them
 * into QMP replies. Reading changes nothing the guest can see. */
#ifndef MERIDIAN_DIAG_H
#define MERIDIAN_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "dev/uart.h"

struct vm;

/* Runs read(vm, ctx) with every vCPU out of KVM_RUN (KVM_GET_* on a vCPU
 * fd waits for its KVM_RUN otherwise), unless they are paused already;
 * they go back in after. */
void diag_with_vcpus_out(struct vm *vm, bool paused, void (*read)(struct vm *vm, void *ctx),
			 void *ctx);

/* --- the clock --- */

/* The guest's kvmclock page (MSR_KVM_SYSTEM_TIME_NEW's address): its
 * flags say whether the guest may trust the TSC across vCPUs. */
struct diag_pvclock {
	bool enabled, mapped;   /* mapped: the address is in guest RAM */
	uint64_t gpa;
	uint32_t version;
	uint8_t flags;          /* PVCLOCK_TSC_STABLE_BIT, PVCLOCK_GUEST_STOPPED */
};

/* The Hyper-V reference TSC page: valid while its sequence is not 0. */
struct diag_hv_tsc_page {
	bool enabled, mapped;
	uint64_t gpa;
	uint32_t sequence;
	uint64_t scale;
	int64_t offset;
};

struct diag_vcpu_clock {
	bool has_tsc_khz, has_tsc_offset, has_tsc, has_system_time, has_hv_tsc;
	uint32_t tsc_khz;
	int64_t tsc_offset;     /* two's complement: a guest TSC behind the host's is negative */
	uint64_t tsc, system_time_msr, hv_tsc_msr;
	struct diag_pvclock pvclock;
	struct diag_hv_tsc_page hv_tsc;
};

struct diag_clock {
	struct kvm_clock_data kvm;      /* KVM_GET_CLOCK, realtime beside it */
	uint64_t realtime_error_ns;
	unsigned nr_vcpus;
	struct diag_vcpu_clock *vcpu;   /* nr_vcpus of them; diag_clock_free */
};

/* 0, or -errno (KVM_GET_CLOCK). with_hv: read the Hyper-V TSC page MSR too. */
int diag_clock_read(struct vm *vm, bool paused, bool with_hv, struct diag_clock *c);
void diag_clock_free(struct diag_clock *c);

/* --- the serial console's interrupt path --- */

struct diag_ioapic_pin {
	int error;              /* errno of KVM_GET_IRQCHIP, 0: read */
	unsigned pin, vector, dest;
	bool masked, level_triggered, remote_irr, delivery_pending, irr;
};

struct diag_serial {
	struct uart_view uart;
	struct diag_ioapic_pin pin;
	unsigned nr_vcpus;      /* 0 when the pin has no vector: nothing to look for */
	struct diag_lapic_bits {
		bool read, irr, isr;
	} *lapic;               /* the pin's vector in each vCPU's local APIC; diag_serial_free */
};

/* Whether a console that went quiet waits for an interrupt meridian never
 * raised, or for one raised but not taken. 0 or -ENOMEM. */
int diag_serial_read(struct vm *vm, bool paused, struct diag_serial *s);
void diag_serial_free(struct diag_serial *s);

#endif
