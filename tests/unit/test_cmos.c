#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dev/cmos.h"

/* 2026-11-22 01:02:03 UTC, a Sunday */
static time_t fixed_now(time_t *t)
{
	return 1795309323;
}

static uint8_t rd(struct cmos *c, uint8_t reg)
{
	cmos_io_write(c, 0, 1, reg);
	return (uint8_t)cmos_io_read(c, 1, 1);
}

static void wr(struct cmos *c, uint8_t reg, uint8_t v)
{
	cmos_io_write(c, 0, 1, reg);
	cmos_io_write(c, 1, 1, v);
}

static void clock_in_bcd_and_binary(void **state)
{
	struct cmos c;

	cmos_init(&c);
	c.now = fixed_now;
	assert_int_equal(rd(&c, 0x00), 0x03);
	assert_int_equal(rd(&c, 0x02), 0x02);
	assert_int_equal(rd(&c, 0x04), 0x01);
	assert_int_equal(rd(&c, 0x06), 0x01);   /* Sunday = 1 */
	assert_int_equal(rd(&c, 0x07), 0x22);
	assert_int_equal(rd(&c, 0x08), 0x11);
	assert_int_equal(rd(&c, 0x09), 0x26);
	assert_int_equal(rd(&c, 0x32), 0x20);
	assert_int_equal(rd(&c, 0x0d), 0x80);   /* battery good */
	assert_int_equal(rd(&c, 0x0a) & 0x80, 0); /* no update in progress */
	wr(&c, 0x0b, 0x06);                     /* binary, 24h */
	assert_int_equal(rd(&c, 0x07), 22);
	assert_int_equal(rd(&c, 0x09), 26);
	wr(&c, 0x0b, 0x04);                     /* binary, 12h: 1 AM */
	assert_int_equal(rd(&c, 0x04), 1);
	wr(&c, 0x0d, 0x00);                     /* read-only */
	assert_int_equal(rd(&c, 0x0d), 0x80);
}

static void nvram_keeps_bytes(void **state)
{
	struct cmos c;

	cmos_init(&c);
	for (int r = 14; r < 128; r++)
		if (r != 0x32)
			wr(&c, r, (uint8_t)(r * 3));
	for (int r = 14; r < 128; r++)
		if (r != 0x32)
			assert_int_equal(rd(&c, r), (uint8_t)(r * 3));
	/* bit 7 of the index is the NMI mask, not part of the address */
	wr(&c, 0x80 | 20, 0x77);
	assert_int_equal(rd(&c, 20), 0x77);
	assert_int_equal(cmos_io_read(&c, 0, 1), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock_in_bcd_and_binary),
		cmocka_unit_test(nvram_keeps_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
