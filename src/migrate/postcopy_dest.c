#include "migrate/postcopy_dest.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "base/thread.h"
#include "kvm/guest_mem.h"
#include "kvm/uffd.h"
#include "migrate/postcopy_wire.h"
#include "migrate/stream.h"
#include "migrate/transport.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define ACCEPT_TIMEOUT_MS 10000

void pc_dest_init(struct postcopy_dest *pd, struct vm *vm, struct guest_mem *mem)
{
	memset(pd, 0, sizeof(*pd));
	pd->vm = vm;
	pd->mem = mem;
	pd->uffd = pd->main_fd = pd->fast_fd = pd->stop_fd = -1;
	pthread_mutex_init(&pd->write_lock, NULL);
	pthread_mutex_init(&pd->bt_lock, NULL);
}

static bool owed(const struct postcopy_dest *pd, uint64_t page)
{
	return pd->need[page / 64] >> (page % 64) & 1;
}

static int fail(struct postcopy_dest *pd, const char *why)
{
	if (!atomic_exchange(&pd->failed, true))
		snprintf(pd->err, sizeof(pd->err), "%s", why);
	return -1;
}

int pc_dest_advise(struct postcopy_dest *pd, uint32_t flags, char *err, int err_len)
{
	if (pd->uffd >= 0)
		return snprintf(err, err_len, "post-copy advised twice: corrupt stream"), -1;
	pd->uffd = uffd_open(err, err_len);
	if (pd->uffd < 0)
		return -1;
	pd->preempt = flags & 1;
	return 0;
}

int pc_dest_get_switch(struct postcopy_dest *pd, struct mig_stream *r, uint32_t len,
		       char *err, int err_len)
{
	uint64_t pages = pd->mem->total_bytes / GUEST_PAGE_BYTES, n, words = page_set_words(pages);

	if (pd->uffd < 0 || pd->need)
		return snprintf(err, err_len, "a post-copy switch without its advice: corrupt "
				"stream"), -2;
	if (len != 8 + words * 8 || mig_get_u64(r, &n))
		return -1;
	if (n != pages)
		return snprintf(err, err_len, "post-copy: the source owes pages of %llu, RAM here "
				"has %llu", (unsigned long long)n, (unsigned long long)pages), -2;
	pd->need = calloc(words, 8);
	if (!pd->need)
		return snprintf(err, err_len, "out of memory"), -2;
	if (mig_get(r, pd->need, words * 8))
		return -1;
	if (pages % 64 && pd->need[words - 1] >> (pages % 64))
		return snprintf(err, err_len, "post-copy: owed pages past RAM's end"), -2;
	pd->nr_pages = pages;
	for (uint64_t w = 0; w < words; w++)
		pd->nr_need += (uint64_t)__builtin_popcountll(pd->need[w]);
	return 0;
}

/* --- blocktime: which vCPU waits for which page --- */

static int vcpu_of_tid(const struct postcopy_dest *pd, uint32_t tid)
{
	for (unsigned i = 0; i < pd->vm->nr_vcpus && i < MAX_VCPUS; i++)
		if ((uint32_t)atomic_load(&pd->vm->vcpus[i].tid) == tid)
			return (int)i;
	return -1;
}

static void blocked(struct postcopy_dest *pd, int vcpu, uint64_t page)
{
	uint64_t now = monotonic_us();

	pthread_mutex_lock(&pd->bt_lock);
	if (pd->blocked_page[vcpu] < 0) {
		pd->blocked_page[vcpu] = (int64_t)page;
		pd->blocked_since_us[vcpu] = now;
		if (++pd->nr_blocked == pd->vm->nr_vcpus)
			pd->all_blocked_since_us = now;
	}
	pthread_mutex_unlock(&pd->bt_lock);
}

static void unblocked(struct postcopy_dest *pd, uint64_t page)
{
	uint64_t now = monotonic_us();

	pthread_mutex_lock(&pd->bt_lock);
	for (unsigned i = 0; i < pd->vm->nr_vcpus && i < MAX_VCPUS; i++) {
		if (pd->blocked_page[i] != (int64_t)page)
			continue;
		if (pd->nr_blocked-- == pd->vm->nr_vcpus)
			pd->blocktime_us += now - pd->all_blocked_since_us;
		pd->vcpu_blocktime_us[i] += now - pd->blocked_since_us[i];
		pd->blocked_page[i] = -1;
	}
	pthread_mutex_unlock(&pd->bt_lock);
}

/* --- placing pages --- */

