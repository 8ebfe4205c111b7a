#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvm/ram_digest.h"

#define MIB (1ull << 20)

/* Two copies of one guest's RAM: digests equal until a byte differs, and
 * then in that byte's range only. */
static void a_flipped_byte_shows_in_its_range_only(void **state)
{
	struct guest_mem a, b;
	uint64_t da[8], db[8];

	assert_int_equal(guest_mem_map(&a, 16 * MIB), 0);
	assert_int_equal(guest_mem_map(&b, 16 * MIB), 0);
	for (uint64_t off = 0; off < 16 * MIB; off += 4096)
		*(uint32_t *)(a.base_hva + off) = *(uint32_t *)(b.base_hva + off) = (uint32_t)(off >> 12);
	assert_int_equal(ram_digest_count(&a, 2 * MIB), 8);
	ram_digest(&a, 2 * MIB, 0, da, 8);
	ram_digest(&b, 2 * MIB, 0, db, 8);
	assert_memory_equal(da, db, sizeof(da));
	assert_true(da[0] != da[1]);            /* the content differs range to range */
	b.base_hva[5 * MIB + 123] ^= 1;
	ram_digest(&b, 2 * MIB, 0, db, 8);
	for (int i = 0; i < 8; i++)
		if (i == 2)
			assert_true(da[i] != db[i]);
		else
			assert_true(da[i] == db[i]);
	guest_mem_unmap(&a);
	guest_mem_unmap(&b);
}

/* RAM that is not a whole number of ranges: the last one is short, and
 * covered (a byte at RAM's very end counts). */
static void the_last_range_may_be_short(void **state)
{
	struct guest_mem a;
	uint64_t d1[3], d2[3];

	assert_int_equal(guest_mem_map(&a, 5 * MIB), 0);
	assert_int_equal(ram_digest_count(&a, 2 * MIB), 3);
	ram_digest(&a, 2 * MIB, 0, d1, 3);
	a.base_hva[5 * MIB - 1] = 1;
	ram_digest(&a, 2 * MIB, 0, d2, 3);
	assert_true(d1[0] == d2[0] && d1[1] == d2[1] && d1[2] != d2[2]);
	/* a window: ranges 1 and 2 only, and one past the end */
	ram_digest(&a, 2 * MIB, 1, d1, 3);
	assert_true(d1[0] == d2[1] && d1[1] == d2[2] && d1[2] == 0);
	guest_mem_unmap(&a);
}

static void range_sizes(void **state)
{
	assert_true(ram_digest_range_ok(4096));
	assert_true(ram_digest_range_ok(2 * MIB));
	assert_true(ram_digest_range_ok(1ull << 30));
	assert_false(ram_digest_range_ok(2048));
	assert_false(ram_digest_range_ok(3 * MIB));
	assert_false(ram_digest_range_ok(2ull << 30));
	assert_false(ram_digest_range_ok(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_flipped_byte_shows_in_its_range_only),
		cmocka_unit_test(the_last_range_may_be_short),
		cmocka_unit_test(range_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
