/* The migration session (migrate/migration.c) against a VM without KVM:
 * what query-migrate shows, the refusals of migrate and migrate-incoming
 * (one line, the guest and the status untouched), and destinations that
 * fail (a file, a TCP peer sending garbage): the status goes setup,
 * active, failed, each move told to the owner, and the VM is stopped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/mig_info_json.h"
#include "migrate/migration.h"
#include "migrate/transport.h"
#include "vm/vm.h"

static struct vm_config cfg = { .mem_bytes = 64ull << 20, .cpus = 1 };
static struct vm_env env;
static struct vm vm;

/* what the owner was told */
static struct {
	enum mig_status moves[16];
	unsigned nr_moves, stopped, resumed, left;
} told;

static void on_status(void *ctx, enum mig_status s)
{
	if (told.nr_moves < 16)
		told.moves[told.nr_moves++] = s;
}
static void on_stopped(void *ctx) { told.stopped++; }
static void on_resumed(void *ctx) { told.resumed++; }
static void on_left(void *ctx) { told.left++; }

static struct migration mig;

static int setup(void **state)
{
	static const struct mig_owner owner = {
		.status_changed = on_status, .guest_stopped = on_stopped,
		.guest_resumed = on_resumed, .guest_left = on_left,
	};

	memset(&told, 0, sizeof(told));
	memset(&vm, 0, sizeof(vm));
	env.cfg = &cfg;
	env.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm.env = &env;
	pthread_mutex_init(&vm.run_lock, NULL);
	pthread_cond_init(&vm.run_cond, NULL);
	migration_init(&mig, &vm, &owner);
	return env.wake_fd < 0;
}

static int teardown(void **state)
{
	migration_incoming_abort(&mig);
	close(env.wake_fd);
	return 0;
}

/* As the event loop does: wake, poll, until the destination ended. */
static void run_until_ended(void)
{
	for (int i = 0; i < 500 && mig.incoming.running; i++) {
		struct pollfd p = { .fd = env.wake_fd, .events = POLLIN };
		uint64_t n;

		poll(&p, 1, 10);
		if (read(env.wake_fd, &n, sizeof(n)) < 0)
			n = 0;
		migration_poll(&mig);
	}
	assert_false(mig.incoming.running);
}

static char *garbage_file(void)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_migration_XXXXXX");
	fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is no stream at all", 24), 24);
	close(fd);
	return path;
}

static void assert_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

static void nothing_yet_is_an_empty_reply(void **state)
{
	struct mig_info info;
	struct json_object *o;

	migration_info(&mig, &info);
	o = mig_info_json(&info);
	assert_int_equal(json_object_object_length(o), 0);
	json_object_put(o);
	assert_null(migration_busy(&mig));
}

static void bad_uris_are_refused_with_the_guest_untouched(void **state)
{
	static const char *const uris[] = { "ftp:x", "tcp:127.0.0.1", "file:", "",
					    "file:/nonexistent-dir/snap" };
	char err[300];

	for (unsigned i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		assert_int_equal(migration_start(&mig, uris[i], true, err, sizeof(err)), -1);
		assert_one_line(err);
	}
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(mig.status, MIG_STATUS_NONE);
	assert_int_equal(told.nr_moves + told.stopped + told.resumed + told.left, 0);
}

static void one_migration_at_a_time(void **state)
{
	struct mig_params_update u = { .has_downtime_limit = true, .downtime_limit_ms = 100,
				       .has_compression_level = true, .compression_level = 5 };
	char err[300];

	mig.sending = true;             /* as while pre-copy runs */
	assert_int_equal(migration_start(&mig, "file:/tmp/x", true, err, sizeof(err)), -1);
	assert_string_equal(err, "a migration is in progress");
	/* the sender's start-time knobs wait for its end; none of the update applies */
	assert_int_equal(migration_set_params(&mig, &u, err, sizeof(err)), -1);
	assert_one_line(err);
	assert_int_not_equal(mig.params.downtime_limit_ms, 100);
	/* migrate-start-postcopy: only with postcopy-ram from the start */
	assert_int_equal(migration_start_postcopy(&mig, err, sizeof(err)), -1);
	assert_string_equal(err, "Enable postcopy with migrate_set_capability before the start of "
			    "migration");
	mig.precopy.postcopy = true;
	assert_int_equal(migration_start_postcopy(&mig, err, sizeof(err)), 0);
	assert_true(atomic_load(&mig.precopy.start_postcopy));
	/* once switched, cancel is refused: the guest is the destination's */
	mig.status = MIG_STATUS_POSTCOPY_ACTIVE;
	assert_int_equal(migration_cancel(&mig, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "post-copy cannot be cancelled"));
	assert_false(atomic_load(&mig.precopy.cancel));
	mig.status = MIG_STATUS_NONE;
	mig.sending = false;
	assert_int_equal(migration_set_params(&mig, &u, err, sizeof(err)), 0);
	assert_int_equal(mig.params.downtime_limit_ms, 100);
	assert_int_equal(mig.params.compression_level, 5);
	/* cancel with nothing running changes nothing; post-copy needs a migration */
	assert_int_equal(migration_cancel(&mig, err, sizeof(err)), 0);
	assert_int_equal(migration_start_postcopy(&mig, err, sizeof(err)), -1);
	assert_string_equal(err, "Postcopy must be started after migration has been started");
	assert_int_equal(mig.status, MIG_STATUS_NONE);
	assert_int_equal(told.nr_moves, 0);
}

