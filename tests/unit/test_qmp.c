#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/qmp_commands.h"
#include "api/qmp_session.h"

/* A QMP session against a fake machine: what a client sends, what comes
 * back, line by line. */
static char out[1 << 20];
static size_t out_len;
static int stops, conts, resets;
static bool paused;

static void capture(void *ctx, const char *line, size_t len)
{
	assert_true(out_len + len < sizeof(out));
	memcpy(out + out_len, line, len);
	out_len += len;
	out[out_len] = '\0';
}

static const char *fake_status(struct qmp_target *t, bool *running)
{
	*running = !paused;
	return paused ? "paused" : "running";
}

static int fake_stop(struct qmp_target *t, struct qmp_error *e) { stops++; paused = true; return 0; }
static int fake_cont(struct qmp_target *t, struct qmp_error *e) { conts++; paused = false; return 0; }
static int fake_reset(struct qmp_target *t, struct qmp_error *e) { resets++; return 0; }
static int fake_fail(struct qmp_target *t, struct qmp_error *e)
{
	e->cls = QMP_GENERIC_ERROR;
	strcpy(e->desc, "the fake says no");
	return -1;
}

static struct json_object *fake_stats(struct qmp_target *t, const char *target, struct qmp_error *e)
{
	return json_object_new_string(target);
}

/* two ranges of fake RAM whose digests are their numbers */
static int fake_digest(struct qmp_target *t, struct qmp_ram_digest *d, struct qmp_error *e)
{
	d->count = 2;
	d->ram_bytes = 2 * d->range_bytes + d->offset_bytes;
	d->digests = calloc(2, sizeof(*d->digests));
	d->digests[0] = d->offset_bytes / d->range_bytes;
	d->digests[1] = 0xfedcba9876543210ull;
	return 0;
}

/* the migration parameters, as a machine keeps them */
static struct mig_params params;
static int params_updates;

static const struct mig_params *fake_params(struct qmp_target *t, enum dirty_method *dirty)
{
	*dirty = DIRTY_LOG_CLEAR;
	return &params;
}

static int fake_set_params(struct qmp_target *t, const struct mig_params_update *u,
			   struct qmp_error *e)
{
	const struct mig_params_context ctx = { .vm_dirty = DIRTY_LOG_CLEAR, .clear_supported = true };

	params_updates++;
	e->cls = QMP_GENERIC_ERROR;
	return mig_params_apply(&params, u, &ctx, e->desc, sizeof(e->desc));
}

static const struct qmp_target_ops ops = {
	.status = fake_status, .stop = fake_stop, .cont = fake_cont, .system_reset = fake_reset,
	.system_powerdown = fake_fail, .quit = fake_reset, .stats = fake_stats,
	.ram_digest = fake_digest, .migrate_parameters = fake_params,
	.migrate_set_parameters = fake_set_params,
};
static struct qmp_target target = { .ops = &ops };
static struct qmp_session s;

/* Sends text; returns everything the session answered (and forgets it). */
static const char *say(const char *text)
{
	static char reply[1 << 20];

	out_len = 0;
	out[0] = '\0';
	qmp_session_input(&s, text, strlen(text));
	strcpy(reply, out);
	return reply;
}

static int setup(void **state)
{
	out_len = 0;
	stops = conts = resets = 0;
	paused = false;
	return qmp_session_init(&s, &target, capture, NULL);
}

static int setup_negotiated(void **state)
{
	setup(state);
	say("{\"execute\": \"qmp_capabilities\"}\n");
	return s.negotiated ? 0 : -1;
}

static int teardown(void **state)
{
	qmp_session_destroy(&s);
	return 0;
}

static void greeting_then_negotiation(void **state)
{
	assert_non_null(strstr(out, "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":0,\"minor\":1,\"major\":0}"));
	assert_non_null(strstr(out, "\"capabilities\":[]}}\r\n"));
	assert_string_equal(say("{\"execute\":\"query-status\"}\n"),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"qmp_capabilities\",\"id\":7}\n"),
			    "{\"return\":{},\"id\":7}\r\n");
	assert_string_equal(say("{\"execute\":\"qmp_capabilities\"}\n"),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Capabilities negotiation is already complete, command ignored\"}}\r\n");
}

static void commands_with_ids(void **state)
{
	assert_string_equal(say("{\"execute\":\"query-status\",\"id\":\"a\"}"),
		"{\"return\":{\"running\":true,\"singlestep\":false,\"status\":\"running\"},\"id\":\"a\"}\r\n");
	assert_string_equal(say("{\"execute\":\"stop\",\"id\":{\"n\":[1,2]}}"),
			    "{\"return\":{},\"id\":{\"n\":[1,2]}}\r\n");
	assert_int_equal(stops, 1);
	assert_non_null(strstr(say("{\"execute\":\"query-status\"}"), "\"status\":\"paused\""));
	say("{\"execute\":\"cont\"}");
	assert_int_equal(conts, 1);
	assert_string_equal(say("{\"execute\":\"system_powerdown\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"the fake says no\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-kvm\"}"),
			    "{\"return\":{\"enabled\":true,\"present\":true}}\r\n");
}

/* Several commands in one read, one command over several reads. */
static void streaming(void **state)
{
	const char *r = say("{\"execute\":\"stop\"}{\"execute\":\"cont\"}\n{\"execute\":\"stop\"}");

	assert_int_equal(stops, 2);
	assert_int_equal(conts, 1);
	assert_non_null(strstr(r, "{\"return\":{}}\r\n{\"return\":{}}\r\n{\"return\":{}}\r\n"));
	assert_string_equal(say("{\"exec"), "");
	assert_string_equal(say("ute\": \"system_re"), "");
	assert_string_equal(say("set\"}"), "{\"return\":{}}\r\n");
	assert_int_equal(resets, 1);
}

