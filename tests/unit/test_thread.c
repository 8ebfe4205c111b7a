/* Threads start through thread_start (base/thread.c) under a role: the
 * thread knows it, and its name says it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "base/thread.h"

struct seen {
	enum thread_role role;
	char name[16];
};

static void *look(void *arg)
{
	struct seen *s = arg;

	s->role = thread_role_self();
	pthread_getname_np(pthread_self(), s->name, sizeof(s->name));
	return NULL;
}

static void roles_name_threads(void **state)
{
	static const struct { enum thread_role role; unsigned index; const char *name; } want[] = {
		{ ROLE_VCPU, 0, "vcpu0" }, { ROLE_VCPU, 17, "vcpu17" },
		{ ROLE_MIGRATION, 0, "migration" }, { ROLE_INCOMING, 0, "incoming" },
		{ ROLE_THROTTLE, 0, "throttle" }, { ROLE_SLIRP, 0, "slirp" },
		{ ROLE_DIRTY_REAPER, 0, "dirty-reaper" }, { ROLE_PC_FAULT, 0, "pc-fault" },
		{ ROLE_PC_PAGES, 0, "pc-pages" },
	};

	assert_int_equal(thread_role_self(), ROLE_MAIN);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct seen s = { .role = ROLE_COUNT };
		pthread_t t;

		assert_int_equal(thread_start(&t, want[i].role, want[i].index, look, &s), 0);
		pthread_join(t, NULL);
		assert_int_equal(s.role, want[i].role);
		assert_string_equal(s.name, want[i].name);
	}
	assert_int_equal(thread_role_self(), ROLE_MAIN);        /* the caller's stays */
	assert_string_equal(thread_role_name(ROLE_MIGRATION), "migration");
}

struct ticks {
	_Atomic unsigned n;
	enum thread_role role;
};

static void count_tick(void *arg)
{
	struct ticks *k = arg;

	k->role = thread_role_self();
	atomic_fetch_add(&k->n, 1);
}

/* A ticker ticks on its own thread, under its role, until stopped; once
 * ticker_stop returned no tick comes; starting twice is one thread. */
static void a_ticker_ticks_until_stopped(void **state)
{
	struct ticker t = { 0 };
	struct ticks k = { 0 };
	unsigned n;

	ticker_stop(&t);                        /* never started: nothing */
	assert_int_equal(ticker_start(&t, ROLE_THROTTLE, 1000, count_tick, &k), 0);
	assert_int_equal(ticker_start(&t, ROLE_THROTTLE, 1000, count_tick, &k), 0);
	for (int i = 0; i < 2000 && atomic_load(&k.n) < 5; i++)
		usleep(1000);
	ticker_stop(&t);
	n = atomic_load(&k.n);
	assert_true(n >= 5);
	assert_int_equal(k.role, ROLE_THROTTLE);
	usleep(20000);
	assert_int_equal(atomic_load(&k.n), n);
	assert_false(t.running);
	/* and again, after a stop */
	assert_int_equal(ticker_start(&t, ROLE_DIRTY_REAPER, 1000, count_tick, &k), 0);
	for (int i = 0; i < 2000 && atomic_load(&k.n) == n; i++)
		usleep(1000);
	ticker_stop(&t);
	assert_int_equal(k.role, ROLE_DIRTY_REAPER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_name_threads),
		cmocka_unit_test(a_ticker_ticks_until_stopped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
