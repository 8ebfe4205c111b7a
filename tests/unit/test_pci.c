#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dev/pci.h"

static struct pci_bus bus;
static struct pci_device dev;

/* The guest's side: configuration mechanism #1 */
static uint32_t cfg_read(unsigned slot, unsigned reg, unsigned size)
{
	pci_io_write(&bus, 0, 4, 0x80000000u | slot << 11 | (reg & 0xfc));
	return pci_io_read(&bus, 4 + (reg & 3), size);
}

static void cfg_write(unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
	pci_io_write(&bus, 0, 4, 0x80000000u | slot << 11 | (reg & 0xfc));
	pci_io_write(&bus, 4 + (reg & 3), size, v);
}

static int setup(void **state)
{
	pci_bus_init(&bus);
	pci_device_init(&dev, "test", 0x1af4, 0x1044, 0x00ff00, 4);
	if (pci_device_add_bar(&dev, 0, 16384, 0xe0000000u))
		return -1;
	return pci_bus_add(&bus, &dev) == 1 ? 0 : -1;
}

static int teardown(void **state)
{
	pci_bus_destroy(&bus);
	return 0;
}

static void host_bridge_and_device_are_seen(void **state)
{
	assert_int_equal(cfg_read(0, 0, 4), 0x00081b36);
	assert_int_equal(cfg_read(0, 0x0a, 2), 0x0600);        /* host bridge class */
	assert_int_equal(cfg_read(1, 0, 4), 0x10441af4);
	assert_int_equal(cfg_read(1, 0x2e, 2), 4);             /* subsystem id */
	assert_int_equal(cfg_read(1, 1, 1), 0x1a);             /* byte access */
}

static void nothing_there_reads_all_ones(void **state)
{
	assert_int_equal(cfg_read(2, 0, 4), 0xffffffffu);      /* empty slot */
	pci_io_write(&bus, 0, 4, 0x80000100u);                  /* function 1 */
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xffffffffu);
	pci_io_write(&bus, 0, 4, 0x80010000u);                  /* bus 1 */
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xffffffffu);
	pci_io_write(&bus, 0, 4, 0x00000000u);                  /* latch off */
	assert_int_equal(pci_io_read(&bus, 4, 4), 0xffffffffu);
}

static void latch_reads_back_and_ignores_byte_writes(void **state)
{
	/* Linux's type 1 probe: outb(0x01, 0xcfb), then the dword latch */
	pci_io_write(&bus, 0, 4, 0x80000000u);
	pci_io_write(&bus, 3, 1, 0x01);
	assert_int_equal(pci_io_read(&bus, 0, 4), 0x80000000u);
}

static void read_only_fields_stay(void **state)
{
	cfg_write(1, 0, 4, 0xdeadbeef);
	assert_int_equal(cfg_read(1, 0, 4), 0x10441af4);
	cfg_write(1, 0x3c, 1, 11);                              /* interrupt line: scratch */
	assert_int_equal(cfg_read(1, 0x3c, 1), 11);
}

static void bar_sizing_and_decoding(void **state)
{
	int bar;
	uint64_t off;

	assert_int_equal(cfg_read(1, 0x10, 4), 0xe0000004u);    /* 64-bit memory BAR */
	cfg_write(1, 0x10, 4, 0xffffffffu);
	cfg_write(1, 0x14, 4, 0xffffffffu);
	assert_int_equal(cfg_read(1, 0x10, 4), 0xffffc004u);    /* 16 KiB */
	assert_int_equal(cfg_read(1, 0x14, 4), 0xffffffffu);
	/* the guest places it above 4 GiB */
	cfg_write(1, 0x10, 4, 0x00010000u);
	cfg_write(1, 0x14, 4, 0x1u);
	assert_int_equal(pci_bar_gpa(&dev, 0), 0);              /* memory decoding off */
	cfg_write(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pci_bar_gpa(&dev, 0), 0x100010000ull);
	assert_ptr_equal(pci_bus_find_mmio(&bus, 0x100010000ull + 0x3ffc, 4, &bar, &off), &dev);
	assert_int_equal(bar, 0);
	assert_int_equal(off, 0x3ffc);
	/* straddling the end, or outside */
	assert_null(pci_bus_find_mmio(&bus, 0x100010000ull + 0x3ffe, 4, &bar, &off));
	assert_null(pci_bus_find_mmio(&bus, 0x100000000ull, 4, &bar, &off));
}