static void an_incoming_machine_has_no_guest_to_send(void **state)
{
	char err[300];

	assert_int_equal(migration_incoming_open(&mig, "defer", err, sizeof(err)), 0);
	assert_true(mig.waiting);
	assert_int_equal(migration_start(&mig, "file:/tmp/x", false, err, sizeof(err)), -1);
	assert_string_equal(err, "the guest has not arrived yet (inmigrate)");
	/* defer: nothing starts with the VM; migrate-incoming's URI is checked */
	assert_int_equal(migration_incoming_begin(&mig), 0);
	assert_int_equal(migration_incoming_defer(&mig, "udp:1.2.3.4:5", err, sizeof(err)), -1);
	assert_one_line(err);
	assert_int_equal(told.nr_moves, 0);
}

static void migrate_incoming_needs_defer(void **state)
{
	char err[300];

	assert_int_equal(migration_incoming_defer(&mig, "tcp:127.0.0.1:4444", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--incoming defer"));
}

/* setup, active, failed; the VM told to stop; the reason kept */
static void assert_destination_failed(const char *why)
{
	struct mig_info info;
	struct json_object *o, *v;

	assert_int_equal(told.nr_moves, 3);
	assert_int_equal(told.moves[0], MIG_STATUS_SETUP);
	assert_int_equal(told.moves[1], MIG_STATUS_ACTIVE);
	assert_int_equal(told.moves[2], MIG_STATUS_FAILED);
	assert_int_equal(atomic_load(&vm.stop_reason), VM_SETUP_ERROR);
	assert_false(mig.waiting);
	assert_int_equal(told.left + told.stopped, 0);
	migration_info(&mig, &info);
	o = mig_info_json(&info);
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "failed");
	assert_true(json_object_object_get_ex(o, "error-desc", &v));
	assert_string_equal(json_object_get_string(v), why);
	json_object_put(o);
}

static void a_destination_fails_on_a_bad_file(void **state)
{
	char *path = garbage_file(), uri[64], err[300];

	snprintf(uri, sizeof(uri), "file:%s", path);
	assert_int_equal(migration_incoming_open(&mig, uri, err, sizeof(err)), 0);
	assert_int_equal(migration_incoming_begin(&mig), 0);
	run_until_ended();
	assert_destination_failed("not a meridian snapshot or migration stream");
	unlink(path);
}

static void a_deferred_destination_fails_on_a_bad_file(void **state)
{
	char *path = garbage_file(), uri[64], err[300];

	snprintf(uri, sizeof(uri), "file:%s", path);
	assert_int_equal(migration_incoming_open(&mig, "defer", err, sizeof(err)), 0);
	assert_int_equal(migration_incoming_begin(&mig), 0);
	assert_int_equal(migration_incoming_defer(&mig, uri, err, sizeof(err)), 0);
	/* only once: the guest may come from one stream */
	assert_int_equal(migration_incoming_defer(&mig, uri, err, sizeof(err)), -1);
	run_until_ended();
	assert_destination_failed("not a meridian snapshot or migration stream");
	unlink(path);
}

static void a_destination_fails_on_a_peer_sending_garbage(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char uri[64], err[300];
	int c = -1;

	/* a free port: the first the session can bind */
	for (unsigned port = 47100; port < 47200; port++) {
		snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%u", port);
		if (!migration_incoming_open(&mig, uri, err, sizeof(err))) {
			a.sin_port = htons(port);
			break;
		}
	}
	assert_int_not_equal(a.sin_port, 0);
	assert_int_equal(migration_incoming_begin(&mig), 0);
	assert_int_equal(told.nr_moves, 1);     /* setup: waiting for the source */
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(c, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	close(c);
	run_until_ended();
	assert_destination_failed("not a meridian snapshot or migration stream");
}

/* the source reads a destination's refusal (MIG_FAIL and a line) */
static void a_refusal_reads_as_its_line(void **state)
{
	char why[300];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], MIG_FAIL "the snapshot has 2 vCPUs\n", 33), 33);
	assert_true(mig_read_refusal(sv[0], false, why, sizeof(why)));
	assert_string_equal(why, "the snapshot has 2 vCPUs");
	assert_int_equal(write(sv[1], "after the prefix\n", 17), 17);
	assert_true(mig_read_refusal(sv[0], true, why, sizeof(why)));
	assert_string_equal(why, "after the prefix");
	assert_false(mig_read_refusal(sv[0], false, why, sizeof(why)));        /* nothing */
	assert_int_equal(write(sv[1], "HTTP/1.0 200 OK\n", 16), 16);
	assert_false(mig_read_refusal(sv[0], false, why, sizeof(why)));
	close(sv[0]);
	close(sv[1]);
}

