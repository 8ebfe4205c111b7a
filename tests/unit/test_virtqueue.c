#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dev/virtqueue.h"

/* A simulated guest: 1 MiB of RAM, a queue of 8 with its rings at fixed
 * places and buffers from 64 KiB on. The tests play the driver. */
#define QSIZE 8
#define DESC_GPA  0x1000
#define AVAIL_GPA 0x2000
#define USED_GPA  0x3000
#define BUF_GPA   0x10000
#define RAM_BYTES (1u << 20)

static struct guest_mem mem;
static struct virtq vq;
static char err[200];

static struct virtq_desc *desc(unsigned i)
{
	return guest_mem_ptr(&mem, DESC_GPA + 16 * i, 16);
}

static uint16_t *avail(void)
{
	return guest_mem_ptr(&mem, AVAIL_GPA, 6 + 2 * QSIZE);
}

static uint8_t *used(void)
{
	return guest_mem_ptr(&mem, USED_GPA, 6 + 8 * QSIZE);
}

static void set_desc(struct virtq_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	*d = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* The driver makes chain `head` available. */
static void make_available(uint16_t head)
{
	uint16_t *a = avail();

	a[2 + a[1] % QSIZE] = head;
	a[1]++;
}

static int setup(void **state)
{
	if (!mem.base_hva && guest_mem_map(&mem, RAM_BYTES))
		return -1;
	memset(mem.base_hva, 0, RAM_BYTES);
	memset(&vq, 0, sizeof(vq));
	vq.indirect = true;
	return virtq_enable(&vq, &mem, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA, err, sizeof(err));
}

static void empty_queue_gives_nothing(void **state)
{
	struct virtq_chain c;

	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 0);
}

static void chain_of_readable_then_writable(void **state)
{
	struct virtq_chain c;
	uint32_t elem[2];
	uint16_t used_idx;

	set_desc(desc(3), BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(desc(5), BUF_GPA + 0x1000, 512, VIRTQ_DESC_F_WRITE, 0);
	make_available(3);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.nr_segs, 2);
	assert_ptr_equal(c.segs[0].hva, mem.base_hva + BUF_GPA);
	assert_false(c.segs[0].device_writes);
	assert_true(c.segs[1].device_writes);
	assert_int_equal(c.readable_bytes, 16);
	assert_int_equal(c.writable_bytes, 512);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 0);
	virtq_push(&vq, 3, 100);
	memcpy(&used_idx, used() + 2, 2);
	memcpy(elem, used() + 4, 8);
	assert_int_equal(used_idx, 1);
	assert_int_equal(elem[0], 3);
	assert_int_equal(elem[1], 100);
}

static void indirect_table(void **state)
{
	struct virtq_desc *table = guest_mem_ptr(&mem, BUF_GPA + 0x8000, 3 * 16);
	struct virtq_chain c;

	set_desc(&table[0], BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA + 8, 8, VIRTQ_DESC_F_NEXT, 2);
	set_desc(&table[2], BUF_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(desc(0), BUF_GPA + 0x8000, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_available(0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	assert_int_equal(c.nr_segs, 3);
	assert_int_equal(c.readable_bytes, 16);
	assert_int_equal(c.writable_bytes, 1);
}

/* The driver's chain at head 0 is bad: pop says so once, then nothing. */
static void expect_broken(const char *why)
{
	struct virtq_chain c;

	make_available(0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, why));
	assert_true(vq.broken);
	make_available(1);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 0);
}

static void buffer_outside_ram(void **state)
{
	set_desc(desc(0), RAM_BYTES - 8, 16, 0, 0);
	expect_broken("outside guest RAM");
}

static void buffer_length_wraps(void **state)
{
	set_desc(desc(0), UINT64_MAX - 4, 16, 0, 0);
	expect_broken("outside guest RAM");
}

static void chain_loops(void **state)
{
	set_desc(desc(0), BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(1), BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	expect_broken("loops");
}

static void next_out_of_range(void **state)
{
	set_desc(desc(0), BUF_GPA, 8, VIRTQ_DESC_F_NEXT, QSIZE);
	expect_broken("out of range");
}

static void head_out_of_range(void **state)
{
	struct virtq_chain c;
	uint16_t *a = avail();

	a[2] = 9000;
	a[1] = 1;
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "index 9000 out of range"));
}

static void readable_after_writable(void **state)
{
	set_desc(desc(0), BUF_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(1), BUF_GPA, 8, 0, 0);
	expect_broken("follows a writable");
}