static void bad_bars_are_refused(void **state)
{
	struct pci_device d;

	pci_device_init(&d, "bad", 1, 2, 0, 0);
	assert_int_equal(pci_device_add_bar(&d, 0, 3000, 0), -1);       /* not a power of 2 */
	assert_int_equal(pci_device_add_bar(&d, 0, 8192, 4096), -1);    /* misaligned */
	assert_int_equal(pci_device_add_bar(&d, 5, 8192, 0), -1);       /* no room for 64 bits */
	assert_int_equal(pci_device_add_bar(&d, 2, 8192, 0), 0);
	assert_int_equal(pci_device_add_bar(&d, 3, 8192, 0), -1);       /* high half of BAR 2 */
}

static void capabilities_are_chained(void **state)
{
	uint8_t body_a[6] = { 1, 2, 3, 4, 5, 6 }, body_b[2] = { 7, 8 };
	uint8_t a = pci_device_add_cap(&dev, 0x09, body_a, sizeof(body_a));
	uint8_t b = pci_device_add_cap(&dev, 0x11, body_b, sizeof(body_b));

	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x48);                              /* dword aligned */
	assert_true(cfg_read(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg_read(1, PCI_CAP_PTR, 1), 0x40);
	assert_int_equal(cfg_read(1, 0x40, 4), 0x02014809);     /* id, next, body */
	assert_int_equal(cfg_read(1, 0x48, 4), 0x08070011);     /* last: next 0 */
}

static uint32_t ecam_read(uint64_t offset, unsigned len)
{
	uint8_t b[4] = { 0 };

	pci_ecam_access(&bus, offset, b, len, false);
	return (uint32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24);
}

/* ECAM reaches the same configuration spaces as ports 0xCF8/0xCFC. */
static void ecam_matches_mechanism_1(void **state)
{
	uint8_t v[4] = { 0x12, 0, 0, 0 };

	assert_int_equal(ecam_read(0, 4), 0x00081b36);                 /* 00:00.0 */
	assert_int_equal(ecam_read(1 << 15, 4), 0x10441af4);           /* 00:01.0 */
	assert_int_equal(ecam_read(1 << 15 | 0x2e, 2), 4);
	assert_int_equal(ecam_read(1 << 15 | 0x1, 1), 0x1a);
	assert_int_equal(ecam_read(1 << 15 | 0x100, 4), 0);            /* extended: empty */
	assert_int_equal(ecam_read(2 << 15, 4), 0xffffffffu);          /* empty slot */
	assert_int_equal(ecam_read(1 << 15 | 1 << 12, 4), 0xffffffffu); /* function 1 */
	assert_int_equal(ecam_read(1ull << 20 | 1 << 15, 4), 0xffffffffu); /* bus 1 */
	assert_int_equal(ecam_read(1 << 15 | 0x2, 4), 0xffffffffu);    /* unaligned */
	/* writes go through the same mask: the interrupt line is writable,
	 * the vendor ID is not */
	pci_ecam_access(&bus, 1 << 15 | PCI_INTERRUPT_LINE, v, 1, true);
	assert_int_equal(cfg_read(1, PCI_INTERRUPT_LINE, 1), 0x12);
	pci_ecam_access(&bus, 1 << 15, v, 1, true);
	assert_int_equal(cfg_read(1, 0, 4), 0x10441af4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(host_bridge_and_device_are_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_there_reads_all_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(latch_reads_back_and_ignores_byte_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_fields_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(bar_sizing_and_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bars_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(capabilities_are_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(ecam_matches_mechanism_1, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
