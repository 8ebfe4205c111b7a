#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/size.h"

static void accepts_suffixes(void **state)
{
	char err[64];
	uint64_t v;

	assert_int_equal(parse_size_bytes("256M", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(parse_size_bytes("4g", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 4ull << 30);
	assert_int_equal(parse_size_bytes("512K", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(parse_size_bytes("1048576", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(parse_size_bytes("2GiB", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2ull << 30);
}

static void rejects_bad_values(void **state)
{
	char err[64];
	uint64_t v = 7;

	assert_int_equal(parse_size_bytes("12Q", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown size suffix 'Q'");
	assert_int_equal(parse_size_bytes("", &v, err, sizeof(err)), -1);
	assert_int_equal(parse_size_bytes("-1M", &v, err, sizeof(err)), -1);
	assert_int_equal(parse_size_bytes("1MM", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown size suffix 'MM'");
	assert_int_equal(parse_size_bytes("99999999999999999999", &v, err, sizeof(err)), -1);
	assert_int_equal(parse_size_bytes("99999999999T", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "number out of range");
	assert_int_equal(v, 7);         /* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_suffixes),
		cmocka_unit_test(rejects_bad_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
