/* Device state described as data (base/vmstate.c): a save loads back
 * field for field; a section of another name, version or length is
 * refused; a bool whose byte in the stream is neither 0 nor 1 is refused
 * with one line and nothing of the object changes (a hostile stream must
 * not put a value in a bool that C cannot hold: UB where it is read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "base/vmstate.h"

struct thing {
	uint8_t a;
	bool on;
	uint32_t b;
	bool flags[3];
	uint64_t c;
};

static const struct vmstate_field fields[] = {
	VMSTATE_FIELD(struct thing, a), VMSTATE_FIELD(struct thing, on),
	VMSTATE_FIELD(struct thing, b), VMSTATE_ARRAY(struct thing, flags),
	VMSTATE_FIELD(struct thing, c),
};
static const struct vmstate_desc desc = { "thing", 1, fields, 5 };

static void round_trip(void **state)
{
	struct thing t = { 7, true, 0xdeadbeef, { false, true, true }, 1ull << 40 }, u;
	uint8_t buf[64];
	ssize_t n = vmstate_save(&desc, &t, buf, sizeof(buf));
	char err[200];

	assert_int_equal(n, (ssize_t)vmstate_bytes(&desc));
	memset(&u, 0, sizeof(u));
	assert_int_equal(vmstate_load(&desc, &u, buf, (size_t)n, err, sizeof(err)), n);
	assert_int_equal(u.a, 7);
	assert_true(u.on && u.flags[2] && !u.flags[0]);
	assert_int_equal(u.b, 0xdeadbeef);
	assert_int_equal(u.c, 1ull << 40);
	assert_true(fields[1].boolean && fields[3].boolean && !fields[0].boolean);
}

static void a_bool_must_be_0_or_1(void **state)
{
	struct thing t = { 7, true, 1, { 0 }, 2 }, u = { 0 };
	uint8_t buf[64];
	ssize_t n = vmstate_save(&desc, &t, buf, sizeof(buf));
	char err[200];

	/* "on" is the byte after "a" in the payload */
	buf[1 + strlen("thing") + 8 + 1] = 175;
	assert_int_equal(vmstate_load(&desc, &u, buf, (size_t)n, err, sizeof(err)), -1);
	assert_string_equal(err, "thing: field on is 175, not a boolean");
	assert_int_equal(u.a, 0);                       /* nothing loaded */
	/* and in an array of them */
	n = vmstate_save(&desc, &t, buf, sizeof(buf));
	buf[1 + strlen("thing") + 8 + 1 + 1 + 4 + 2] = 2;
	assert_int_equal(vmstate_load(&desc, &u, buf, (size_t)n, err, sizeof(err)), -1);
	assert_string_equal(err, "thing: field flags is 2, not a boolean");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(a_bool_must_be_0_or_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
