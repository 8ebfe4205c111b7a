#include "base/thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static _Thread_local enum thread_role my_role = ROLE_MAIN;

static const char *const names[ROLE_COUNT] = {
	[ROLE_MAIN] = "main", [ROLE_VCPU] = "vcpu", [ROLE_MIGRATION] = "migration",
	[ROLE_INCOMING] = "incoming", [ROLE_THROTTLE] = "throttle", [ROLE_SLIRP] = "slirp",
	[ROLE_DIRTY_REAPER] = "dirty-reaper", [ROLE_PC_FAULT] = "pc-fault",
	[ROLE_PC_PAGES] = "pc-pages",
};

struct start {
	enum thread_role role;
	unsigned index;
	void *(*fn)(void *);
	void *arg;
};

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	char name[16];

	free(p);
	my_role = s.role;
	if (s.role == ROLE_VCPU)
		snprintf(name, sizeof(name), "vcpu%u", s.index);
	else
		snprintf(name, sizeof(name), "%s", names[s.role]);
	pthread_setname_np(pthread_self(), name);
	return s.fn(s.arg);
}

int thread_start(pthread_t *thread, enum thread_role role, unsigned index,
		 void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	*s = (struct start){ .role = role, .index = index, .fn = fn, .arg = arg };
	r = pthread_create(thread, NULL, trampoline, s);
	if (r) {
		free(s);
		return -r;
	}
	return 0;
}

enum thread_role thread_role_self(void)
{
	return my_role;
}

const char *thread_role_name(enum thread_role role)
{
	return (unsigned)role < ROLE_COUNT ? names[role] : "?";
}

static void *ticker_thread(void *arg)
{
	struct ticker *t = arg;

	while (!atomic_load(&t->stop)) {
		t->tick(t->arg);
		usleep(t->period_us);
	}
	return NULL;
}

int ticker_start(struct ticker *t, enum thread_role role, unsigned period_us,
		 void (*tick)(void *arg), void *arg)
{
	int r;

	if (t->running)
		return 0;
	t->tick = tick;
	t->arg = arg;
	t->period_us = period_us;
	atomic_store(&t->stop, false);
	r = thread_start(&t->thread, role, 0, ticker_thread, t);
	if (!r)
		t->running = true;
	return r;
}

void ticker_stop(struct ticker *t)
{
	if (!t->running)
		return;
	atomic_store(&t->stop, true);
	pthread_join(t->thread, NULL);
	t->running = false;
}