/* A page from the source (data NULL: zero), placed once. 0 or -1. */
static int place(struct postcopy_dest *pd, uint64_t page, const void *data)
{
	uint8_t *hva = pd->mem->base_hva + page * GUEST_PAGE_BYTES;
	uint64_t asked;
	int r;

	if (!owed(pd, page) || !page_set_claim(&pd->placed, page))
		return 0;               /* came on both connections: the first one won */
	r = data ? uffd_place(pd->uffd, hva, data) : uffd_place_zero(pd->uffd, hva);
	if (r && r != -EEXIST) {
		char why[120];

		snprintf(why, sizeof(why), "placing page %llu: %s", (unsigned long long)page,
			 strerror(-r));
		return fail(pd, why);
	}
	asked = atomic_load(&pd->requested_us[page]);
	if (asked) {
		unsigned n = atomic_fetch_add(&pd->nr_latency, 1);

		if (n < PC_LATENCY_SAMPLES)
			atomic_store(&pd->latency_us[n], (uint32_t)(monotonic_us() - asked));
	}
	unblocked(pd, page);
	atomic_fetch_add(&pd->placed_need, 1);
	return 0;
}

/* len bytes from fd; the main connection's first ones from pd->rest. */
static int read_in(struct postcopy_dest *pd, int fd, uint8_t *buf, uint64_t len, char *why,
		   int why_len)
{
	if (fd == pd->main_fd && pd->rest_pos < pd->rest_len) {
		uint64_t k = pd->rest_len - pd->rest_pos < len ? pd->rest_len - pd->rest_pos : len;

		memcpy(buf, pd->rest + pd->rest_pos, k);
		pd->rest_pos += k;
		buf += k;
		len -= k;
	}
	return len ? pc_read_all(fd, buf, len, why, why_len) : 0;
}

/* One page message from fd: 1 placed (or dropped), 0 the end, -1 failure. */
static int read_page(struct postcopy_dest *pd, int fd, uint8_t *buf)
{
	uint8_t h[PC_MSG_BYTES];
	uint64_t page;
	uint32_t type;
	char why[200];

	if (read_in(pd, fd, h, sizeof(h), why, sizeof(why)) ||
	    pc_page_decode(h, pd->nr_pages, &type, &page, why, sizeof(why)))
		return fail(pd, why);
	if (type == PC_PAGE_END)
		return 0;
	if (type == PC_PAGE_DATA && read_in(pd, fd, buf, GUEST_PAGE_BYTES, why, sizeof(why)))
		return fail(pd, why);
	return place(pd, page, type == PC_PAGE_DATA ? buf : NULL) ? -1 : 1;
}

static void *fast_reader(void *arg)
{
	struct postcopy_dest *pd = arg;
	static uint8_t buf[GUEST_PAGE_BYTES];

	while (!atomic_load(&pd->failed) && read_page(pd, pd->fast_fd, buf) > 0)
		;
	return NULL;
}

static void *main_reader(void *arg)
{
	struct postcopy_dest *pd = arg;
	static uint8_t buf[GUEST_PAGE_BYTES];

	while (!atomic_load(&pd->failed) && read_page(pd, pd->main_fd, buf) > 0)
		;
	return NULL;
}

/* --- faults --- */

static void fault(struct postcopy_dest *pd, uint64_t addr, uint32_t tid)
{
	uint64_t page = (addr - (uintptr_t)pd->mem->base_hva) / GUEST_PAGE_BYTES;
	int vcpu = vcpu_of_tid(pd, tid);
	uint8_t msg[PC_MSG_BYTES];

	atomic_fetch_add(&pd->faults, 1);
	if (page >= pd->nr_pages)
		return;
	if (!owed(pd, page)) {
		/* zero at the source and never written here: nothing to ask */
		int r = uffd_place_zero(pd->uffd, pd->mem->base_hva + page * GUEST_PAGE_BYTES);

		if (r && r != -EEXIST)
			fail(pd, "post-copy: placing a zero page failed");
		return;
	}
	if (vcpu >= 0)
		blocked(pd, vcpu, page);
	if (page_set_has(&pd->placed, page)) {
		unblocked(pd, page);    /* it came meanwhile: the placing woke the thread */
		return;
	}
	if (!page_set_claim(&pd->requested, page))
		return;                 /* asked for already */
	atomic_store(&pd->requested_us[page], monotonic_us());
	atomic_fetch_add(&pd->requests, 1);
	pc_msg_encode(&(struct pc_msg){ .type = PC_MSG_REQUEST, .count = 1, .arg = page }, msg);
	if (pc_dest_write(pd, msg, sizeof(msg)))
		fail(pd, "post-copy: the source cannot be asked for pages any more");
}

