/* Post-copy's two sides end to end, without KVM (migrate/postcopy_src.c,
 * migrate/postcopy_dest.c): a source's 8 MiB of "guest RAM" (data pages
 * and zero pages), a destination that has the pages not owed already and
 * stale bytes in the owed ones, userfaultfd on real memory, sockets
 * between them. Threads touch owed pages at random while the background
 * streams: every touch waits for its page and sees the source's bytes,
 * the destination ends byte for byte the source's, each owed page placed
 * once, and the source hears "running" and "done". With postcopy-preempt
 * (two connections) and without (one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kvm/guest_mem.h"
#include "kvm/uffd.h"
#include "migrate/postcopy_dest.h"
#include "migrate/postcopy_src.h"
#include "migrate/postcopy_wire.h"
#include "migrate/transport.h"
#include "vm/vm.h"

#define PAGES 2048u
#define BYTES ((uint64_t)PAGES * GUEST_PAGE_BYTES)

static struct guest_mem src_mem, dst_mem;
static uint64_t need[PAGES / 64];
static struct vm fake_vm;
static _Atomic bool told_running;
static _Atomic uint64_t max_bw;

static uint8_t *map(void)
{
	uint8_t *p = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(p, MAP_FAILED);
	return p;
}

static bool is_owed(uint64_t p)
{
	return need[p / 64] >> (p % 64) & 1;
}

/* the source's RAM: page p holds p's number (every 5th page is zero); 3
 * pages in 4 are owed; the destination has the others, and junk where
 * the owed ones are (what an earlier round sent, stale now) */
static void setup_memory(void)
{
	src_mem = (struct guest_mem){ .base_hva = map(), .total_bytes = BYTES };
	dst_mem = (struct guest_mem){ .base_hva = map(), .total_bytes = BYTES };
	memset(need, 0, sizeof(need));
	for (uint64_t p = 0; p < PAGES; p++) {
		uint64_t *words = (uint64_t *)(src_mem.base_hva + p * GUEST_PAGE_BYTES);

		if (p % 5)
			for (unsigned i = 0; i < GUEST_PAGE_BYTES / 8; i++)
				words[i] = p * 1000003 + i;
		if (p % 4) {
			need[p / 64] |= 1ull << (p % 64);
			memset(dst_mem.base_hva + p * GUEST_PAGE_BYTES, 0x5a, GUEST_PAGE_BYTES);
		} else {
			memcpy(dst_mem.base_hva + p * GUEST_PAGE_BYTES, words, GUEST_PAGE_BYTES);
		}
	}
}

static void on_running(void *ctx)
{
	atomic_store(&told_running, true);
}

struct src_run {
	int main_fd, fast_fd, result;
	struct postcopy_src ps;
	char err[256];
};

static void *source(void *arg)
{
	struct src_run *s = arg;

	s->result = pc_src_run(&s->ps, &src_mem, need, s->main_fd, s->fast_fd, &max_bw, on_running,
			       NULL, s->err, sizeof(s->err));
	return NULL;
}

static _Atomic unsigned wrong_touches;

/* a guest thread: owed pages, at random, each compared with the source */
static void *toucher(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	for (int i = 0; i < 300; i++) {
		uint64_t p = (uint64_t)rand_r(&seed) % PAGES;

		if (memcmp(dst_mem.base_hva + p * GUEST_PAGE_BYTES,
			   src_mem.base_hva + p * GUEST_PAGE_BYTES, GUEST_PAGE_BYTES))
			atomic_fetch_add(&wrong_touches, 1);
	}
	return NULL;
}

static int fast_pair(int *listen_fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int c;

	/* an abstract name, unique per process */
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "meridian-test-pc-%d", getpid());
	*listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(*listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(*listen_fd, 1), 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(c, MIG_FAST_HELLO, 8), 8);
	return c;
}

