/* The migration parameters' rules (migrate/mig_params.c): every bound of
 * every knob, the knobs that cannot change while a migration runs, the
 * dirty-tracking rules, and that an update takes effect whole or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "api/mig_params_json.h"
#include "migrate/mig_params.h"

static char err[256];
static const struct mig_params_context idle = { .vm_dirty = DIRTY_LOG_CLEAR,
						.clear_supported = true };

/* One knob at value v: the rules' answer. */
static int one(const char *knob, long long v)
{
	struct mig_params_update u = { 0 };

	if (!strcmp(knob, "downtime-limit"))
		u.has_downtime_limit = true, u.downtime_limit_ms = v;
	else if (!strcmp(knob, "max-bandwidth"))
		u.has_max_bandwidth = true, u.max_bandwidth = v;
	else if (!strcmp(knob, "compression-level"))
		u.has_compression_level = true, u.compression_level = v;
	else if (!strcmp(knob, "cpu-throttle-initial"))
		u.has_throttle_initial = true, u.throttle_initial_pct = v;
	else if (!strcmp(knob, "max-postcopy-bandwidth"))
		u.has_max_postcopy_bandwidth = true, u.max_postcopy_bandwidth = v;
	else if (!strcmp(knob, "x-postcopy-after-rounds"))
		u.has_postcopy_after_rounds = true, u.postcopy_after_rounds = v;
	else
		u.has_throttle_increment = true, u.throttle_increment_pct = v;
	err[0] = '\0';
	return mig_params_check(&u, &idle, err, sizeof(err));
}

static void every_bound(void **state)
{
	static const struct { const char *knob; long long lo, hi; } k[] = {
		{ "downtime-limit", 0, MIG_MAX_DOWNTIME_MS },
		{ "max-bandwidth", 0, MIG_MAX_BANDWIDTH },
		{ "compression-level", 1, MIG_MAX_COMPRESSION_LEVEL },
		{ "cpu-throttle-initial", 1, MIG_MAX_THROTTLE_PCT },
		{ "cpu-throttle-increment", 1, MIG_MAX_THROTTLE_PCT },
		{ "x-postcopy-after-rounds", 0, MIG_MAX_POSTCOPY_AFTER_ROUNDS },
		{ "max-postcopy-bandwidth", 0, MIG_MAX_BANDWIDTH },
	};

	for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char want[200];

		assert_int_equal(one(k[i].knob, k[i].lo), 0);
		assert_int_equal(one(k[i].knob, k[i].hi), 0);
		assert_int_equal(one(k[i].knob, k[i].lo - 1), -1);
		snprintf(want, sizeof(want), "Parameter '%s' expects a value from %lld to %lld (got %lld)",
			 k[i].knob, k[i].lo, k[i].hi, k[i].lo - 1);
		assert_string_equal(err, want);
		assert_int_equal(one(k[i].knob, k[i].hi + 1), -1);
		assert_non_null(strstr(err, k[i].knob));
	}
	assert_int_equal(MIG_MAX_DOWNTIME_MS, 2000000);
	assert_int_equal(MIG_MAX_THROTTLE_PCT, 99);
}

static void all_or_nothing(void **state)
{
	struct mig_params p;
	struct mig_params_update u = {
		.has_downtime_limit = true, .downtime_limit_ms = 50,
		.has_max_bandwidth = true, .max_bandwidth = 1 << 20,
		.has_compression = true, .compression = MIG_COMPRESS_ZSTD,
		.has_compression_level = true, .compression_level = 20,     /* one bad knob */
	};

	mig_params_init(&p);
	assert_int_equal(mig_params_apply(&p, &u, &idle, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "compression-level"));
	assert_int_equal(atomic_load(&p.downtime_limit_ms), MIG_DEFAULT_DOWNTIME_MS);
	assert_int_equal(atomic_load(&p.max_bandwidth), 0);
	assert_int_equal(p.compression, MIG_COMPRESS_NONE);
	assert_int_equal(p.compression_level, 1);
	/* the same without the bad knob: all of it */
	u.compression_level = 19;
	assert_int_equal(mig_params_apply(&p, &u, &idle, err, sizeof(err)), 0);
	assert_int_equal(atomic_load(&p.downtime_limit_ms), 50);
	assert_int_equal(atomic_load(&p.max_bandwidth), 1 << 20);
	assert_int_equal(p.compression, MIG_COMPRESS_ZSTD);
	assert_int_equal(p.compression_level, 19);
	assert_int_equal(atomic_load(&p.throttle_initial_pct), MIG_DEFAULT_THROTTLE_INITIAL);
}

