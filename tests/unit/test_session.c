/* The migration session's status rules (migrate/session.c): QEMU's names,
 * a whole migration on each side, cancel in every state, a destination
 * that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "migrate/session.h"

/* Runs the events from none; the status at the end (-1: one refused). */
static int run(const enum mig_event *ev, unsigned n)
{
	int s = MIG_STATUS_NONE;

	for (unsigned i = 0; i < n && s >= 0; i++)
		s = mig_status_after((enum mig_status)s, ev[i]);
	return s;
}

static void names_are_qemus(void **state)
{
	assert_string_equal(mig_status_name(MIG_STATUS_NONE), "none");
	assert_string_equal(mig_status_name(MIG_STATUS_SETUP), "setup");
	assert_string_equal(mig_status_name(MIG_STATUS_ACTIVE), "active");
	assert_string_equal(mig_status_name(MIG_STATUS_CANCELLING), "cancelling");
	assert_string_equal(mig_status_name(MIG_STATUS_CANCELLED), "cancelled");
	assert_string_equal(mig_status_name(MIG_STATUS_COMPLETED), "completed");
	assert_string_equal(mig_status_name(MIG_STATUS_FAILED), "failed");
}

static void a_migration_runs_to_its_end(void **state)
{
	const enum mig_event ok[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_DONE };
	const enum mig_event again[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_FAIL, MIG_EV_START,
					 MIG_EV_RUNNING, MIG_EV_DONE, MIG_EV_START };

	assert_int_equal(run(ok, 3), MIG_STATUS_COMPLETED);
	/* a new one starts after each end */
	assert_int_equal(run(again, 7), MIG_STATUS_SETUP);
	/* but not while one runs */
	assert_int_equal(mig_status_after(MIG_STATUS_SETUP, MIG_EV_START), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_ACTIVE, MIG_EV_START), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_CANCELLING, MIG_EV_START), -1);
	/* nor ends one that never started */
	assert_int_equal(mig_status_after(MIG_STATUS_NONE, MIG_EV_DONE), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_SETUP, MIG_EV_DONE), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_COMPLETED, MIG_EV_FAIL), -1);
}

static void cancel_in_each_state(void **state)
{
	static const struct { enum mig_status from; int to; } want[] = {
		{ MIG_STATUS_NONE, MIG_STATUS_NONE },                   /* nothing to cancel */
		{ MIG_STATUS_SETUP, MIG_STATUS_CANCELLING },
		{ MIG_STATUS_ACTIVE, MIG_STATUS_CANCELLING },
		{ MIG_STATUS_CANCELLING, MIG_STATUS_CANCELLING },       /* twice is once */
		{ MIG_STATUS_CANCELLED, MIG_STATUS_CANCELLED },
		{ MIG_STATUS_COMPLETED, MIG_STATUS_COMPLETED },         /* too late: it went */
		{ MIG_STATUS_FAILED, MIG_STATUS_FAILED },
		{ MIG_STATUS_POSTCOPY_ACTIVE, MIG_STATUS_POSTCOPY_ACTIVE },     /* the guest went */
	};

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(mig_status_after(want[i].from, MIG_EV_CANCEL), want[i].to);
	/* the sender then stops, fails on the way, or had finished first */
	assert_int_equal(mig_status_after(MIG_STATUS_CANCELLING, MIG_EV_CANCELLED),
			 MIG_STATUS_CANCELLED);
	assert_int_equal(mig_status_after(MIG_STATUS_CANCELLING, MIG_EV_FAIL), MIG_STATUS_CANCELLED);
	assert_int_equal(mig_status_after(MIG_STATUS_CANCELLING, MIG_EV_DONE), MIG_STATUS_COMPLETED);
	assert_true(mig_status_running(MIG_STATUS_CANCELLING));
	assert_false(mig_status_running(MIG_STATUS_CANCELLED));
}

static void a_destination_that_fails(void **state)
{
	/* the stream broke after it began */
	const enum mig_event broken[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_FAIL };
	/* no source ever came (accept failed, or the listening socket shut) */
	const enum mig_event never[] = { MIG_EV_START, MIG_EV_FAIL };

	assert_int_equal(run(broken, 3), MIG_STATUS_FAILED);
	assert_int_equal(run(never, 2), MIG_STATUS_FAILED);
	assert_false(mig_status_running(MIG_STATUS_FAILED));
	/* a failed destination does not go on to complete */
	assert_int_equal(mig_status_after(MIG_STATUS_FAILED, MIG_EV_DONE), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_FAILED, MIG_EV_RUNNING), -1);
}

static void post_copy(void **state)
{
	const enum mig_event ok[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_POSTCOPY, MIG_EV_DONE };
	const enum mig_event lost[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_POSTCOPY, MIG_EV_FAIL };
	const enum mig_event late_cancel[] = { MIG_EV_START, MIG_EV_RUNNING, MIG_EV_CANCEL,
					       MIG_EV_POSTCOPY, MIG_EV_CANCEL, MIG_EV_DONE };

	assert_string_equal(mig_status_name(MIG_STATUS_POSTCOPY_ACTIVE), "postcopy-active");
	assert_int_equal(run(ok, 4), MIG_STATUS_COMPLETED);
	assert_int_equal(run(lost, 4), MIG_STATUS_FAILED);
	assert_int_equal(run(late_cancel, 6), MIG_STATUS_COMPLETED);
	assert_true(mig_status_running(MIG_STATUS_POSTCOPY_ACTIVE));
	/* only from a running pre-copy */
	assert_int_equal(mig_status_after(MIG_STATUS_SETUP, MIG_EV_POSTCOPY), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_COMPLETED, MIG_EV_POSTCOPY), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_POSTCOPY_ACTIVE, MIG_EV_START), -1);
	assert_int_equal(mig_status_after(MIG_STATUS_POSTCOPY_ACTIVE, MIG_EV_CANCELLED), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_qemus),
		cmocka_unit_test(a_migration_runs_to_its_end),
		cmocka_unit_test(cancel_in_each_state),
		cmocka_unit_test(a_destination_that_fails),
		cmocka_unit_test(post_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
