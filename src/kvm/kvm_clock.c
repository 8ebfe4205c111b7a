#include "kvm/kvm_clock.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "base/clock_now.h"

#define BRACKET_TRIES 5
#define BRACKET_GOOD_NS 10000   /* tight enough: stop trying */

int kvm_clock_get(int vm_fd, struct kvm_clock_data *clock)
{
	memset(clock, 0, sizeof(*clock));
	return ioctl(vm_fd, KVM_GET_CLOCK, clock) < 0 ? -errno : 0;
}

int kvm_clock_get_realtime(int vm_fd, struct kvm_clock_data *clock, uint64_t *error_ns)
{
	struct kvm_clock_data d;
	uint64_t best = UINT64_MAX;
	int r;

	*error_ns = 0;
	for (int i = 0; i < BRACKET_TRIES && best > BRACKET_GOOD_NS; i++) {
		uint64_t before = realtime_ns(), after;

		r = kvm_clock_get(vm_fd, &d);
		after = realtime_ns();
		if (r)
			return r;
		if (d.flags & KVM_CLOCK_REALTIME) {
			*clock = d;
			return 0;
		}
		if (after - before < best) {
			best = after - before;
			*clock = d;
			clock->realtime = before + best / 2;
			*error_ns = best / 2;
		}
	}
	return 0;
}

int kvm_vcpu_tsc_offset(int vcpu_fd, uint64_t *offset)
{
	struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
					.addr = (uintptr_t)offset };

	return ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, &attr) < 0 ? -errno : 0;
}

int kvm_vcpu_tsc_khz(int vcpu_fd, uint32_t *khz)
{
	int r = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);

	if (r < 0)
		return -errno;
	*khz = (uint32_t)r;
	return 0;
}

/* One MSR for KVM_GET_MSRS / KVM_SET_MSRS. */
struct one_msr {
	struct kvm_msrs head;
	struct kvm_msr_entry entry;
};

int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .head = { .nmsrs = 1 }, .entry = { .index = index } };
	int r = ioctl(vcpu_fd, KVM_GET_MSRS, &m);

	if (r < 0)
		return -errno;
	if (r != 1)
		return -ENOENT;         /* KVM does not have this MSR for this guest */
	*value = m.entry.data;
	return 0;
}

int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t value)
{
	struct one_msr m = { .head = { .nmsrs = 1 }, .entry = { .index = index, .data = value } };

	return ioctl(vcpu_fd, KVM_SET_MSRS, &m) == 1 ? 0 : -EINVAL;
}
