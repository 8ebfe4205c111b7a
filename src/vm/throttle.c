#include "vm/throttle.h"

#include "vm/vcpu.h"
#include "vm/vm.h"
#include "base/thread.h"

/* once a period: the vCPUs out of KVM_RUN, each to sleep its share */
static void throttle_tick(void *arg)
{
	struct throttle *t = arg;

	if (!atomic_load(&t->vm->throttle_pct))
		return;
	for (unsigned i = 0; i < t->vm->nr_vcpus; i++) {
		/* the flag before the kick: the vCPU clears the kick, then
		 * looks at its flags */
		atomic_store(&t->vm->vcpus[i].throttle_due, true);
		vcpu_kick(&t->vm->vcpus[i]);
	}
}

int throttle_set(struct throttle *t, struct vm *vm, unsigned pct)
{
	atomic_store(&vm->throttle_pct, pct);
	if (!pct)
		return 0;
	t->vm = vm;
	return ticker_start(&t->ticker, ROLE_THROTTLE, THROTTLE_PERIOD_US, throttle_tick, t);
}

void throttle_end(struct throttle *t)
{
	if (!t->ticker.running)
		return;
	atomic_store(&t->vm->throttle_pct, 0);
	ticker_stop(&t->ticker);
}
