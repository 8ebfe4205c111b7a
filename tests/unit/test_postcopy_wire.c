/* Post-copy's foundations (migrate/page_set.c, migrate/postcopy_wire.c):
 * the page-request protocol checked against RAM's size, the page set that
 * lets exactly one thread win each page (no page requested or placed
 * twice), and the recovery handshake over a fake transport (a socketpair):
 * the source learns exactly which pages to send again, and refuses a
 * bitmap that is corrupt, of another size, or cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xxhash.h>

#include "base/le_bytes.h"
#include "migrate/postcopy_wire.h"

#define PAGES 1000u     /* not a multiple of 64: the last word is partial */

static int decode(uint32_t type, uint32_t count, uint64_t arg, char *err)
{
	uint8_t b[PC_MSG_BYTES];
	struct pc_msg m;

	pc_msg_encode(&(struct pc_msg){ .type = type, .count = count, .arg = arg }, b);
	return pc_msg_decode(b, PAGES, &m, err, 200);
}

static void requests_are_checked_against_ram(void **state)
{
	char err[200];

	assert_int_equal(decode(PC_MSG_REQUEST, 1, 0, err), 0);
	assert_int_equal(decode(PC_MSG_REQUEST, 1, PAGES - 1, err), 0);
	assert_int_equal(decode(PC_MSG_REQUEST, PC_MAX_REQUEST_PAGES, PAGES - PC_MAX_REQUEST_PAGES,
				err), 0);
	assert_int_equal(decode(PC_MSG_REQUEST, 1, PAGES, err), -1);
	assert_string_equal(err, "page request for pages 1000+1, past RAM's 1000");
	assert_int_equal(decode(PC_MSG_REQUEST, 2, PAGES - 1, err), -1);
	/* an offset that wraps around is past the end too */
	assert_int_equal(decode(PC_MSG_REQUEST, 16, UINT64_MAX - 7, err), -1);
	assert_int_equal(decode(PC_MSG_REQUEST, 0, 5, err), -1);
	assert_string_equal(err, "page request for 0 pages (1 to 512)");
	assert_int_equal(decode(PC_MSG_REQUEST, PC_MAX_REQUEST_PAGES + 1, 0, err), -1);
	assert_int_equal(decode(PC_MSG_RECV_BITMAP, 0, PAGES, err), 0);
	assert_int_equal(decode(PC_MSG_RECV_BITMAP, 0, PAGES + 1, err), -1);
	assert_string_equal(err, "received-page bitmap of 1001 pages; RAM has 1000");
	assert_int_equal(decode(PC_MSG_DONE, 0, 0, err), 0);
	assert_int_equal(decode(PC_MSG_DONE, 1, 0, err), -1);
	assert_int_equal(decode(PC_MSG_RUNNING, 0, 0, err), 0);
	assert_int_equal(decode(PC_MSG_RUNNING, 0, 9, err), -1);
	assert_string_equal(err, "malformed post-copy message type 4");
	assert_int_equal(decode(77, 0, 0, err), -1);
	assert_string_equal(err, "unknown post-copy message type 77");
}

static void page_headers_are_checked_against_ram(void **state)
{
	uint8_t b[PC_MSG_BYTES];
	uint64_t page;
	uint32_t type;
	char err[200];

	pc_page_encode(PC_PAGE_DATA, PAGES - 1, b);
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), 0);
	assert_int_equal(type, PC_PAGE_DATA);
	assert_int_equal(page, PAGES - 1);
	pc_page_encode(PC_PAGE_ZERO, PAGES, b);
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), -1);
	assert_string_equal(err, "page 1000 past RAM's 1000 pages");
	pc_page_encode(PC_PAGE_END, 0, b);
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), 0);
	pc_page_encode(PC_PAGE_END, 3, b);
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), -1);
	pc_page_encode(PC_PAGE_DATA, 1, b);
	b[5] = 1;                               /* the reserved word */
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), -1);
	pc_page_encode(9, 1, b);
	assert_int_equal(pc_page_decode(b, PAGES, &type, &page, err, sizeof(err)), -1);
}

static struct page_set shared;
static _Atomic unsigned won[PAGES];

static void *claim_all(void *arg)
{
	for (unsigned p = 0; p < PAGES; p++)
		if (page_set_claim(&shared, p))
			atomic_fetch_add(&won[p], 1);
	return NULL;
}

static void each_page_is_won_once(void **state)
{
	pthread_t t[4];

	assert_int_equal(page_set_init(&shared, PAGES), 0);
	for (int round = 0; round < 20; round++) {
		memset((void *)shared.words, 0, page_set_words(PAGES) * 8);
		memset(won, 0, sizeof(won));
		for (int i = 0; i < 4; i++)
			assert_int_equal(pthread_create(&t[i], NULL, claim_all, NULL), 0);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		for (unsigned p = 0; p < PAGES; p++)
			assert_int_equal(won[p], 1);
		assert_int_equal(page_set_count(&shared), PAGES);
	}
	assert_false(page_set_claim(&shared, PAGES));   /* past the end: nobody wins */
	assert_false(page_set_has(&shared, PAGES));
	assert_int_equal(page_set_next_missing(&shared, 0), PAGES);
	page_set_free(&shared);
}

