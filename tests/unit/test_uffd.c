/* userfaultfd (kvm/uffd.c) on real anonymous memory, as post-copy's
 * destination uses it: a thread touching a page that has not arrived
 * waits until the fault thread places it, then reads what was placed;
 * zero pages; a page placed twice is refused (-EEXIST) and keeps its
 * first bytes; the faulting thread's id comes with the fault. Needs
 * userfaultfd (root, as in CI); without it, the refusal's line must name
 * the sysctl and the capability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm/uffd.h"

#define PAGE 4096u

static uint8_t *ram;
static _Atomic uint32_t toucher_tid;

static void *touch(void *arg)
{
	uint64_t page = (uintptr_t)arg;

	atomic_store(&toucher_tid, (uint32_t)syscall(SYS_gettid));
	return (void *)(uintptr_t)ram[page * PAGE + 100];   /* waits for the page */
}

/* One fault, from the thread touching page: placed with byte fill (or zero). */
static uint8_t serve_one(int fd, uint64_t page, int fill)
{
	static uint8_t src[PAGE];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	pthread_t t;
	uint64_t addr;
	uint32_t tid;
	void *got;

	assert_int_equal(pthread_create(&t, NULL, touch, (void *)(uintptr_t)page), 0);
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(uffd_read_fault(fd, &addr, &tid), 1);
	assert_ptr_equal((void *)(uintptr_t)addr, ram + page * PAGE);
	if (fill < 0) {
		assert_int_equal(uffd_place_zero(fd, ram + page * PAGE), 0);
	} else {
		memset(src, fill, sizeof(src));
		assert_int_equal(uffd_place(fd, ram + page * PAGE, src), 0);
	}
	pthread_join(t, &got);
	assert_int_equal(tid, atomic_load(&toucher_tid));
	return (uint8_t)(uintptr_t)got;
}

static void faults_wait_for_their_page(void **state)
{
	char why[400];
	uint8_t again[PAGE];
	uint64_t addr;
	uint32_t tid;
	int fd = uffd_open(why, sizeof(why));

	if (fd < 0) {
		/* not allowed here: the line must say what would allow it */
		assert_non_null(strstr(why, "vm.unprivileged_userfaultfd"));
		assert_non_null(strstr(why, "CAP_SYS_PTRACE"));
		skip();
	}
	ram = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(ram, MAP_FAILED);
	assert_int_equal(uffd_register(fd, ram, 8 * PAGE), 0);
	assert_int_equal(uffd_read_fault(fd, &addr, &tid), 0);     /* nothing yet */
	assert_int_equal(serve_one(fd, 3, 0xab), 0xab);
	assert_int_equal(serve_one(fd, 5, -1), 0);
	/* placed twice: refused, the first bytes stay */
	memset(again, 0x11, sizeof(again));
	assert_int_equal(uffd_place(fd, ram + 3 * PAGE, again), -EEXIST);
	assert_int_equal(ram[3 * PAGE + 7], 0xab);
	assert_int_equal(uffd_place_zero(fd, ram + 5 * PAGE), -EEXIST);
	/* a page placed before anyone touched it: no fault at all */
	assert_int_equal(uffd_place(fd, ram + 6 * PAGE, again), 0);
	assert_int_equal(ram[6 * PAGE + 4095], 0x11);
	assert_int_equal(uffd_read_fault(fd, &addr, &tid), 0);
	munmap(ram, 8 * PAGE);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(faults_wait_for_their_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
