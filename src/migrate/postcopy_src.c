#include "migrate/postcopy_src.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "base/thread.h"
#include "kvm/guest_mem.h"
#include "migrate/postcopy_wire.h"
#include "migrate/stream.h"
#include "migrate/transport.h"

static int fail(struct postcopy_src *ps, const char *why)
{
	if (!atomic_exchange(&ps->failed, true))
		snprintf(ps->err, sizeof(ps->err), "%.250s", why);
	return -1;
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[GUEST_PAGE_BYTES];

	return !memcmp(p, zero, GUEST_PAGE_BYTES);
}

/* One owed page on fd, if nobody sent it yet. 0 or -1. */
static int send_page_locked(struct postcopy_src *ps, int fd, uint64_t page)
{
	const uint8_t *data = ps->mem->base_hva + page * GUEST_PAGE_BYTES;
	uint8_t h[PC_MSG_BYTES];
	bool zero;
	char why[200];

	if (!(ps->need[page / 64] >> (page % 64) & 1) || !page_set_claim(&ps->sent, page))
		return 0;
	zero = page_is_zero(data);
	pc_page_encode(zero ? PC_PAGE_ZERO : PC_PAGE_DATA, page, h);
	if (pc_write_all(fd, h, sizeof(h), why, sizeof(why)) ||
	    (!zero && pc_write_all(fd, data, GUEST_PAGE_BYTES, why, sizeof(why))))
		return fail(ps, why);
	atomic_fetch_add(&ps->pages_sent, 1);
	return 0;
}

static int send_page(struct postcopy_src *ps, int fd, uint64_t page)
{
	int r;

	if (fd != ps->fast_fd)
		return send_page_locked(ps, fd, page);
	pthread_mutex_lock(&ps->fast_lock);
	r = send_page_locked(ps, fd, page);
	pthread_mutex_unlock(&ps->fast_lock);
	return r;
}

static void queue_request(struct postcopy_src *ps, uint64_t page)
{
	pthread_mutex_lock(&ps->lock);
	if (ps->queue_len < PC_SRC_QUEUE)
		ps->queue[ps->queue_len++] = page;      /* full: the background gets there */
	pthread_mutex_unlock(&ps->lock);
}

/* One message from the destination; its refusal (MIG_FAIL and a line) is
 * shown as such. 0, or -1 failed. */
static int read_msg(struct postcopy_src *ps, struct pc_msg *m)
{
	const size_t prefix = strlen(MIG_FAIL), rest = PC_MSG_BYTES - strlen(MIG_FAIL);
	uint8_t b[PC_MSG_BYTES];
	char why[200] = "", line[260];
	ssize_t n;

	if (pc_read_all(ps->main_fd, b, sizeof(b), why, sizeof(why)))
		return fail(ps, why);
	if (memcmp(b, MIG_FAIL, prefix))
		return pc_msg_decode(b, ps->nr_pages, m, why, sizeof(why)) ? fail(ps, why) : 0;
	memcpy(why, b + prefix, rest);
	n = read(ps->main_fd, why + rest, sizeof(why) - rest - 1);
	why[rest + (n > 0 ? (size_t)n : 0)] = '\0';
	why[strcspn(why, "\n")] = '\0';
	snprintf(line, sizeof(line), "the destination refused: %s", why);
	return fail(ps, line);
}

/* The destination's requests, until it says it has everything. */
static void *request_reader(void *arg)
{
	struct postcopy_src *ps = arg;
	struct pc_msg m;

	while (!atomic_load(&ps->failed)) {
		if (read_msg(ps, &m))
			break;
		if (m.type == PC_MSG_DONE) {
			atomic_store(&ps->done, true);
			break;
		}
		if (m.type == PC_MSG_RUNNING) {
			ps->on_running(ps->ctx);
			continue;
		}
		if (m.type != PC_MSG_REQUEST) {
			fail(ps, "post-copy: an unexpected message from the destination");
			break;
		}
		atomic_fetch_add(&ps->requests, 1);
		atomic_store(&ps->next_hint, m.arg + m.count);
		for (uint64_t p = m.arg; p < m.arg + m.count; p++)
			if (ps->fast_fd >= 0)
				send_page(ps, ps->fast_fd, p);
			else
				queue_request(ps, p);
	}
	if (atomic_load(&ps->failed)) {
		/* the background may be stuck writing to a peer that stopped reading */
		shutdown(ps->main_fd, SHUT_RDWR);
		if (ps->fast_fd >= 0)
			shutdown(ps->fast_fd, SHUT_RDWR);
	}
	return NULL;
}

