#include "vm/throttle.h"

#include <errno.h>
#include <unistd.h>

#include "vm/vcpu.h"
#include "vm/vm.h"
#include "base/thread.h"

static void *throttle_thread(void *arg)
{
	struct throttle *t = arg;

	while (!atomic_load(&t->stop)) {
		if (atomic_load(&t->vm->throttle_pct))
			for (unsigned i = 0; i < t->vm->nr_vcpus; i++) {
				/* the flag before the kick: the vCPU clears the kick,
				 * then looks at its flags */
				atomic_store(&t->vm->vcpus[i].throttle_due, true);
				vcpu_kick(&t->vm->vcpus[i]);
			}
		usleep(THROTTLE_PERIOD_US);
	}
	return NULL;
}

int throttle_set(struct throttle *t, struct vm *vm, unsigned pct)
{
	int r;

	atomic_store(&vm->throttle_pct, pct);
	if (t->started || !pct)
		return 0;
	t->vm = vm;
	atomic_store(&t->stop, false);
	r = thread_start(&t->thread, ROLE_THROTTLE, 0, throttle_thread, t);
	if (r)
		return r;
	t->started = true;
	return 0;
}

void throttle_end(struct throttle *t)
{
	if (!t->started)
		return;
	atomic_store(&t->vm->throttle_pct, 0);
	atomic_store(&t->stop, true);
	pthread_join(t->thread, NULL);
	t->started = false;
}