static void run(bool preempt, struct postcopy_dest_info *info_out)
{
	struct postcopy_dest pd;
	struct postcopy_dest_info info;
	struct src_run s = { .fast_fd = -1 };
	pthread_t src_thread, touch[3];
	uint8_t msg[PC_MSG_BYTES];
	int sv[2], listen_fd = -1;
	char err[300];

	setup_memory();
	atomic_store(&told_running, false);
	atomic_store(&wrong_touches, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	s.main_fd = sv[0];
	if (preempt)
		s.fast_fd = fast_pair(&listen_fd);
	pc_dest_init(&pd, &fake_vm, &dst_mem);
	assert_int_equal(pc_dest_advise(&pd, preempt, err, sizeof(err)), 0);
	/* what the switch section says (pc_dest_get_switch's result) */
	pd.need = malloc(sizeof(need));
	memcpy(pd.need, need, sizeof(need));
	pd.nr_pages = PAGES;
	for (unsigned w = 0; w < PAGES / 64; w++)
		pd.nr_need += (uint64_t)__builtin_popcountll(need[w]);
	assert_int_equal(pthread_create(&src_thread, NULL, source, &s), 0);
	assert_int_equal(pc_dest_begin(&pd, sv[1], listen_fd, NULL, 0, err, sizeof(err)), 0);
	pc_msg_encode(&(struct pc_msg){ .type = PC_MSG_RUNNING }, msg);
	assert_int_equal(pc_dest_write(&pd, msg, sizeof(msg)), 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&touch[i], NULL, toucher, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 3; i++)
		pthread_join(touch[i], NULL);
	assert_int_equal(pc_dest_wait(&pd, err, sizeof(err)), 0);
	pthread_join(src_thread, NULL);
	assert_int_equal(s.result, 0);
	assert_true(atomic_load(&told_running));
	assert_int_equal(atomic_load(&wrong_touches), 0);
	pc_dest_info(&pd, &info);
	assert_int_equal(info.placed_pages, info.owed_pages);
	assert_int_equal(info.owed_pages, PAGES - PAGES / 4);
	*info_out = info;
	pc_dest_end(&pd);
	/* every page as the source has it: owed ones placed, the rest kept */
	for (uint64_t p = 0; p < PAGES; p++)
		if (memcmp(dst_mem.base_hva + p * GUEST_PAGE_BYTES,
			   src_mem.base_hva + p * GUEST_PAGE_BYTES, GUEST_PAGE_BYTES))
			fail_msg("page %llu (%s) differs", (unsigned long long)p,
				 is_owed(p) ? "owed" : "kept");
	assert_int_equal(atomic_load(&s.ps.pages_sent), PAGES - PAGES / 4);
	close(sv[0]);
	close(sv[1]);
	if (listen_fd >= 0)
		close(listen_fd);
	munmap(src_mem.base_hva, BYTES);
	munmap(dst_mem.base_hva, BYTES);
}

static bool have_uffd(void)
{
	char why[400];
	int fd = uffd_open(why, sizeof(why));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void two_connections(void **state)
{
	struct postcopy_dest_info info;

	if (!have_uffd())
		skip();
	run(true, &info);
}

static void one_connection(void **state)
{
	struct postcopy_dest_info info;

	if (!have_uffd())
		skip();
	run(false, &info);
}

/* the background capped at 4 MiB/s still ends, and requested pages pass it */
static void capped_background(void **state)
{
	struct postcopy_dest_info info;

	if (!have_uffd())
		skip();
	atomic_store(&max_bw, 4u << 20);
	run(true, &info);
	atomic_store(&max_bw, 0);
	/* 6 MiB at 4 MiB/s: the touches came first, and were asked for */
	assert_true(info.faults > 0);
	assert_true(info.requests > 0);
	assert_true(info.latency_median_us > 0);
}

/* a destination that fails before it runs the guest says why; the
 * source shows that line (and its guest may run on: not running there) */
static void a_refusal_is_shown(void **state)
{
	struct src_run s = { .fast_fd = -1 };
	const char line[] = MIG_FAIL "KVM_SET_MSRS: Invalid argument\n";
	pthread_t t;
	int sv[2];

	setup_memory();
	atomic_store(&told_running, false);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	s.main_fd = sv[0];
	assert_int_equal(write(sv[1], line, sizeof(line) - 1), (ssize_t)sizeof(line) - 1);
	/* (the destination keeps the connection and reads nothing: the
	 * background must not hang on it) */
	assert_int_equal(pthread_create(&t, NULL, source, &s), 0);
	pthread_join(t, NULL);
	assert_int_equal(s.result, -1);
	assert_false(atomic_load(&told_running));
	assert_string_equal(s.err, "the destination refused: KVM_SET_MSRS: Invalid argument");
	close(sv[0]);
	close(sv[1]);
	munmap(src_mem.base_hva, BYTES);
	munmap(dst_mem.base_hva, BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_connections),
		cmocka_unit_test(one_connection),
		cmocka_unit_test(capped_background),
		cmocka_unit_test(a_refusal_is_shown),
	};

	signal(SIGPIPE, SIG_IGN);       /* as meridian: a peer gone is an error, not death */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
