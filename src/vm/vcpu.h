/* A vCPU and its thread: KVM_RUN, exits dispatched to the port I/O bus,
 * kicked out of the guest by a signal when the VM stops. */
#ifndef MERIDIAN_VCPU_H
#define MERIDIAN_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	int stats_fd;                   /* KVM's statistics (query-stats), or -errno */
	struct kvm_run *run;
	size_t run_bytes;
	pthread_t thread;
	_Atomic int tid;                /* the thread's Linux ID (query-cpus-fast) */
	_Atomic bool throttle_due;      /* auto-converge: sleep before running on */
	bool started;
};

/* Creates the vCPU with this index's CPUID. Returns 0 or -errno. */
int vcpu_create(struct vcpu *vcpu, struct vm *vm, unsigned index,
		const struct kvm_cpuid2 *base_cpuid);
int vcpu_start(struct vcpu *vcpu);
/* Makes a running KVM_RUN return (or the next one return at once). */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);
/* One-time process setup: the kick signal handler. */
void vcpu_signals_init(void);

#endif
