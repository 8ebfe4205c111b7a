/* virtio-balloon with the test as the guest's driver: inflate releases
 * the pages (they read back as zero: the host took them), deflate and
 * double or foreign entries keep the count right, the target and actual
 * go through the configuration, statistics come in and are asked for
 * again, free page reporting releases what the guest freed, and the state
 * survives a save and load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dev/virtio_balloon.h"
#include "virtio_test_driver.h"

#define QSIZE 8
#define Q_GPA(q) (0x1000 + 0x3000 * (q))       /* desc, avail, used: 4 KiB each */
#define BUF_GPA 0x20000                         /* request buffers */
#define VICTIM_GPA 0x40000                      /* pages given to the balloon */
#define RAM_BYTES (1u << 20)
#define COMMON VT_COMMON
#define DEVICE_CFG VT_DEVICE_CFG
#define NOTIFY VT_NOTIFY

static struct guest_mem mem;
static struct evloop loop;
static struct virtio_balloon b;
static uint16_t next_avail[4];
static uint64_t actual_seen;

static void *gp(uint64_t gpa, uint64_t len) { return guest_mem_ptr(&mem, gpa, len); }

static void bar_w(uint64_t off, uint64_t v, unsigned len) { vt_write(&b.vp, off, v, len); }
static uint64_t bar_r(uint64_t off, unsigned len) { return vt_read(&b.vp, off, len); }

static void on_actual(void *ctx, uint64_t pages) { actual_seen = pages; }

static int setup(void **state)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop };

	if (!mem.base_hva && guest_mem_map(&mem, RAM_BYTES))
		return -1;
	memset(mem.base_hva, 0, RAM_BYTES);
	memset(next_avail, 0, sizeof(next_avail));
	if (evloop_init(&loop) || virtio_balloon_init(&b, &host, 0xc0000000, true))
		return -1;
	b.on_actual = on_actual;
	vt_negotiate(&b.vp, 1u << 1 | 1u << 5);        /* STATS_VQ, PAGE_REPORTING */
	for (unsigned q = 0; q < 4; q++)
		vt_queue(&b.vp, q, QSIZE, Q_GPA(q), Q_GPA(q) + 0x1000, Q_GPA(q) + 0x2000);
	vt_driver_ok(&b.vp);
	return 0;
}

static int teardown(void **state)
{
	virtio_balloon_destroy(&b);
	evloop_destroy(&loop);
	return 0;
}

static uint16_t used_idx(unsigned q) { return *(uint16_t *)gp(Q_GPA(q) + 0x2000 + 2, 2); }

/* One buffer on queue q, kicked. */
static void offer(unsigned q, uint64_t gpa, uint32_t len, bool device_writes)
{
	uint16_t *avail = gp(Q_GPA(q) + 0x1000, 6 + 2 * QSIZE);
	unsigned d = next_avail[q] % QSIZE;

	*(struct virtq_desc *)gp(Q_GPA(q) + 16 * d, 16) = (struct virtq_desc){
		.addr = gpa, .len = len, .flags = device_writes ? VIRTQ_DESC_F_WRITE : 0 };
	avail[2 + d] = (uint16_t)d;
	avail[1] = ++next_avail[q];
	bar_w(NOTIFY + 4 * q, q, 2);
}

static void pfns(const uint32_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		le_put(gp(BUF_GPA + 4 * i, 4), list[i], 4);
}

static void inflate_releases_pages(void **state)
{
	const uint32_t victims[] = { VICTIM_GPA / 4096, VICTIM_GPA / 4096 + 1, VICTIM_GPA / 4096,
				     0x7fffffff };         /* the same page twice; not RAM */

	memset(gp(VICTIM_GPA, 3 * 4096), 0xab, 3 * 4096);
	pfns(victims, 4);
	offer(0, BUF_GPA, sizeof(victims), false);
	assert_int_equal(used_idx(0), 1);
	assert_int_equal(b.pages.count, 2);
	assert_int_equal(b.bad_pfns, 1);
	/* the host took them: they read as fresh zero pages */
	assert_int_equal(*(uint8_t *)gp(VICTIM_GPA, 1), 0);
	assert_int_equal(*(uint8_t *)gp(VICTIM_GPA + 4096 + 100, 1), 0);
	assert_int_equal(*(uint8_t *)gp(VICTIM_GPA + 2 * 4096, 1), 0xab);     /* not given */
	/* deflate one, and one that was never in */
	pfns((const uint32_t[]){ VICTIM_GPA / 4096 + 1, VICTIM_GPA / 4096 + 5 }, 2);
	offer(1, BUF_GPA, 8, false);
	assert_int_equal(used_idx(1), 1);
	assert_int_equal(b.pages.count, 1);
}