static void *fault_thread(void *arg)
{
	struct postcopy_dest *pd = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = pd->uffd, .events = POLLIN },
				       { .fd = pd->stop_fd, .events = POLLIN } };
		uint64_t addr;
		uint32_t tid;
		int r;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		while ((r = uffd_read_fault(pd->uffd, &addr, &tid)) > 0)
			fault(pd, addr, tid);
		if (r < 0) {
			fail(pd, "post-copy: reading userfaultfd failed");
			break;
		}
	}
	return NULL;
}

/* --- the switch and the run --- */

static int accept_fast(struct postcopy_dest *pd, int listen_fd, char *err, int err_len)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };

	if (listen_fd < 0 || poll(&p, 1, ACCEPT_TIMEOUT_MS) != 1)
		return snprintf(err, err_len, "post-copy: the source's page connection did not come"),
		       -1;
	char hello[8];

	pd->fast_fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (pd->fast_fd < 0)
		return snprintf(err, err_len, "post-copy: accept: %s", strerror(errno)), -1;
	if (pc_read_all(pd->fast_fd, hello, sizeof(hello), err, err_len))
		return -1;
	if (memcmp(hello, MIG_FAST_HELLO, sizeof(hello)))
		return snprintf(err, err_len, "post-copy: the second connection is not the source's "
				"page connection"), -1;
	return 0;
}

/* The owed pages out of RAM (a run at a time), so that touching one faults. */
static int drop_owed(struct postcopy_dest *pd, char *err, int err_len)
{
	for (uint64_t p = 0; p < pd->nr_pages; ) {
		uint64_t end = p;

		if (!owed(pd, p)) {
			p++;
			continue;
		}
		while (end < pd->nr_pages && owed(pd, end))
			end++;
		if (madvise(pd->mem->base_hva + p * GUEST_PAGE_BYTES, (end - p) * GUEST_PAGE_BYTES,
			    MADV_DONTNEED))
			return snprintf(err, err_len, "post-copy: madvise: %s", strerror(errno)), -1;
		p = end;
	}
	return 0;
}

