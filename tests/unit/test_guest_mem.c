#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvm/layout.h"
#include "kvm/guest_mem.h"

static void small_ram_is_one_region(void **state)
{
	struct guest_mem mem;

	guest_mem_layout(&mem, 256ull << 20);
	assert_int_equal(mem.nr_regions, 1);
	assert_int_equal(mem.regions[0].gpa, 0);
	assert_int_equal(mem.regions[0].size_bytes, 256ull << 20);
	assert_int_equal(guest_mem_low_end(&mem), 256ull << 20);
}

static void large_ram_skips_the_hole(void **state)
{
	struct guest_mem mem;

	guest_mem_layout(&mem, 5ull << 30);
	assert_int_equal(mem.nr_regions, 2);
	assert_int_equal(mem.regions[0].size_bytes, MMIO_HOLE_GPA);
	assert_int_equal(mem.regions[1].gpa, MMIO_HOLE_END);
	assert_int_equal(mem.regions[1].size_bytes, (5ull << 30) - MMIO_HOLE_GPA);
}

static void pointers_are_bounds_checked(void **state)
{
	struct guest_mem mem;

	assert_int_equal(guest_mem_map(&mem, 4ull << 30), 0);
	assert_non_null(guest_mem_ptr(&mem, 0, 4096));
	assert_ptr_equal(guest_mem_ptr(&mem, 0x1000, 1), mem.base_hva + 0x1000);
	/* last byte below the hole, then one byte too many */
	assert_non_null(guest_mem_ptr(&mem, MMIO_HOLE_GPA - 1, 1));
	assert_null(guest_mem_ptr(&mem, MMIO_HOLE_GPA - 1, 2));
	assert_null(guest_mem_ptr(&mem, MMIO_HOLE_GPA, 1));
	assert_ptr_equal(guest_mem_ptr(&mem, MMIO_HOLE_END, 8),
			 mem.base_hva + MMIO_HOLE_GPA);
	assert_null(guest_mem_ptr(&mem, MMIO_HOLE_END + (1ull << 30) - 4, 8));
	/* lengths that wrap around must not pass */
	assert_null(guest_mem_ptr(&mem, 0x1000, UINT64_MAX));
	assert_null(guest_mem_ptr(&mem, UINT64_MAX, 2));
	guest_mem_unmap(&mem);
}

/* Device writes are remembered page by page until migration takes them. */
static void device_writes_mark_pages_dirty(void **state)
{
	struct guest_mem mem;
	uint8_t *p;

	assert_int_equal(guest_mem_map(&mem, 1u << 20), 0);     /* 256 pages: 4 words */
	p = guest_mem_ptr(&mem, 0x3ff0, 0x20);                  /* straddles pages 3 and 4 */
	guest_mem_mark_dirty(&mem, p, 0x20);
	guest_mem_mark_dirty(&mem, guest_mem_ptr(&mem, 0xff000, 1), 1);      /* page 255 */
	guest_mem_mark_dirty(&mem, p, 0);                                      /* nothing */
	guest_mem_mark_dirty(&mem, mem.base_hva + (1u << 20), 1);              /* not RAM */
	guest_mem_mark_dirty(&mem, mem.base_hva + 0xfff00, 0x1000);            /* runs off the end */
	assert_int_equal(guest_mem_take_dirty(&mem, 0), (1ull << 3) | (1ull << 4));
	assert_int_equal(guest_mem_take_dirty(&mem, 0), 0);    /* taken */
	assert_int_equal(guest_mem_take_dirty(&mem, 1), 0);
	assert_int_equal(guest_mem_take_dirty(&mem, 3), 1ull << 63);
	assert_int_equal(guest_mem_take_dirty(&mem, 4), 0);    /* past the bitmap */
	guest_mem_unmap(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_ram_is_one_region),
		cmocka_unit_test(large_ram_skips_the_hole),
		cmocka_unit_test(pointers_are_bounds_checked),
		cmocka_unit_test(device_writes_mark_pages_dirty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
