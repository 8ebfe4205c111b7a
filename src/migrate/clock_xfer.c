#include "migrate/clock_xfer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "kvm/kvm_clock.h"

#define SET_CLOCK_TRIES 4
#define SET_CLOCK_GOOD_NS 50000         /* kvmclock within 50 us of where it should be */

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
	uint64_t error_ns;
	int r;

	if (n > MAX_VCPUS)
		return -E2BIG;
	memset(c, 0, sizeof(*c));
	r = kvm_clock_get_realtime(vm_fd, &d, &error_ns);       /* k0 and r0 */
	if (r)
		return r;
	c->kvmclock_ns = d.clock;
	c->realtime_ns = d.realtime;
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

/* kvmclock now minus where it should be (k0 plus the realtime since r0),
 * in ns */
static int64_t kvmclock_error_ns(const struct clock_state *c, const struct kvm_clock_data *now)
{
	return (int64_t)(now->clock - c->kvmclock_ns) - (int64_t)(now->realtime - c->realtime_ns);
}

/* Step 4: kvmclock set to k0 plus the realtime that passed since r0 (KVM
 * counts it where it can, KVM_CLOCK_REALTIME; else meridian does, and
 * checks the result with a bracketed read: a preemption between reading
 * the realtime and the ioctl would leave the guest's clock behind by it,
 * so it sets again, a few times at most). Step 5: now = t1, k1. */
static int set_kvmclock(int vm_fd, const struct clock_state *c, struct kvm_clock_data *now,
			char *err, int err_len)
{
	uint64_t error_ns;
	int64_t off_ns = 0;
	int r;

	for (int i = 0; i < SET_CLOCK_TRIES; i++) {
		struct kvm_clock_data set = { .clock = c->kvmclock_ns, .realtime = c->realtime_ns,
					      .flags = c->flags & KVM_CLOCK_REALTIME };

		if (!set.flags) {
			uint64_t now_ns = realtime_ns();

			if (now_ns > c->realtime_ns)
				set.clock += now_ns - c->realtime_ns;
		}
		if (ioctl(vm_fd, KVM_SET_CLOCK, &set) < 0) {
			snprintf(err, err_len, "KVM_SET_CLOCK: %s", strerror(errno));
			return -1;
		}
		r = kvm_clock_get_realtime(vm_fd, now, &error_ns);
		if (r) {
			snprintf(err, err_len, "KVM_GET_CLOCK: %s", strerror(-r));
			return -1;
		}
		off_ns = kvmclock_error_ns(c, now);
		if (set.flags || (off_ns < SET_CLOCK_GOOD_NS && off_ns > -SET_CLOCK_GOOD_NS))
			return 0;
	}
	log_info("clock: the guest's kvmclock is %lld us off where it should be after %d tries "
		 "(this host's KVM does not count the time itself)", (long long)(off_ns / 1000),
		 SET_CLOCK_TRIES);
	return 0;
}

int clock_xfer_load(int vm_fd, const int *vcpu_fds, unsigned n, const struct clock_state *c,
		    char *err, int err_len)
{
	struct kvm_clock_data now;
	unsigned by_offset = 0;

	if (n != c->nr_vcpus) {
		snprintf(err, err_len, "clock: %u vCPUs saved, %u here", c->nr_vcpus, n);
		return -1;
	}
	if (set_kvmclock(vm_fd, c, &now, err, err_len))        /* steps 4 and 5 */
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (c->by_offset && (now.flags & KVM_CLOCK_HOST_TSC)) {
			uint64_t off = clock_xfer_new_offset(c->host_tsc, c->offset[i], c->kvmclock_ns,
							     now.clock, c->tsc_khz, now.host_tsc);
			struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
						     .attr = KVM_VCPU_TSC_OFFSET,
						     .addr = (uintptr_t)&off };

			if (ioctl(vcpu_fds[i], KVM_SET_DEVICE_ATTR, &a) == 0) {
				by_offset++;
				continue;
			}
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
	/* said every time: which of the two ways ran is what decides whether
	 * the guest keeps its stable-TSC pvclock (the operator's first question) */
	if (by_offset == n)
		log_info("clock: carried by TSC offsets: kvmclock and every vCPU's TSC go on "
			 "from the source's, %.3f ms of real time later",
			 (double)(int64_t)(now.clock - c->kvmclock_ns) / 1e6);
	return 0;
}