static void indirect_not_negotiated(void **state)
{
	vq.indirect = false;
	set_desc(desc(0), BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken("not negotiated");
}

static void nested_indirect(void **state)
{
	struct virtq_desc *table = guest_mem_ptr(&mem, BUF_GPA, 16);

	set_desc(&table[0], BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(desc(0), BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken("nested indirect");
}

/* The fuzzer's find: an indirect table laid over the descriptor ring, so
 * that it points at itself. */
static void indirect_table_on_the_ring(void **state)
{
	set_desc(desc(0), DESC_GPA, 16 * QSIZE, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken("nested indirect");
}

static void indirect_with_next(void **state)
{
	set_desc(desc(0), BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	expect_broken("NEXT set");
}

static void indirect_bad_length(void **state)
{
	set_desc(desc(0), BUF_GPA, 15, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken("indirect table of 15 bytes");
}

static void overlong_chain(void **state)
{
	unsigned n = VIRTQ_MAX_SEGS + 1;
	struct virtq_desc *table = guest_mem_ptr(&mem, BUF_GPA, 16 * n);

	for (unsigned i = 0; i < n; i++)
		set_desc(&table[i], BUF_GPA, 8, i + 1 < n ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	set_desc(desc(0), BUF_GPA, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken("longer than 256 buffers");
}

static void avail_index_jump(void **state)
{
	struct virtq_chain c;

	avail()[1] = QSIZE + 1;
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "jumped by 9"));
}

static void interrupts_without_event_idx(void **state)
{
	struct virtq_chain c;

	set_desc(desc(0), BUF_GPA, 8, 0, 0);
	make_available(0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	assert_false(virtq_should_notify(&vq));         /* nothing used yet */
	virtq_push(&vq, 0, 0);
	assert_true(virtq_should_notify(&vq));
	make_available(0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	avail()[0] = 1;                                 /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	virtq_push(&vq, 0, 0);
	assert_false(virtq_should_notify(&vq));
}

static void interrupts_with_event_idx(void **state)
{
	struct virtq_chain c;
	uint16_t *used_event = &avail()[2 + QSIZE], avail_event;

	vq.event_idx = true;
	set_desc(desc(0), BUF_GPA, 8, 0, 0);
	*used_event = 0;                /* interrupt when used idx passes 0 */
	virtq_kicks_off(&vq);
	for (int i = 0; i < 3; i++) {
		make_available(0);
		assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	}
	/* while the device works, avail_event stays where it was: no kicks */
	memcpy(&avail_event, used() + 4 + 8 * QSIZE, 2);
	assert_int_equal(avail_event, 0);
	/* done: the device tells the driver how far it has read */
	assert_false(virtq_kicks_on(&vq));
	memcpy(&avail_event, used() + 4 + 8 * QSIZE, 2);
	assert_int_equal(avail_event, 3);
	virtq_push(&vq, 0, 0);
	assert_true(virtq_should_notify(&vq));          /* 0 -> 1 crosses used_event 0 */
	virtq_push(&vq, 0, 0);
	assert_false(virtq_should_notify(&vq));         /* 1 -> 2 does not */
	*used_event = 2;
	virtq_push(&vq, 0, 0);
	assert_true(virtq_should_notify(&vq));          /* 2 -> 3 crosses 2 */
}

/* Without EVENT_IDX: NO_NOTIFY in the used flags while the device works,
 * and kicks_on says when a chain slipped in before the flag was cleared. */
static void kick_suppression_without_event_idx(void **state)
{
	struct virtq_chain c;

	set_desc(desc(0), BUF_GPA, 8, 0, 0);
	virtq_kicks_off(&vq);
	assert_int_equal(*(uint16_t *)used() & 1, 1);
	make_available(0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	make_available(0);              /* the driver adds one more, without a kick */
	assert_true(virtq_kicks_on(&vq));
	assert_int_equal(*(uint16_t *)used() & 1, 0);
	assert_int_equal(virtq_pop(&vq, &c, err, sizeof(err)), 1);
	assert_false(virtq_kicks_on(&vq));
}

static void enable_checks_the_rings(void **state)
{
	struct virtq q = { 0 };

	assert_int_equal(virtq_enable(&q, &mem, 6, DESC_GPA, AVAIL_GPA, USED_GPA, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a power of 2"));
	assert_int_equal(virtq_enable(&q, &mem, 8, RAM_BYTES - 64, AVAIL_GPA, USED_GPA, err,
				      sizeof(err)), -1);
	assert_non_null(strstr(err, "descriptor ring"));
	assert_int_equal(virtq_enable(&q, &mem, 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2, err,
				      sizeof(err)), -1);
	assert_non_null(strstr(err, "not 4-byte aligned"));
	assert_false(q.enabled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(empty_queue_gives_nothing, setup),
		cmocka_unit_test_setup(chain_of_readable_then_writable, setup),
		cmocka_unit_test_setup(indirect_table, setup),
		cmocka_unit_test_setup(buffer_outside_ram, setup),
		cmocka_unit_test_setup(buffer_length_wraps, setup),
		cmocka_unit_test_setup(chain_loops, setup),
		cmocka_unit_test_setup(next_out_of_range, setup),
		cmocka_unit_test_setup(head_out_of_range, setup),
		cmocka_unit_test_setup(readable_after_writable, setup),
		cmocka_unit_test_setup(indirect_not_negotiated, setup),
		cmocka_unit_test_setup(nested_indirect, setup),
		cmocka_unit_test_setup(indirect_table_on_the_ring, setup),
		cmocka_unit_test_setup(indirect_with_next, setup),
		cmocka_unit_test_setup(indirect_bad_length, setup),
		cmocka_unit_test_setup(overlong_chain, setup),
		cmocka_unit_test_setup(avail_index_jump, setup),
		cmocka_unit_test_setup(interrupts_without_event_idx, setup),
		cmocka_unit_test_setup(interrupts_with_event_idx, setup),
		cmocka_unit_test_setup(kick_suppression_without_event_idx, setup),
		cmocka_unit_test_setup(enable_checks_the_rings, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