/* Requests that came meanwhile, first (no preempt). */
static int send_queued(struct postcopy_src *ps)
{
	uint64_t q[PC_SRC_QUEUE];
	unsigned n;

	pthread_mutex_lock(&ps->lock);
	n = ps->queue_len;
	memcpy(q, ps->queue, n * sizeof(q[0]));
	ps->queue_len = 0;
	pthread_mutex_unlock(&ps->lock);
	for (unsigned i = 0; i < n; i++)
		if (send_page(ps, ps->main_fd, q[i]))
			return -1;
	return 0;
}

/* The next owed page not sent yet, from `from` on, wrapping round; nr_pages: none. */
static uint64_t next_owed(struct postcopy_src *ps, uint64_t from)
{
	for (uint64_t i = 0; i < ps->nr_pages; i++) {
		uint64_t p = (from + i) % ps->nr_pages;

		if ((ps->need[p / 64] >> (p % 64) & 1) && !page_set_has(&ps->sent, p))
			return p;
	}
	return ps->nr_pages;
}

static int background(struct postcopy_src *ps)
{
	uint64_t p = 0, due_us = monotonic_us(), wait_us;

	while (!atomic_load(&ps->failed) && !atomic_load(&ps->done)) {
		uint64_t hint = atomic_exchange(&ps->next_hint, UINT64_MAX);

		if (send_queued(ps))
			return -1;
		if (hint != UINT64_MAX)
			p = hint % ps->nr_pages;
		p = next_owed(ps, p);
		if (p == ps->nr_pages)
			break;          /* all sent */
		if (send_page(ps, ps->main_fd, p))
			return -1;
		/* max-postcopy-bandwidth: requested pages are never held back */
		wait_us = mig_pace(&due_us, monotonic_us(), PC_MSG_BYTES + GUEST_PAGE_BYTES,
				   atomic_load(ps->max_bytes_per_s));
		if (wait_us)
			usleep(wait_us);
	}
	return atomic_load(&ps->failed) ? -1 : 0;
}

static void send_end(struct postcopy_src *ps, int fd)
{
	uint8_t h[PC_MSG_BYTES];
	char why[120];

	if (fd < 0)
		return;
	pc_page_encode(PC_PAGE_END, 0, h);
	pthread_mutex_lock(&ps->fast_lock);
	if (pc_write_all(fd, h, sizeof(h), why, sizeof(why)))
		fail(ps, why);
	pthread_mutex_unlock(&ps->fast_lock);
}

int pc_src_run(struct postcopy_src *ps, const struct guest_mem *mem, const uint64_t *need,
	       int main_fd, int fast_fd, _Atomic uint64_t *max_bytes_per_s,
	       void (*on_running)(void *ctx), void *ctx, char *err, int err_len)
{
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->max_bytes_per_s = max_bytes_per_s;
	ps->on_running = on_running;
	ps->ctx = ctx;
	ps->mem = mem;
	ps->nr_pages = mem->total_bytes / GUEST_PAGE_BYTES;
	ps->need = need;
	for (uint64_t w = 0; w < page_set_words(ps->nr_pages); w++)
		ps->nr_need += (uint64_t)__builtin_popcountll(need[w]);
	ps->main_fd = main_fd;
	ps->fast_fd = fast_fd;
	atomic_store(&ps->next_hint, UINT64_MAX);
	pthread_mutex_init(&ps->lock, NULL);
	pthread_mutex_init(&ps->fast_lock, NULL);
	if (page_set_init(&ps->sent, ps->nr_pages))
		return snprintf(err, err_len, "post-copy: out of memory"), -1;
	r = thread_start(&ps->request_thread, ROLE_PC_PAGES, 0, request_reader, ps);
	if (r) {
		page_set_free(&ps->sent);
		return snprintf(err, err_len, "post-copy: cannot start the request reader"), -1;
	}
	background(ps);
	send_end(ps, main_fd);
	send_end(ps, fast_fd);
	/* the destination's word that every page is in; or the link broke */
	if (atomic_load(&ps->failed))
		shutdown(main_fd, SHUT_RDWR);
	pthread_join(ps->request_thread, NULL);
	page_set_free(&ps->sent);
	if (!atomic_load(&ps->done))
		return snprintf(err, err_len, "%s", ps->err[0] ? ps->err :
				"post-copy: the destination went away"), -1;
	return 0;
}