static void next_missing_walks_the_gaps(void **state)
{
	struct page_set s;

	assert_int_equal(page_set_init(&s, PAGES), 0);
	for (unsigned p = 0; p < 130; p++)
		page_set_claim(&s, p);
	page_set_claim(&s, 131);
	assert_int_equal(page_set_next_missing(&s, 0), 130);
	assert_int_equal(page_set_next_missing(&s, 131), 132);
	for (unsigned p = 132; p < PAGES; p++)
		page_set_claim(&s, p);
	assert_int_equal(page_set_next_missing(&s, 131), PAGES);
	assert_int_equal(page_set_next_missing(&s, 0), 130);
	assert_int_equal(page_set_count(&s), PAGES - 1);
	page_set_free(&s);
}

/* --- recovery over a fake transport --- */

static void pages_to_send_again(const uint64_t *words, struct page_set *want_missing)
{
	for (unsigned p = 0; p < PAGES; p++)
		assert_int_equal(!(words[p / 64] >> (p % 64) & 1), page_set_has(want_missing, p));
}

static void recovery_tells_the_source_what_is_missing(void **state)
{
	struct page_set received, missing;
	uint64_t words[(PAGES + 63) / 64];
	struct pc_msg m;
	char err[200];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(page_set_init(&received, PAGES), 0);
	assert_int_equal(page_set_init(&missing, PAGES), 0);
	for (unsigned p = 0; p < PAGES; p++)
		if (p % 3 == 0 || p > 900)
			page_set_claim(&received, p);
		else
			page_set_claim(&missing, p);
	assert_int_equal(pc_send_recv_bitmap(sv[0], &received, err, sizeof(err)), 0);
	assert_int_equal(pc_recv_msg(sv[1], PAGES, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, PC_MSG_RECV_BITMAP);
	assert_int_equal(pc_recv_bitmap_words(sv[1], PAGES, words, err, sizeof(err)), 0);
	pages_to_send_again(words, &missing);
	page_set_free(&received);
	page_set_free(&missing);
	close(sv[0]);
	close(sv[1]);
}

/* the handshake's bytes as sent, for tampering */
static size_t handshake_bytes(uint8_t *buf, size_t len)
{
	struct page_set received;
	char err[200];
	int sv[2];
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(page_set_init(&received, PAGES), 0);
	page_set_claim(&received, 7);
	assert_int_equal(pc_send_recv_bitmap(sv[0], &received, err, sizeof(err)), 0);
	close(sv[0]);
	n = read(sv[1], buf, len);
	close(sv[1]);
	page_set_free(&received);
	return (size_t)n;
}

static int source_reads(const uint8_t *buf, size_t n, char *err)
{
	uint64_t words[(PAGES + 63) / 64];
	struct pc_msg m;
	int sv[2], r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], buf, n), (ssize_t)n);
	close(sv[0]);
	r = pc_recv_msg(sv[1], PAGES, &m, err, 200);
	if (!r)
		r = pc_recv_bitmap_words(sv[1], PAGES, words, err, 200);
	close(sv[1]);
	return r;
}

static void a_bad_handshake_is_refused(void **state)
{
	uint8_t buf[4096], bad[4096];
	size_t n = handshake_bytes(buf, sizeof(buf));
	char err[200];

	assert_int_equal(n, PC_MSG_BYTES + 16 * 8 + 8);
	assert_int_equal(source_reads(buf, n, err), 0);
	/* a flipped bit in the bitmap */
	memcpy(bad, buf, n);
	bad[PC_MSG_BYTES + 3] ^= 0x10;
	assert_int_equal(source_reads(bad, n, err), -1);
	assert_string_equal(err, "received-page bitmap: checksum mismatch");
	/* another RAM size */
	memcpy(bad, buf, n);
	le_put(bad + 8, PAGES + 64, 8);
	assert_int_equal(source_reads(bad, n, err), -1);
	assert_string_equal(err, "received-page bitmap of 1064 pages; RAM has 1000");
	/* cut short: the link broke again */
	assert_int_equal(source_reads(buf, n - 9, err), -1);
	assert_string_equal(err, "post-copy link: closed by the peer");
	/* pages past RAM's end, with a checksum that fits them */
	memcpy(bad, buf, n);
	le_put(bad + PC_MSG_BYTES + 15 * 8, 1ull << 63, 8);
	le_put(bad + PC_MSG_BYTES + 16 * 8, XXH64(bad + PC_MSG_BYTES, 16 * 8, 0), 8);
	assert_int_equal(source_reads(bad, n, err), -1);
	assert_string_equal(err, "received-page bitmap: pages past RAM's end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_are_checked_against_ram),
		cmocka_unit_test(page_headers_are_checked_against_ram),
		cmocka_unit_test(each_page_is_won_once),
		cmocka_unit_test(next_missing_walks_the_gaps),
		cmocka_unit_test(recovery_tells_the_source_what_is_missing),
		cmocka_unit_test(a_bad_handshake_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
