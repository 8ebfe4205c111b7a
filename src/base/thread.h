/* Every thread of meridian starts here, under a role that names what it
 * does. The role is the thread's name (/proc/PID/task/TID/comm: "vcpu1",
 * "migration") and is known to the thread itself (thread_role_self), so
 * a per-role sandbox (issue 25: a seccomp filter per role) has one place
 * to go: thread_start's trampoline, before the thread's own code. */
#ifndef MERIDIAN_THREAD_H
#define MERIDIAN_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

enum thread_role {
	ROLE_MAIN,              /* the event loop: API, console, devices' fds, reset */
	ROLE_VCPU,              /* KVM_RUN and the exits it brings (port I/O, MMIO) */
	ROLE_MIGRATION,         /* a live migration's sender (precopy) */
	ROLE_INCOMING,          /* the destination's reader of a stream */
	ROLE_THROTTLE,          /* auto-converge: kicks the vCPUs to sleep */
	ROLE_SLIRP,             /* user-mode networking's stack */
	ROLE_DIRTY_REAPER,      /* empties KVM's dirty rings while pages are tracked */
	ROLE_PC_FAULT,          /* post-copy destination: asks for the pages the guest touches */
	ROLE_PC_PAGES,          /* post-copy: requested pages (destination: placed; source: sent) */
	ROLE_COUNT,
};

/* Starts fn(arg) on a new thread of role (index: which vCPU, else 0).
 * 0 or -errno. */
int thread_start(pthread_t *thread, enum thread_role role, unsigned index,
		 void *(*fn)(void *), void *arg);
/* The calling thread's role: ROLE_MAIN for any thread thread_start did
 * not start. */
enum thread_role thread_role_self(void);
const char *thread_role_name(enum thread_role role);

/* A thread of its own that calls tick(arg) every period_us until stopped
 * (auto-converge's throttle, the dirty-ring reaper). */
struct ticker {
	pthread_t thread;
	bool running;
	_Atomic bool stop;
	void (*tick)(void *arg);
	void *arg;
	unsigned period_us;
};

/* Starts it (nothing when it runs already). 0 or -errno. */
int ticker_start(struct ticker *t, enum thread_role role, unsigned period_us,
		 void (*tick)(void *arg), void *arg);
/* Stops and joins it (nothing when it is not running); the last tick
 * has returned when this does. */
void ticker_stop(struct ticker *t);

#endif
