/* The device table through a stream and back (migrate/device_sections.c):
 * a fake VM's two kinds of device, saved from one table and loaded into
 * another, and the streams a destination must refuse with one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/le_bytes.h"
#include "fake_devices.h"
#include "migrate/device_sections.h"

struct fake_vm {
	struct device_table t;
	uint8_t scratch;
	struct fake_disk disk[2];
};

/* uart.0 and disks fake-disk.0.. of these sizes (0: none) */
static void fake_vm(struct fake_vm *vm, uint64_t sectors0, uint64_t sectors1)
{
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(device_table_add(&vm->t, "uart", 0, &port_ops, &vm->scratch), 0);
	vm->disk[0].sectors = sectors0;
	vm->disk[1].sectors = sectors1;
	for (unsigned i = 0; i < 2; i++)
		if (vm->disk[i].sectors)
			assert_int_equal(device_table_add(&vm->t, "fake-disk", i, &disk_ops,
							  &vm->disk[i]), 0);
}

static char err[300];

/* Saves src into a file and loads it into dst as snapshot.c does:
 * configurations, the check that all were named, states, apply. */
static int round_trip(struct fake_vm *src, struct fake_vm *dst)
{
	static struct mig_stream w, r;
	struct devsec_loaded *l = calloc(1, sizeof(*l));
	char path[] = "/tmp/meridian-devsec-XXXXXX";
	int fd = mkstemp(path), res = -1;
	bool checked = false;

	assert_true(fd >= 0 && l);
	unlink(path);
	mig_writer_init(&w, fd);
	mig_put_header(&w);
	devsec_put_configs(&w, &src->t);
	devsec_put_states(&w, &src->t);
	assert_int_equal(mig_put_end(&w), 0);
	lseek(fd, 0, SEEK_SET);
	mig_reader_init(&r, fd);
	assert_int_equal(mig_get_header(&r, err, sizeof(err)), 0);
	err[0] = '\0';
	for (;;) {
		uint32_t type, id, version, len;
		int s = mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err));

		if (s < 0)
			goto out;
		if (s == 1)
			break;
		if (type != MIG_SEC_DEVICE_CONFIG && !checked) {
			if (devsec_check_configured(&dst->t, l, err, sizeof(err)))
				goto out;
			checked = true;
		}
		s = type == MIG_SEC_DEVICE_CONFIG ? devsec_get_config(&r, &dst->t, len, l, err, sizeof(err)) :
						    devsec_get_state(&r, &dst->t, len, l, err, sizeof(err));
		if (s == -1)
			snprintf(err, sizeof(err), "malformed");
		if (s < 0)
			goto out;
	}
	res = devsec_apply(&dst->t, l, err, sizeof(err));
out:
	devsec_loaded_free(l);
	free(l);
	close(fd);
	return res;
}

static void state_arrives_in_each_device(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, 2048, 4096);
	fake_vm(&b, 2048, 4096);
	a.scratch = 0x5a;
	a.disk[0].position = 7;
	a.disk[1].position = 0x1122334455667788ull;
	assert_int_equal(round_trip(&a, &b), 0);
	assert_int_equal(b.scratch, 0x5a);
	assert_int_equal(b.disk[0].position, 7);
	assert_int_equal(b.disk[1].position, 0x1122334455667788ull);
}

static void a_device_the_guest_lacks_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, 2048, 4096);
	fake_vm(&b, 2048, 0);
	b.disk[0].position = 3;
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "the stream holds device fake-disk.1, which this guest does not "
			    "have (its devices differ)");
	assert_int_equal(b.disk[0].position, 3);        /* nothing applied */
}

static void a_device_the_stream_lacks_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, 2048, 0);
	fake_vm(&b, 2048, 4096);
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "this guest has device fake-disk.1, which the stream does not "
			    "hold (its devices differ)");
}

static void a_configuration_that_does_not_fit_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, 2048, 4096);
	fake_vm(&b, 2048, 8192);
	b.scratch = 9;
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "fake-disk.1: the saved disk has 4096 sectors, this one 8192");
	assert_int_equal(b.scratch, 9);                 /* nothing applied */
}

static void table_ids_are_unique_and_bounded(void **state)
{
	static struct device_table t;
	uint8_t x;

	assert_int_equal(device_table_add(&t, "uart", 0, &port_ops, &x), 0);
	assert_int_equal(device_table_add(&t, "uart", 0, &port_ops, &x), -EEXIST);
	assert_int_equal(device_table_add(&t, "a-type-name-that-is-far-too-long", 0, &port_ops, &x),
			 -ENAMETOOLONG);
	for (unsigned i = 1; t.n < DEVICE_TABLE_MAX; i++)
		assert_int_equal(device_table_add(&t, "uart", i, &port_ops, &x), 0);
	assert_int_equal(device_table_add(&t, "uart", 999, &port_ops, &x), -ENOSPC);
	assert_ptr_equal(device_table_get(&t, "uart.0"), &x);
	assert_null(device_table_get(&t, "uart.999"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_arrives_in_each_device),
		cmocka_unit_test(a_device_the_guest_lacks_is_refused),
		cmocka_unit_test(a_device_the_stream_lacks_is_refused),
		cmocka_unit_test(a_configuration_that_does_not_fit_is_refused),
		cmocka_unit_test(table_ids_are_unique_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
