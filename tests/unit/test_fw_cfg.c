#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dev/fw_cfg.h"

static struct fw_cfg fw;

static void select_key(uint16_t key)
{
	fw_cfg_io_write(&fw, 0, 2, key);
}

static void read_bytes(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = (uint8_t)fw_cfg_io_read(&fw, 1, 1);
}

static void setup_machine(void)
{
	static const uint8_t e820[20] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1 };
	struct fw_cfg_machine m = { .ram_bytes = 64ull << 20, .cpus = 3, .cmdline = "exit=5",
				    .e820 = e820, .e820_bytes = sizeof(e820) };

	assert_int_equal(fw_cfg_init(&fw, &m), 0);
}

static void signature_cpus_and_ram(void **state)
{
	char sig[5] = { 0 };
	uint16_t cpus;
	uint64_t ram;
	uint32_t id;

	setup_machine();
	select_key(FW_CFG_SIGNATURE);
	read_bytes(sig, 4);
	assert_string_equal(sig, "QEMU");
	select_key(FW_CFG_ID);
	read_bytes(&id, 4);
	assert_int_equal(id, 1);        /* traditional interface, no DMA */
	select_key(FW_CFG_NB_CPUS);
	read_bytes(&cpus, 2);
	assert_int_equal(cpus, 3);
	select_key(FW_CFG_RAM_SIZE);
	read_bytes(&ram, 8);
	assert_int_equal(ram, 64ull << 20);
}

static void reads_past_the_end_and_unknown_keys_give_zero(void **state)
{
	uint8_t b[8];

	setup_machine();
	select_key(FW_CFG_NB_CPUS);
	read_bytes(b, 4);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0);
	select_key(0x1234);
	read_bytes(b, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b[i], 0);
	/* a wider read returns consecutive bytes, little-endian */
	select_key(FW_CFG_SIGNATURE);
	assert_int_equal(fw_cfg_io_read(&fw, 1, 4), 0x554d4551);   /* "QEMU" */
}

static void command_line_and_file_directory(void **state)
{
	char cmd[16];
	uint32_t size, count;
	struct { uint32_t size; uint16_t select, reserved; char name[56]; } e;
	uint8_t e820[20];

	setup_machine();
	select_key(FW_CFG_CMDLINE_SIZE);
	read_bytes(&size, 4);
	assert_int_equal(size, 7);
	select_key(FW_CFG_CMDLINE_DATA);
	read_bytes(cmd, size);
	assert_string_equal(cmd, "exit=5");
	select_key(FW_CFG_FILE_DIR);
	read_bytes(&count, 4);
	assert_int_equal(__builtin_bswap32(count), 1);
	read_bytes(&e, sizeof(e));
	assert_string_equal(e.name, "etc/e820");
	assert_int_equal(__builtin_bswap32(e.size), 20);
	select_key(__builtin_bswap16(e.select));
	read_bytes(e820, sizeof(e820));
	assert_int_equal(e820[11], 4);
	assert_int_equal(e820[16], 1);
}

static void byte_writes_do_not_select(void **state)
{
	char sig[5] = { 0 };

	setup_machine();
	select_key(FW_CFG_SIGNATURE);
	fw_cfg_io_write(&fw, 0, 1, FW_CFG_NB_CPUS);    /* ignored: the selector is 16-bit */
	fw_cfg_io_write(&fw, 1, 1, 0xff);              /* data writes are dropped */
	read_bytes(sig, 4);
	assert_string_equal(sig, "QEMU");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signature_cpus_and_ram),
		cmocka_unit_test(reads_past_the_end_and_unknown_keys_give_zero),
		cmocka_unit_test(command_line_and_file_directory),
		cmocka_unit_test(byte_writes_do_not_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