static void live_figures_in_qemus_shape(void **state)
{
	struct mig_info info = {
		.status = MIG_STATUS_ACTIVE, .live = true, .total_ms = 1200,
		.transferred_bytes = 5000, .ram_bytes = 64 << 20, .remaining_bytes = 4096,
		.normal_pages = 7, .zero_pages = 9, .dirty_pages_rate = 11, .dirty_sync_count = 2,
		.setup_ms = 3, .downtime_ms = 40, .throttle_pct = 20, .mbps = 1.5,
		.dirty_tracking = "dirty-log", .compression = "none", .error = "",
	};
	struct json_object *o = mig_info_json(&info), *ram, *v;

	assert_true(json_object_object_get_ex(o, "ram", &ram));
	assert_true(json_object_object_get_ex(ram, "dirty-sync-count", &v));
	assert_int_equal(json_object_get_int64(v), 2);
	assert_true(json_object_object_get_ex(ram, "remaining", &v));
	assert_int_equal(json_object_get_int64(v), 4096);
	assert_true(json_object_object_get_ex(o, "downtime", &v));
	assert_int_equal(json_object_get_int64(v), 40);
	assert_true(json_object_object_get_ex(o, "cpu-throttle-percentage", &v));
	assert_true(json_object_object_get_ex(o, "dirty-tracking", &v));
	assert_false(json_object_object_get_ex(o, "error-desc", &v));
	json_object_put(o);
	/* a post-copy destination: blocktime in QEMU's names with its
	 * capability, meridian's figures always */
	info.live = false;
	info.postcopy_dest = info.blocktime = true;
	info.pc = (struct postcopy_dest_info){ .faults = 30, .requests = 20, .owed_pages = 100,
					       .placed_pages = 60, .blocktime_ms = 7, .nr_vcpus = 2,
					       .vcpu_blocktime_ms = { 9, 11 },
					       .latency_median_us = 800, .latency_p99_us = 5000 };
	o = mig_info_json(&info);
	assert_true(json_object_object_get_ex(o, "postcopy-blocktime", &v));
	assert_int_equal(json_object_get_int64(v), 7);
	assert_true(json_object_object_get_ex(o, "postcopy-vcpu-blocktime", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(v, 1)), 11);
	assert_true(json_object_object_get_ex(o, "x-postcopy", &v));
	assert_true(json_object_object_get_ex(v, "fault-latency-p99-us", &ram));
	assert_int_equal(json_object_get_int64(ram), 5000);
	json_object_put(o);
	info.blocktime = false;
	o = mig_info_json(&info);
	assert_false(json_object_object_get_ex(o, "postcopy-blocktime", &v));
	json_object_put(o);
	/* a snapshot's figures have no live part */
	info.postcopy_dest = false;
	o = mig_info_json(&info);
	assert_false(json_object_object_get_ex(o, "downtime", &v));
	assert_true(json_object_object_get_ex(o, "ram", &ram));
	assert_false(json_object_object_get_ex(ram, "mbps", &v));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_yet_is_an_empty_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_uris_are_refused_with_the_guest_untouched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(one_migration_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(an_incoming_machine_has_no_guest_to_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(migrate_incoming_needs_defer, setup, teardown),
		cmocka_unit_test_setup_teardown(a_destination_fails_on_a_bad_file, setup, teardown),
		cmocka_unit_test_setup_teardown(a_deferred_destination_fails_on_a_bad_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_destination_fails_on_a_peer_sending_garbage, setup,
						teardown),
		cmocka_unit_test(live_figures_in_qemus_shape),
		cmocka_unit_test(a_refusal_reads_as_its_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