int pc_dest_begin(struct postcopy_dest *pd, int main_fd, int listen_fd, const void *rest,
		  uint64_t rest_len, char *err, int err_len)
{
	uint64_t t0 = monotonic_us();
	int r;

	if (!pd->need)
		return snprintf(err, err_len, "post-copy advised but never switched: corrupt stream"),
		       -1;
	pd->main_fd = main_fd;
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		pd->blocked_page[i] = -1;
	if (page_set_init(&pd->placed, pd->nr_pages) || page_set_init(&pd->requested, pd->nr_pages) ||
	    !(pd->requested_us = calloc(pd->nr_pages, 8)) ||
	    !(pd->latency_us = calloc(PC_LATENCY_SAMPLES, 4)) ||
	    (pd->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    (rest_len && !(pd->rest = malloc(rest_len))))
		return snprintf(err, err_len, "post-copy: out of memory"), -1;
	if (rest_len)
		memcpy(pd->rest, rest, rest_len);
	pd->rest_len = rest_len;
	if (pd->preempt && accept_fast(pd, listen_fd, err, err_len))
		return -1;
	if (drop_owed(pd, err, err_len))
		return -1;
	r = uffd_register(pd->uffd, pd->mem->base_hva, pd->mem->total_bytes);
	if (r)
		return snprintf(err, err_len, "post-copy: UFFDIO_REGISTER: %s", strerror(-r)), -1;
	if (thread_start(&pd->fault_thread, ROLE_PC_FAULT, 0, fault_thread, pd))
		return snprintf(err, err_len, "post-copy: cannot start the fault thread"), -1;
	pd->fault_running = true;
	if (pd->preempt) {
		if (thread_start(&pd->fast_thread, ROLE_PC_PAGES, 0, fast_reader, pd))
			return snprintf(err, err_len, "post-copy: cannot start the page reader"), -1;
		pd->fast_running = true;
	}
	if (thread_start(&pd->main_thread, ROLE_PC_PAGES, 0, main_reader, pd))
		return snprintf(err, err_len, "post-copy: cannot start the page reader"), -1;
	pd->main_running = true;
	log_info("post-copy: %llu pages (%llu MiB) still to come; RAM registered with userfaultfd "
		 "in %llu ms", (unsigned long long)pd->nr_need,
		 (unsigned long long)(pd->nr_need * GUEST_PAGE_BYTES >> 20),
		 (unsigned long long)((monotonic_us() - t0) / 1000));
	return 0;
}

int pc_dest_write(struct postcopy_dest *pd, const void *buf, uint64_t len)
{
	char why[120];
	int r;

	pthread_mutex_lock(&pd->write_lock);
	r = pc_write_all(pd->main_fd, buf, len, why, sizeof(why));
	pthread_mutex_unlock(&pd->write_lock);
	return r;
}

int pc_dest_wait(struct postcopy_dest *pd, char *err, int err_len)
{
	uint8_t done[PC_MSG_BYTES];

	/* the main connection ends after the source sent everything; the
	 * last of it may still be on the fast one */
	pthread_join(pd->main_thread, NULL);
	pd->main_running = false;
	while (!atomic_load(&pd->failed) && atomic_load(&pd->placed_need) < pd->nr_need)
		usleep(1000);
	if (atomic_load(&pd->failed))
		return snprintf(err, err_len, "%s", pd->err), -1;
	pc_msg_encode(&(struct pc_msg){ .type = PC_MSG_DONE }, done);
	if (pc_dest_write(pd, done, sizeof(done)))
		log_error("post-copy: could not tell the source that every page is in");
	return 0;
}

void pc_dest_end(struct postcopy_dest *pd)
{
	uint64_t one = 1;

	if (pd->fault_running) {
		if (write(pd->stop_fd, &one, sizeof(one)) < 0)
			log_error("post-copy: stopping the fault thread: %s", strerror(errno));
		pthread_join(pd->fault_thread, NULL);
		pd->fault_running = false;
	}
	if (pd->fast_running) {
		shutdown(pd->fast_fd, SHUT_RDWR);
		pthread_join(pd->fast_thread, NULL);
		pd->fast_running = false;
	}
	if (pd->main_running) {
		shutdown(pd->main_fd, SHUT_RDWR);
		pthread_join(pd->main_thread, NULL);
		pd->main_running = false;
	}
	if (pd->uffd >= 0)
		close(pd->uffd);        /* RAM is ordinary memory again */
	if (pd->fast_fd >= 0)
		close(pd->fast_fd);
	if (pd->stop_fd >= 0)
		close(pd->stop_fd);
	pd->uffd = pd->fast_fd = pd->stop_fd = -1;
	page_set_free(&pd->placed);
	page_set_free(&pd->requested);
	free(pd->need);
	free((void *)pd->requested_us);
	free((void *)pd->latency_us);
	free(pd->rest);
	pd->rest = NULL;
	pd->need = NULL;
	pd->requested_us = NULL;
	pd->latency_us = NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void pc_dest_info(struct postcopy_dest *pd, struct postcopy_dest_info *out)
{
	unsigned n = atomic_load(&pd->nr_latency);
	uint64_t now = monotonic_us();

	memset(out, 0, sizeof(*out));
	out->faults = atomic_load(&pd->faults);
	out->requests = atomic_load(&pd->requests);
	out->owed_pages = pd->nr_need;
	out->placed_pages = atomic_load(&pd->placed_need);
	pthread_mutex_lock(&pd->bt_lock);
	out->nr_vcpus = pd->vm->nr_vcpus < MAX_VCPUS ? pd->vm->nr_vcpus : MAX_VCPUS;
	/* a wait still going on counts so far */
	out->blocktime_ms = (pd->blocktime_us + (pd->nr_blocked == pd->vm->nr_vcpus &&
						 pd->nr_blocked ? now - pd->all_blocked_since_us :
						 0)) / 1000;
	for (unsigned i = 0; i < out->nr_vcpus; i++)
		out->vcpu_blocktime_ms[i] = (pd->vcpu_blocktime_us[i] + (pd->blocked_page[i] >= 0 ?
					     now - pd->blocked_since_us[i] : 0)) / 1000;
	pthread_mutex_unlock(&pd->bt_lock);
	if (n > PC_LATENCY_SAMPLES)
		n = PC_LATENCY_SAMPLES;
	if (!n || !pd->latency_us)
		return;
	uint32_t *sorted = malloc(n * sizeof(*sorted));

	if (!sorted)
		return;
	for (unsigned i = 0; i < n; i++)
		sorted[i] = atomic_load(&pd->latency_us[i]);
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	out->latency_median_us = sorted[n / 2];
	out->latency_p99_us = sorted[(uint64_t)n * 99 / 100];
	free(sorted);
}
