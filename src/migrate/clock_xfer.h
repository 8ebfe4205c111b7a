/* Moving the guest's time with its state, by offsets (the kernel's
 * "idempotent controls for migrating system counter state", steps 1-7 in
 * ../shared/seeds/tsc-offset-migration-patch-notes.txt), so that the
 * guest's clocks continue exactly and every vCPU keeps the same TSC
 * offset (KVM's master clock and the guest's PVCLOCK_TSC_STABLE_BIT
 * survive). Where the host cannot give its TSC with KVM_GET_CLOCK or the
 * vCPU TSC offset attribute, the guest TSC values are carried instead
 * (MSR_IA32_TSC), and meridian says so. */
#ifndef MERIDIAN_CLOCK_XFER_H
#define MERIDIAN_CLOCK_XFER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/limits.h"

struct clock_state {
	bool by_offset;                 /* false: the MSR_IA32_TSC fallback */
	uint64_t host_tsc;              /* t0 */
	uint64_t kvmclock_ns;           /* k0 */
	uint64_t realtime_ns;           /* r0: KVM's, or meridian's own reading */
	uint32_t flags;                 /* KVM_GET_CLOCK's */
	uint32_t tsc_khz;               /* the guest's TSC frequency */
	unsigned nr_vcpus;
	uint64_t offset[MAX_VCPUS];  /* off_n (by_offset) */
	uint64_t guest_tsc[MAX_VCPUS];       /* for the fallback */
};

/* Step 6: a vCPU's offset on the destination. */
uint64_t clock_xfer_new_offset(uint64_t t0, uint64_t off, uint64_t k0, uint64_t k1,
			       uint32_t tsc_khz, uint64_t t1);

/* Steps 1-3 on the source (vCPUs stopped). Returns 0 or -errno. */
int clock_xfer_save(int vm_fd, const int *vcpu_fds, unsigned n, struct clock_state *c);
/* Steps 4-7 on the destination (vCPUs created, not running). Returns 0,
 * or -1 with err. The guest's clock catches up with the time that passed
 * since the save (KVM_CLOCK_REALTIME). */
int clock_xfer_load(int vm_fd, const int *vcpu_fds, unsigned n, const struct clock_state *c,
		    char *err, int err_len);

#endif
