/* A vCPU's complete KVM state as one blob of tagged parts (regs, sregs,
 * xsave, xcrs, debug registers, LAPIC, pending events, MP state, and every
 * MSR KVM lists that this vCPU has), for snapshots and migration. The
 * vCPU is outside KVM_RUN throughout. MSRs that depend on the guest's TSC
 * (the TSC itself, TSC_DEADLINE) are left to the clock transfer. */
#ifndef MERIDIAN_VCPU_STATE_H
#define MERIDIAN_VCPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct blob {
	uint8_t *data;
	size_t len, cap;
	int error;
};

void blob_free(struct blob *b);

/* The MSRs to carry: KVM_GET_MSR_INDEX_LIST of the host (kvm_fd). */
struct msr_list {
	uint32_t *index;
	unsigned n;
};

int msr_list_get(int kvm_fd, struct msr_list *l);
void msr_list_free(struct msr_list *l);

/* Appends the vCPU's state to b. Returns 0 or -errno (the failing ioctl in what). */
int vcpu_state_save(int vcpu_fd, int kvm_fd, const struct msr_list *msrs, struct blob *b,
		    const char **what);
/* The MSR entries of a saved list (p, len bytes) to write back: those but
 * TSC_DEADLINE, or (deadline_only) only it; never the wall clock MSRs,
 * whose write makes KVM rewrite guest RAM. Into out (room for all);
 * returns how many. */
unsigned vcpu_msrs_to_load(const uint8_t *p, uint32_t len, bool deadline_only,
			   struct kvm_msr_entry *out);
/* Applies a blob made by vcpu_state_save. Returns 0 or -1 with err. */
int vcpu_state_load(int vcpu_fd, const uint8_t *data, size_t len, char *err, int err_len);

#endif