static void target_and_actual(void **state)
{
	uint64_t gen = bar_r(COMMON + 0x15, 1);

	virtio_balloon_set_target(&b, 32768);
	assert_int_equal(bar_r(DEVICE_CFG, 4), 32768);
	assert_int_not_equal(bar_r(COMMON + 0x15, 1), gen);     /* a config change */
	bar_w(DEVICE_CFG + 4, 1000, 4);                         /* the driver's "actual" */
	assert_int_equal(actual_seen, 1000);
	assert_int_equal(bar_r(DEVICE_CFG + 4, 4), 1000);
	bar_w(DEVICE_CFG, 5, 4);                                /* num_pages is not the driver's */
	assert_int_equal(bar_r(DEVICE_CFG, 4), 32768);
}

static void stats_in_and_asked_again(void **state)
{
	uint8_t *rec = gp(BUF_GPA, 30);

	le_put(rec, 4, 2);                      /* MEMFREE */
	le_put(rec + 2, 123456789, 8);
	le_put(rec + 10, 6, 2);                 /* AVAIL */
	le_put(rec + 12, 987654321, 8);
	le_put(rec + 20, 77, 2);                /* a tag from the future: ignored */
	le_put(rec + 22, 1, 8);
	offer(2, BUF_GPA, 30, false);
	assert_int_equal(b.stats[4], 123456789);
	assert_int_equal(b.stats[6], 987654321);
	assert_int_equal(b.stats_seen, 1u << 4 | 1u << 6);
	assert_int_equal(used_idx(2), 0);       /* held */
	virtio_balloon_request_stats(&b);
	assert_int_equal(used_idx(2), 1);       /* handed back: the driver refills it */
	assert_string_equal(virtio_balloon_stat_name(4), "stat-free-memory");
}

static void reporting_releases_free_memory(void **state)
{
	memset(gp(VICTIM_GPA, 2 * 4096), 0xcd, 2 * 4096);
	offer(3, VICTIM_GPA, 2 * 4096, true);
	assert_int_equal(used_idx(3), 1);
	assert_int_equal(b.reported_bytes, 2 * 4096);
	assert_int_equal(*(uint8_t *)gp(VICTIM_GPA + 4096, 1), 0);
}

static void state_round_trip(void **state)
{
	static uint8_t buf[8192];
	char err[200];
	ssize_t n;

	virtio_balloon_set_target(&b, 4096);
	n = virtio_balloon_save(&b, buf, sizeof(buf));
	assert_true(n > 0);
	virtio_balloon_set_target(&b, 1);
	assert_int_equal(virtio_balloon_load(&b, buf, (size_t)n, err, sizeof(err)), n);
	assert_int_equal(bar_r(DEVICE_CFG, 4), 4096);
	assert_int_equal(virtio_balloon_load(&b, buf, (size_t)n - 1, err, sizeof(err)), -1);
}

static void page_bookkeeping(void **state)
{
	struct balloon_pages p;

	assert_int_equal(balloon_pages_init(&p, 100), 0);
	assert_true(balloon_pages_add(&p, 99));
	assert_false(balloon_pages_add(&p, 99));
	assert_false(balloon_pages_add(&p, 100));
	assert_int_equal(p.count, 1);
	assert_false(balloon_pages_remove(&p, 5));
	assert_true(balloon_pages_remove(&p, 99));
	assert_int_equal(p.count, 0);
	balloon_pages_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(inflate_releases_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(target_and_actual, setup, teardown),
		cmocka_unit_test_setup_teardown(stats_in_and_asked_again, setup, teardown),
		cmocka_unit_test_setup_teardown(reporting_releases_free_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(state_round_trip, setup, teardown),
		cmocka_unit_test(page_bookkeeping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
