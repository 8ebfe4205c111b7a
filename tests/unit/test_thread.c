/* Threads start through thread_start (base/thread.c) under a role: the
 * thread knows it, and its name says it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

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
		{ ROLE_DIRTY_REAPER, 0, "dirty-reaper" },
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_name_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
