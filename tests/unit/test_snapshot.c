/* A snapshot's save -> load round trip (migrate/snapshot.c) through the
 * device table, against a fake VM: 4 MiB of RAM, two devices (a disk-like
 * one with a configuration and a port with state only), and a processor
 * side that is one section of its own. And the streams a destination
 * must refuse, each with one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/le_bytes.h"
#include "kvm/guest_mem.h"
#include "fake_devices.h"
#include "migrate/device_sections.h"
#include "migrate/snapshot.h"

#define RAM_BYTES (4u << 20)

/* --- the fake VM and its processor side: one MIG_SEC_VCPU of 8 bytes --- */

struct fake_vm {
	struct guest_mem mem;
	struct device_table t;
	struct fake_disk disk;
	uint8_t port;
	uint64_t cpu_state;             /* what the "vCPU" section carries */
	struct snap_vm snap;
};

static int put_cpus(void *ctx, struct mig_stream *w, char *err, int err_len)
{
	mig_put_section(w, MIG_SEC_VCPU, 0, 1, 8);
	mig_put_u64(w, ((struct fake_vm *)ctx)->cpu_state);
	return 0;
}

struct cpu_loaded { bool seen; uint64_t state; };

static void *load_begin(void *ctx) { return calloc(1, sizeof(struct cpu_loaded)); }
static void load_end(void *ctx, void *l) { free(l); }

static int get_cpu_section(void *ctx, void *loaded, struct mig_stream *r, uint32_t type,
			   uint32_t id, uint32_t len)
{
	struct cpu_loaded *l = loaded;

	if (type != MIG_SEC_VCPU)
		return 1;
	if (id != 0 || len != 8)
		return -1;
	l->seen = true;
	return mig_get_u64(r, &l->state);
}

static int apply_cpus(void *ctx, void *loaded, char *err, int err_len)
{
	struct cpu_loaded *l = loaded;

	if (!l->seen)
		return snprintf(err, err_len, "the stream lacks vCPU 0"), -1;
	((struct fake_vm *)ctx)->cpu_state = l->state;
	return 0;
}

static const struct snap_vm_ops fake_ops = {
	.put_cpus = put_cpus, .load_begin = load_begin, .get_cpu_section = get_cpu_section,
	.apply_cpus = apply_cpus, .load_end = load_end,
};

/* A VM with ram_bytes of RAM, a disk of sectors (0: none) and the port. */
static void fake_vm(struct fake_vm *vm, uint64_t ram_bytes, uint64_t sectors)
{
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_mem_map(&vm->mem, ram_bytes), 0);
	vm->disk.sectors = sectors;
	assert_int_equal(device_table_add(&vm->t, "port", 0, &port_ops, &vm->port), 0);
	if (sectors)
		assert_int_equal(device_table_add(&vm->t, "disk", 0, &disk_ops, &vm->disk), 0);
	vm->snap = (struct snap_vm){
		.mem = &vm->mem, .devices = &vm->t, .ops = &fake_ops, .ctx = vm,
		.config = { .mem_bytes = ram_bytes, .cpus = 1, .tsc_khz = 2000000, .cpu_spec = "host" },
	};
}

static void fake_vm_free(struct fake_vm *vm)
{
	guest_mem_unmap(&vm->mem);
}

static char err[300];

/* Saves src, loads the file into dst: snapshot_load's result. */
static int round_trip(struct fake_vm *src, struct fake_vm *dst)
{
	struct snapshot_stats st;
	char path[] = "/tmp/meridian-snap-XXXXXX";
	int fd = mkstemp(path), r;
	uint64_t apply_ms;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(snapshot_save(&src->snap, fd, 0, &st, err, sizeof(err)), 0);
	assert_true(st.bytes > 0);
	lseek(fd, 0, SEEK_SET);
	err[0] = '\0';
	r = snapshot_load(&dst->snap, fd, NULL, &apply_ms, err, sizeof(err));
	close(fd);
	return r;
}

static void everything_arrives(void **state)
{
	static struct fake_vm a, b;
	uint8_t *ram;

	fake_vm(&a, RAM_BYTES, 2048);
	fake_vm(&b, RAM_BYTES, 2048);
	ram = guest_mem_ptr(&a.mem, 0, RAM_BYTES);
	for (uint64_t i = 0; i < RAM_BYTES; i += 4096)
		if (i % (3 * 4096))     /* every third page stays zero */
			memset(ram + i, (int)(i >> 12) | 1, 4096);
	a.disk.position = 0x1122334455667788ull;
	a.port = 0x5a;
	a.cpu_state = 42;
	assert_int_equal(round_trip(&a, &b), 0);
	assert_memory_equal(guest_mem_ptr(&b.mem, 0, RAM_BYTES), ram, RAM_BYTES);
	assert_int_equal(b.disk.position, 0x1122334455667788ull);
	assert_int_equal(b.port, 0x5a);
	assert_int_equal(b.cpu_state, 42);
	fake_vm_free(&a);
	fake_vm_free(&b);
}

static void another_ram_size_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, RAM_BYTES, 2048);
	fake_vm(&b, RAM_BYTES / 2, 2048);
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "the snapshot is of a guest with 4 MiB of RAM, this one has 2 MiB "
			    "(--memory)");
	fake_vm_free(&a);
	fake_vm_free(&b);
}

static void a_device_the_guest_lacks_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, RAM_BYTES, 2048);
	fake_vm(&b, RAM_BYTES, 0);
	b.cpu_state = 7;
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "the stream holds device disk.0, which this guest does not have "
			    "(its devices differ)");
	assert_int_equal(b.cpu_state, 7);               /* nothing applied */
	fake_vm_free(&a);
	fake_vm_free(&b);
}

static void a_disk_that_does_not_fit_is_refused(void **state)
{
	static struct fake_vm a, b;

	fake_vm(&a, RAM_BYTES, 2048);
	fake_vm(&b, RAM_BYTES, 4096);
	assert_int_equal(round_trip(&a, &b), -1);
	assert_string_equal(err, "disk.0: the saved disk has 2048 sectors, this one 4096");
	assert_int_equal(b.cpu_state, 0);
	fake_vm_free(&a);
	fake_vm_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(everything_arrives),
		cmocka_unit_test(another_ram_size_is_refused),
		cmocka_unit_test(a_device_the_guest_lacks_is_refused),
		cmocka_unit_test(a_disk_that_does_not_fit_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