static void while_running(void **state)
{
	struct mig_params_context running = idle;
	struct mig_params_update bw = { .has_max_bandwidth = true, .max_bandwidth = 1000,
					.has_downtime_limit = true, .downtime_limit_ms = 10 };
	struct mig_params_update level = { .has_compression_level = true, .compression_level = 3 };
	struct mig_params_update dirty = { .has_dirty = true, .dirty = DIRTY_LOG };

	running.migration_running = true;
	assert_int_equal(mig_params_check(&bw, &running, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&level, &running, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot change while a migration runs"));
	assert_int_equal(mig_params_check(&dirty, &running, err, sizeof(err)), -1);
	assert_int_equal(mig_params_check(&dirty, &idle, err, sizeof(err)), 0);
}

static void dirty_tracking_rules(void **state)
{
	struct mig_params_update ring = { .has_dirty = true, .dirty = DIRTY_RING };
	struct mig_params_update clear = { .has_dirty = true, .dirty = DIRTY_LOG_CLEAR };
	struct mig_params_update autom = { .has_dirty = true, .dirty = DIRTY_AUTO };
	struct mig_params_context on_ring = { .vm_dirty = DIRTY_RING, .clear_supported = true };
	struct mig_params_context old_kvm = { .vm_dirty = DIRTY_LOG, .clear_supported = false };

	assert_int_equal(mig_params_check(&ring, &idle, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "when the VM is built"));
	assert_int_equal(mig_params_check(&clear, &on_ring, err, sizeof(err)), -1);
	assert_int_equal(mig_params_check(&ring, &on_ring, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&clear, &old_kvm, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2"));
	assert_int_equal(mig_params_check(&autom, &on_ring, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&autom, &old_kvm, err, sizeof(err)), 0);
}

/* QMP's arguments into an update (api/mig_params_json.c): names, not bounds */
static void json_arguments(void **state)
{
	struct json_object *a = json_tokener_parse(
		"{\"downtime-limit\": -5, \"compression\": \"zstd\", \"dirty-tracking\": \"dirty-log\"}");
	struct json_object *bad = json_tokener_parse("{\"compression\": \"lz4\"}");
	struct json_object *caps = json_tokener_parse(
		"[{\"capability\": \"auto-converge\", \"state\": true}]");
	struct json_object *other = json_tokener_parse("[{\"capability\": \"xbzrle\", \"state\": true}]");
	struct mig_params_update u;

	assert_int_equal(mig_params_update_of(a, &u, err, sizeof(err)), 0);
	assert_true(u.has_downtime_limit && u.downtime_limit_ms == -5);    /* the rules refuse it */
	assert_true(u.has_compression && u.compression == MIG_COMPRESS_ZSTD);
	assert_true(u.has_dirty && u.dirty == DIRTY_LOG);
	assert_false(u.has_max_bandwidth);
	assert_int_equal(mig_params_check(&u, &idle, err, sizeof(err)), -1);
	assert_int_equal(mig_params_update_of(bad, &u, err, sizeof(err)), -1);
	assert_string_equal(err, "Parameter 'compression' expects none or zstd");
	memset(&u, 0, sizeof(u));
	assert_int_equal(mig_capabilities_of(caps, &u, err, sizeof(err)), 0);
	assert_int_equal(u.caps_given, 1u << MIG_CAP_AUTO_CONVERGE);
	assert_int_equal(u.caps_on, 1u << MIG_CAP_AUTO_CONVERGE);
	assert_int_equal(mig_capabilities_of(other, &u, err, sizeof(err)), -1);
	assert_string_equal(err, "capability xbzrle: meridian has auto-converge, postcopy-ram, "
			    "postcopy-blocktime and postcopy-preempt");
	json_object_put(a);
	json_object_put(bad);
	json_object_put(caps);
	json_object_put(other);
}

#define CAP(c) (1u << (c))

/* auto-converge may change while a migration runs, the post-copy ones
 * not; postcopy-preempt is on by default and inert without postcopy-ram */
static void capability_rules(void **state)
{
	struct mig_params_context running = idle, ram_on = idle;
	struct mig_params_update ac = { .caps_given = CAP(MIG_CAP_AUTO_CONVERGE),
					.caps_on = CAP(MIG_CAP_AUTO_CONVERGE) };
	struct mig_params_update pc = { .caps_given = CAP(MIG_CAP_POSTCOPY_RAM),
					.caps_on = CAP(MIG_CAP_POSTCOPY_RAM) };
	struct mig_params_update preempt = { .caps_given = CAP(MIG_CAP_POSTCOPY_PREEMPT),
					     .caps_on = CAP(MIG_CAP_POSTCOPY_PREEMPT) };
	struct mig_params_update both = { .caps_given = CAP(MIG_CAP_POSTCOPY_PREEMPT) |
						      CAP(MIG_CAP_POSTCOPY_RAM),
					  .caps_on = CAP(MIG_CAP_POSTCOPY_PREEMPT) |
						     CAP(MIG_CAP_POSTCOPY_RAM) };
	struct mig_params_update ram_off = { .caps_given = CAP(MIG_CAP_POSTCOPY_RAM) };
	struct mig_params p;

	running.migration_running = true;
	assert_int_equal(mig_params_check(&ac, &running, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&pc, &running, err, sizeof(err)), -1);
	assert_string_equal(err, "capability postcopy-ram cannot change while a migration runs");
	/* set to what it is already: no change, no refusal */
	running.caps_now = CAP(MIG_CAP_POSTCOPY_RAM);
	assert_int_equal(mig_params_check(&pc, &running, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&preempt, &idle, err, sizeof(err)), 0);
	assert_int_equal(mig_params_check(&both, &idle, err, sizeof(err)), 0);
	ram_on.caps_now = CAP(MIG_CAP_POSTCOPY_RAM) | CAP(MIG_CAP_POSTCOPY_PREEMPT);
	assert_int_equal(mig_params_check(&ram_off, &ram_on, err, sizeof(err)), 0);
	/* the defaults: only postcopy-preempt; applied: exactly the capabilities named */
	mig_params_init(&p);
	assert_int_equal(mig_caps_mask(&p), CAP(MIG_CAP_POSTCOPY_PREEMPT));
	assert_int_equal(mig_params_apply(&p, &both, &idle, err, sizeof(err)), 0);
	assert_int_equal(mig_caps_mask(&p), both.caps_on);
	assert_int_equal(mig_params_apply(&p, &ram_off, &idle, err, sizeof(err)), 0);
	assert_int_equal(mig_caps_mask(&p), CAP(MIG_CAP_POSTCOPY_PREEMPT));
	assert_string_equal(mig_cap_name(MIG_CAP_POSTCOPY_BLOCKTIME), "postcopy-blocktime");
	assert_int_equal(mig_cap_parse("postcopy-preempt"), MIG_CAP_POSTCOPY_PREEMPT);
	assert_int_equal(mig_cap_parse("xbzrle"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_bound),
		cmocka_unit_test(all_or_nothing),
		cmocka_unit_test(while_running),
		cmocka_unit_test(dirty_tracking_rules),
		cmocka_unit_test(json_arguments),
		cmocka_unit_test(capability_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