static void malformed_input(void **state)
{
	assert_string_equal(say("[1,2]\n"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input must be a JSON object\"}}\r\n");
	assert_string_equal(say("{\"arguments\":{}}\n"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input lacks member 'execute'\"}}\r\n");
	assert_string_equal(say("{\"execute\":5}\n"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input member 'execute' must be a string\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"stop\",\"arguments\":[]}\n"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input member 'arguments' must be an object\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"stop\",\"bogus\":1}\n"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input member 'bogus' is unexpected\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"no-such-thing\"}\n"),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command no-such-thing has not been found\"}}\r\n");
	/* broken JSON: one error for the line, then the next line works */
	assert_non_null(strstr(say("{\"execute\": ]]] garbage\n"), "\"desc\":\"JSON parse error"));
	assert_string_equal(say("{\"execute\":\"query-kvm\"}\n"),
			    "{\"return\":{\"enabled\":true,\"present\":true}}\r\n");
	assert_int_equal(stops, 0);
}

static void argument_checks(void **state)
{
	assert_string_equal(say("{\"execute\":\"stop\",\"arguments\":{\"now\":true}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'now' is unexpected\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-stats\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'target' is missing\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-stats\",\"arguments\":{\"target\":3}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'target' expects a string\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-stats\",\"arguments\":{\"target\":\"x\"}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'target' expects 'vm' or 'vcpu'\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-stats\",\"arguments\":{\"target\":\"vm\"}}"),
			    "{\"return\":\"vm\"}\r\n");
	assert_string_equal(say("{\"execute\":\"balloon\",\"arguments\":{\"value\":\"big\"}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'value' expects an integer\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"query-balloon\"}"),
		"{\"error\":{\"class\":\"DeviceNotActive\",\"desc\":\"No balloon device has been activated\"}}\r\n");
}

/* x-meridian-query-ram-digest: the range and window are checked before
 * the machine is asked; digests come back as 16 hex digits. */
static void ram_digest_arguments(void **state)
{
	const char *bad_range = "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter "
		"'range-bytes' expects a power of two from 4096 to 1073741824\"}}\r\n";

	assert_string_equal(say("{\"execute\":\"x-meridian-query-ram-digest\",\"arguments\":{\"range-bytes\":3000}}"), bad_range);
	assert_string_equal(say("{\"execute\":\"x-meridian-query-ram-digest\",\"arguments\":{\"range-bytes\":-4096}}"), bad_range);
	assert_string_equal(say("{\"execute\":\"x-meridian-query-ram-digest\",\"arguments\":{\"range-bytes\":12288}}"), bad_range);
	assert_string_equal(say("{\"execute\":\"x-meridian-query-ram-digest\",\"arguments\":{\"range-bytes\":4096,\"offset\":100}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameters 'offset' and 'length' "
		"expect multiples of 'range-bytes'\"}}\r\n");
	assert_string_equal(say("{\"execute\":\"x-meridian-query-ram-digest\",\"arguments\":{\"range-bytes\":4096,\"offset\":8192}}"),
		"{\"return\":{\"algorithm\":\"xxh64\",\"range-bytes\":4096,\"offset\":8192,"
		"\"ram-bytes\":16384,\"running\":false,\"digests\":[\"0000000000000002\","
		"\"fedcba9876543210\"]}}\r\n");
	assert_string_equal(say("{\"execute\":\"pmemsave\",\"arguments\":{\"val\":0,\"size\":1,\"filename\":\"/x\"}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"no guest RAM here\"}}\r\n");
}

/* A line of 1 MiB: one error, and the session goes on. */
static void huge_line(void **state)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 64);
	const char *r;

	strcpy(big, "{\"execute\":\"");
	memset(big + 12, 'a', n);
	strcpy(big + 12 + n, "\"}\n");
	r = say(big);
	assert_string_equal(r,
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"JSON message too long (over 65536 bytes): ignored\"}}\r\n");
	free(big);
	assert_string_equal(say("{\"execute\":\"query-kvm\"}\n"),
			    "{\"return\":{\"enabled\":true,\"present\":true}}\r\n");
}

/* every parameter query-migrate-parameters shows, migrate-set-parameters
 * takes back (one list of names must not forget what the other has) */
static void parameters_round_trip(void **state)
{
	struct json_object *reply, *ret, *args;
	char cmd[2048];

	mig_params_init(&params);
	reply = json_tokener_parse(say("{\"execute\": \"query-migrate-parameters\"}\n"));
	assert_true(json_object_object_get_ex(reply, "return", &ret));
	assert_int_equal(json_object_object_length(ret), 9);
	args = json_object_get(ret);
	snprintf(cmd, sizeof(cmd), "{\"execute\": \"migrate-set-parameters\", \"arguments\": %s}\n",
		 json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN));
	assert_string_equal(say(cmd), "{\"return\":{}}\r\n");
	assert_int_equal(params_updates, 1);
	json_object_put(args);
	json_object_put(reply);
	/* and the post-copy knobs arrive */
	say("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
	    "{\"x-postcopy-after-rounds\": 4, \"max-postcopy-bandwidth\": 1000}}\n");
	assert_int_equal(atomic_load(&params.postcopy_after_rounds), 4);
	assert_int_equal(atomic_load(&params.max_postcopy_bandwidth), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(greeting_then_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(commands_with_ids, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(streaming, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(malformed_input, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(ram_digest_arguments, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(argument_checks, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(huge_line, setup_negotiated, teardown),
		cmocka_unit_test_setup_teardown(parameters_round_trip, setup_negotiated, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
