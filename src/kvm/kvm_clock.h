/* The clock and TSC state of a VM and its vCPUs, read as KVM keeps it
 * (x-meridian-query-clock now; migration's clock transfer later). Thin
 * wrappers: each returns 0 or -errno. vCPU calls want the vCPU outside
 * KVM_RUN (paused), or they wait until it leaves. */
#ifndef MERIDIAN_KVM_CLOCK_H
#define MERIDIAN_KVM_CLOCK_H

#include <stdint.h>
#include <linux/kvm.h>

#define MSR_IA32_TSC              0x10
#define MSR_IA32_TSC_DEADLINE     0x6e0
#define MSR_KVM_WALL_CLOCK_NEW    0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW   0x4b564d01
#define HV_X64_MSR_REFERENCE_TSC  0x40000021
#define PVCLOCK_TSC_STABLE_BIT    (1u << 0)
#define PVCLOCK_GUEST_STOPPED     (1u << 1)

int kvm_clock_get(int vm_fd, struct kvm_clock_data *clock);
/* KVM_GET_CLOCK with clock->realtime the host's realtime at that reading:
 * KVM's own where it gives it (KVM_CLOCK_REALTIME: a host whose clocksource
 * is the TSC; *error_ns 0); else read by meridian just before and just
 * after the ioctl, the tightest of a few tries, the middle taken, and
 * *error_ns half that bracket (a preemption between the ioctl and one
 * clock_gettime would otherwise count as time the guest's clock lost).
 * clock->flags stay KVM's. */
int kvm_clock_get_realtime(int vm_fd, struct kvm_clock_data *clock, uint64_t *error_ns);
/* The vCPU's TSC offset (KVM_VCPU_TSC_OFFSET); -ENXIO where the host lacks it. */
int kvm_vcpu_tsc_offset(int vcpu_fd, uint64_t *offset);
/* The vCPU's TSC frequency in kHz (KVM_GET_TSC_KHZ). */
int kvm_vcpu_tsc_khz(int vcpu_fd, uint32_t *khz);
int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value);
/* -EINVAL when KVM refuses the value or does not have the MSR. */
int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t value);

#endif
