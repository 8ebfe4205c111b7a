/* Guest RAM through the stream: plain, zero and zstd runs come back as
 * they went, only the pages asked for go, and corrupt RAM sections are
 * refused with a line that says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/ram_pages.h"
#include "migrate/stream.h"

#define PAGES 1024u
#define PAGE 4096u

static char err[256];

static struct guest_mem new_mem(void)
{
	struct guest_mem m = { .total_bytes = PAGES * PAGE, .nr_regions = 1 };

	m.base_hva = calloc(PAGES, PAGE);
	m.regions[0] = (struct mem_region){ .size_bytes = m.total_bytes, .hva = m.base_hva };
	return m;
}

/* Text-like data (compressible), random data (not), zero pages. */
static void fill(struct guest_mem *m)
{
	srand(7);
	for (unsigned p = 0; p < PAGES; p++) {
		uint8_t *d = m->base_hva + (size_t)p * PAGE;

		if (p % 3 == 0)
			continue;
		for (unsigned i = 0; i < PAGE; i++)
			d[i] = p % 3 == 1 ? (uint8_t)("meridian"[i % 8] + p) : (uint8_t)rand();
	}
}

/* Sends the pages of bitmap (NULL: all) to a file, reads them into dst. */
static int send_and_load(struct guest_mem *src, struct guest_mem *dst, const uint64_t *bitmap,
			 int level, struct ram_stats *st)
{
	static struct mig_stream w, r;
	struct ram_sender s = { .w = &w, .mem = src, .send_zero = true, .zstd_level = level };
	char path[] = "/tmp/meridian-ram-XXXXXX";
	int fd = mkstemp(path), res = 0;

	unlink(path);
	mig_writer_init(&w, fd);
	ram_put_pages(&s, bitmap, 0, PAGES);
	mig_put_end(&w);
	*st = s.st;
	ram_sender_free(&s);
	lseek(fd, 0, SEEK_SET);
	mig_reader_init(&r, fd);
	for (;;) {
		uint32_t type, id, version, len;
		int k = mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err));

		if (k)
			break;
		res = ram_get_section(&r, dst, type, len, err, sizeof(err));
		if (res)
			break;
	}
	close(fd);
	return res;
}

static void plain_round_trip(void **state)
{
	struct guest_mem a = new_mem(), b = new_mem();
	struct ram_stats st;

	fill(&a);
	memset(b.base_hva, 0xee, b.total_bytes);        /* zero pages must be zeroed */
	assert_int_equal(send_and_load(&a, &b, NULL, 0, &st), 0);
	assert_memory_equal(a.base_hva, b.base_hva, a.total_bytes);
	assert_int_equal(st.zero_pages, (PAGES + 2) / 3);
	assert_int_equal(st.normal_pages, PAGES - (PAGES + 2) / 3);
	assert_int_equal(st.zstd_in_bytes, 0);
	free(a.base_hva);
	free(b.base_hva);
}

static void zstd_round_trip(void **state)
{
	struct guest_mem a = new_mem(), b = new_mem();
	struct ram_stats st;

	fill(&a);
	assert_int_equal(send_and_load(&a, &b, NULL, 3, &st), 0);
	assert_memory_equal(a.base_hva, b.base_hva, a.total_bytes);
	/* runs of text-like and random pages: about half of it compresses */
	assert_true(st.zstd_in_bytes > 0);
	assert_true(st.zstd_out_bytes < st.zstd_in_bytes * 2 / 3);
	free(a.base_hva);
	free(b.base_hva);
}

static void only_the_bitmap(void **state)
{
	struct guest_mem a = new_mem(), b = new_mem();
	uint64_t bitmap[PAGES / 64] = { 0 };
	struct ram_stats st;

	memset(a.base_hva, 0x11, a.total_bytes);
	bitmap[0] = 1ull << 5;
	bitmap[3] = 1ull << 63;
	assert_int_equal(send_and_load(&a, &b, bitmap, 0, &st), 0);
	for (unsigned p = 0; p < PAGES; p++)
		assert_int_equal(b.base_hva[(size_t)p * PAGE + 9], p == 5 || p == 255 ? 0x11 : 0);
	assert_int_equal(st.normal_pages, 2);
	free(a.base_hva);
	free(b.base_hva);
}

/* A stream with one hand-made RAM section; returns ram_get_section's result. */
static int load_section(uint32_t type, uint64_t first, uint32_t count, const void *data,
			uint32_t data_len)
{
	static struct mig_stream w, r;
	struct guest_mem m = new_mem();
	char path[] = "/tmp/meridian-ram-XXXXXX";
	int fd = mkstemp(path), res;
	uint32_t t, id, version, len;

	unlink(path);
	mig_writer_init(&w, fd);
	mig_put_section(&w, type, 0, 1, 12 + data_len);
	mig_put_u64(&w, first);
	mig_put_u32(&w, count);
	mig_put(&w, data, data_len);
	mig_put_end(&w);
	lseek(fd, 0, SEEK_SET);
	mig_reader_init(&r, fd);
	err[0] = 0;
	res = mig_get_section(&r, &t, &id, &version, &len, err, sizeof(err));
	if (!res)
		res = ram_get_section(&r, &m, t, len, err, sizeof(err));
	close(fd);
	free(m.base_hva);
	return res;
}

static void corrupt_sections(void **state)
{
	static uint8_t junk[4 * PAGE];

	memset(junk, 0x5a, sizeof(junk));
	/* a run past RAM's end */
	assert_int_equal(load_section(MIG_SEC_RAM, PAGES - 1, 2, junk, 2 * PAGE), -2);
	assert_non_null(strstr(err, "do not fit"));
	/* a length that does not match the count */
	assert_int_equal(load_section(MIG_SEC_RAM, 0, 2, junk, PAGE), -2);
	/* a zstd frame that is not one */
	assert_int_equal(load_section(MIG_SEC_RAM_ZSTD, 0, 4, junk, 100), -2);
	assert_non_null(strstr(err, "does not unpack"));
	/* a zero run with a payload */
	assert_int_equal(load_section(MIG_SEC_RAM_ZERO, 0, 1, junk, 4), -2);
	/* no pages at all */
	assert_int_equal(load_section(MIG_SEC_RAM, 0, 0, junk, 0), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_round_trip),
		cmocka_unit_test(zstd_round_trip),
		cmocka_unit_test(only_the_bitmap),
		cmocka_unit_test(corrupt_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
