#include "migrate/clock_xfer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "core/clock_now.h"
#include "core/log.h"
#include "kvm/kvm_clock.h"

uint64_t clock_xfer_new_offset(uint64_t t0, uint64_t off, uint64_t k0, uint64_t k1,
			       uint32_t tsc_khz, uint64_t t1)
{
	/* (k1 - k0) ns at tsc_khz: cycles = ns * kHz / 10^6, in 128 bits */
	uint64_t elapsed = (uint64_t)((unsigned __int128)(k1 - k0) * tsc_khz / 1000000u);

	return t0 + off + elapsed - t1;         /* modulo 2^64, as KVM's offsets */
}

int clock_xfer_save(int vm_fd, const int *vcpu_fds, unsigned n, struct clock_state *c)
{
	struct kvm_clock_data d;
	int r;

	if (n > CLOCK_XFER_MAX_VCPUS)
		return -E2BIG;
	memset(c, 0, sizeof(*c));
	r = kvm_clock_get(vm_fd, &d);
	if (r)
		return r;
	c->kvmclock_ns = d.clock;
	c->realtime_ns = d.realtime;
	if (!(d.flags & KVM_CLOCK_REALTIME))
		c->realtime_ns = realtime_ns();         /* as close to k0 as we can */
	c->host_tsc = d.host_tsc;
	c->flags = d.flags;
	c->nr_vcpus = n;
	r = kvm_vcpu_tsc_khz(vcpu_fds[0], &c->tsc_khz);
	if (r)
		return r;
	c->by_offset = d.flags & KVM_CLOCK_HOST_TSC;
	for (unsigned i = 0; i < n; i++) {
		if (c->by_offset && kvm_vcpu_tsc_offset(vcpu_fds[i], &c->offset[i]))
			c->by_offset = false;
		r = kvm_vcpu_get_msr(vcpu_fds[i], MSR_IA32_TSC, &c->guest_tsc[i]);
		if (r)
			return r;
	}
	if (!c->by_offset)
		log_once("clock: this host gives no TSC with KVM_GET_CLOCK (its clocksource is "
			 "not the TSC) or no vCPU TSC offset attribute: the guest TSC values are "
			 "carried (MSR_IA32_TSC) instead of offsets");
	return 0;
}

int clock_xfer_load(int vm_fd, const int *vcpu_fds, unsigned n, const struct clock_state *c,
		    char *err, int err_len)
{
	struct kvm_clock_data set = { .clock = c->kvmclock_ns, .realtime = c->realtime_ns,
				      .flags = c->flags & KVM_CLOCK_REALTIME };
	struct kvm_clock_data now;
	int r;

	if (!(c->flags & KVM_CLOCK_REALTIME)) {
		/* KVM cannot count the time since the save: meridian adds it */
		uint64_t now_ns = realtime_ns();

		if (now_ns > c->realtime_ns)
			set.clock += now_ns - c->realtime_ns;
	}

	if (n != c->nr_vcpus) {
		snprintf(err, err_len, "clock: %u vCPUs saved, %u here", c->nr_vcpus, n);
		return -1;
	}
	/* Step 4: KVM moves kvmclock on by the realtime that passed since r0 */
	if (ioctl(vm_fd, KVM_SET_CLOCK, &set) < 0) {
		snprintf(err, err_len, "KVM_SET_CLOCK: %s", strerror(errno));
		return -1;
	}
	r = kvm_clock_get(vm_fd, &now);         /* step 5: t1, k1 */
	if (r) {
		snprintf(err, err_len, "KVM_GET_CLOCK: %s", strerror(-r));
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (c->by_offset && (now.flags & KVM_CLOCK_HOST_TSC)) {
			uint64_t off = clock_xfer_new_offset(c->host_tsc, c->offset[i], c->kvmclock_ns,
							     now.clock, c->tsc_khz, now.host_tsc);
			struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
						     .attr = KVM_VCPU_TSC_OFFSET,
						     .addr = (uintptr_t)&off };

			if (ioctl(vcpu_fds[i], KVM_SET_DEVICE_ATTR, &a) == 0)
				continue;
		}
		/* the fallback: the saved TSC moved on by the kvmclock time that passed,
		 * every vCPU within one second (KVM then keeps them matched) */
		uint64_t tsc = c->guest_tsc[i] +
			       (uint64_t)((unsigned __int128)(now.clock - c->kvmclock_ns) *
					  c->tsc_khz / 1000000u);

		if (c->by_offset)
			log_once("clock: the vCPU TSC offset attribute is missing here: the guest "
				 "TSC values are set instead (MSR_IA32_TSC)");
		if (kvm_vcpu_set_msr(vcpu_fds[i], MSR_IA32_TSC, tsc)) {
			snprintf(err, err_len, "vCPU %u: cannot set its TSC", i);
			return -1;
		}
	}
	return 0;
}
