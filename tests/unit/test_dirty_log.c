/* The dirty page bookkeeping that needs no KVM: harvesting a dirty ring
 * into the RAM bitmap, and splitting a page range into the per-slot,
 * 64-page-aligned KVM_CLEAR_DIRTY_LOG calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kvm/dirty_log.h"
#include "kvm/kvm_sys.h"

#define GIB (1ull << 30)

/* Two slots, as a 5 GiB guest has: 3 GiB below the hole, 2 GiB above. */
static struct guest_mem two_slots(void)
{
	struct guest_mem mem = { .total_bytes = 5 * GIB, .nr_regions = 2 };

	mem.regions[0] = (struct mem_region){ .gpa = 0, .size_bytes = 3 * GIB };
	mem.regions[1] = (struct mem_region){ .gpa = 4 * GIB, .size_bytes = 2 * GIB };
	return mem;
}

static int bit(const uint64_t *map, uint64_t page)
{
	return map[page / 64] >> (page % 64) & 1;
}

static void push(struct kvm_dirty_gfn *g, uint32_t slot, uint64_t offset)
{
	g->slot = slot;
	g->offset = offset;
	g->flags = KVM_DIRTY_GFN_F_DIRTY;
}

static void ring_harvest_in_order(void **state)
{
	static struct kvm_dirty_gfn gfns[8];
	static uint64_t map[5 * GIB / 4096 / 64];
	struct guest_mem mem = two_slots();
	struct dirty_ring ring = { .gfns = gfns, .entries = 8 };
	uint64_t slot1 = 3 * GIB / 4096;

	memset(gfns, 0, sizeof(gfns));
	push(&gfns[0], 0, 5);
	push(&gfns[1], 1, 7);                   /* above the hole: after slot 0's pages */
	push(&gfns[2], 0, 5);                   /* twice is fine */
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 3);
	assert_true(bit(map, 5));
	assert_true(bit(map, slot1 + 7));
	assert_false(bit(map, 7));
	/* collected entries are handed back for KVM_RESET_DIRTY_RINGS */
	assert_int_equal(gfns[0].flags, KVM_DIRTY_GFN_F_RESET);
	assert_int_equal(gfns[2].flags, KVM_DIRTY_GFN_F_RESET);
	assert_int_equal(ring.fetch, 3);
	/* nothing new: nothing taken; then it wraps around the end */
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 0);
	for (unsigned i = 3; i < 8; i++)
		push(&gfns[i], 0, 100 + i);
	gfns[0].flags = 0;
	push(&gfns[0], 0, 200);
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 6);
	assert_true(bit(map, 107) && bit(map, 200));
	assert_int_equal(ring.fetch, 9);
}

static void ring_skips_bad_entries(void **state)
{
	static struct kvm_dirty_gfn gfns[4];
	static uint64_t map[5 * GIB / 4096 / 64];
	struct guest_mem mem = two_slots();
	struct dirty_ring ring = { .gfns = gfns, .entries = 4 };

	memset(map, 0, sizeof(map));
	push(&gfns[0], 2, 0);                           /* no such slot */
	push(&gfns[1], 1, 2 * GIB / 4096);              /* past slot 1's end */
	push(&gfns[2], 1u << 16, 3);                    /* SMM address space */
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 3);
	for (size_t w = 0; w < sizeof(map) / 8; w++)
		assert_int_equal(map[w], 0);
}

/* KVM 6.1 on shadow page tables can push into a full ring (issue 26): a
 * harvest that finds every entry dirty, or a reset that gives back fewer
 * entries than were collected, is the sign; a ring with room is not. */
static void ring_overflow_seen(void **state)
{
	static struct kvm_dirty_gfn gfns[8];
	static uint64_t map[5 * GIB / 4096 / 64];
	struct guest_mem mem = two_slots();
	struct dirty_ring ring = { .gfns = gfns, .entries = 8 };

	(void)state;
	for (unsigned i = 0; i < 7; i++)
		push(&gfns[i], 0, i);
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 7);
	assert_false(dirty_ring_reset_done(&ring, 7, 7));       /* all given back */
	for (unsigned i = 0; i < 8; i++)
		push(&gfns[(7 + i) % 8], 0, 100 + i);
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 8);
	assert_true(ring.overflowed);                           /* a full ring */

	ring = (struct dirty_ring){ .gfns = gfns, .entries = 8 };
	memset(gfns, 0, sizeof(gfns));
	push(&gfns[0], 0, 1);
	push(&gfns[1], 0, 2);
	assert_int_equal(dirty_ring_harvest(&ring, &mem, map), 2);
	assert_true(dirty_ring_reset_done(&ring, 2, 1));        /* KVM stopped early */
}

/* The ring is refused where KVM shadows page tables: the module
 * parameters' words for off */
static void shadow_paging_words(void **state)
{
	(void)state;
	assert_true(kvm_param_off("N\n"));
	assert_true(kvm_param_off("0\n"));
	assert_false(kvm_param_off("Y\n"));
	assert_false(kvm_param_off("1\n"));
}

static void clear_spans(void **state)
{
	struct guest_mem mem = two_slots();
	struct kvm_clear_dirty_log s[2];
	uint64_t slot0_pages = 3 * GIB / 4096;

	/* inside slot 0, unaligned: widened to 64 pages each way */
	assert_int_equal(dirty_clear_spans(&mem, 70, 10, s), 1);
	assert_int_equal(s[0].slot, 0);
	assert_int_equal(s[0].first_page, 64);
	assert_int_equal(s[0].num_pages, 64);
	/* across the hole: two calls, the second from slot 1's start */
	assert_int_equal(dirty_clear_spans(&mem, slot0_pages - 64, 128, s), 2);
	assert_int_equal(s[0].slot, 0);
	assert_int_equal(s[0].first_page, slot0_pages - 64);
	assert_int_equal(s[0].num_pages, 64);
	assert_int_equal(s[1].slot, 1);
	assert_int_equal(s[1].first_page, 0);
	assert_int_equal(s[1].num_pages, 64);
	/* the last pages: not past the slot's end */
	assert_int_equal(dirty_clear_spans(&mem, 5 * GIB / 4096 - 10, 10, s), 1);
	assert_int_equal(s[0].first_page + s[0].num_pages, 2 * GIB / 4096);
	/* past RAM: none */
	assert_int_equal(dirty_clear_spans(&mem, 5 * GIB / 4096, 64, s), 0);
}

static void method_names(void **state)
{
	enum dirty_method m;

	assert_int_equal(dirty_method_parse("dirty-ring", &m), 0);
	assert_int_equal(m, DIRTY_RING);
	assert_int_equal(dirty_method_parse("dirty-log-clear", &m), 0);
	assert_int_equal(m, DIRTY_LOG_CLEAR);
	assert_string_equal(dirty_method_name(DIRTY_LOG), "dirty-log");
	assert_int_equal(dirty_method_parse("ring", &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_harvest_in_order),
		cmocka_unit_test(ring_skips_bad_entries),
		cmocka_unit_test(ring_overflow_seen),
		cmocka_unit_test(shadow_paging_words),
		cmocka_unit_test(clear_spans),
		cmocka_unit_test(method_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
