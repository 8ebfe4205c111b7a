/* Auto-converge: when the guest dirties memory faster than the migration
 * sends it, its vCPUs are made to sleep part of every 10 ms (pct of it),
 * so the rest can converge. A thread of its own kicks each vCPU out of
 * KVM_RUN once a period; the vCPU thread sees throttle_due and sleeps. */
#ifndef MERIDIAN_THROTTLE_H
#define MERIDIAN_THROTTLE_H

#include "base/thread.h"

struct vm;

#define THROTTLE_PERIOD_US 10000u

struct throttle {
	struct vm *vm;
	struct ticker ticker;
};

/* Sets the share of each period the vCPUs sleep (0: none), starting the
 * thread on first use. Returns 0 or -errno. */
int throttle_set(struct throttle *t, struct vm *vm, unsigned pct);
/* Stops throttling and the thread. */
void throttle_end(struct throttle *t);

#endif
