/* Post-copy, the source's side (issue 18): after the switch the guest runs
 * on the destination and never again here (its vCPUs stay paused). The
 * pages it still owes ("need": dirty at the switch) go two ways:
 *   - requested ones at once: a thread reads the destination's requests
 *     (the main connection's return direction) and, with
 *     postcopy-preempt, sends them on the fast connection itself; without
 *     it, the background sender sends them first;
 *   - the rest in the background on the main connection, from the page
 *     after the last one requested on (the guest tends to touch
 *     neighbours next), wrapping round.
 * Each page is sent once (page_set "sent"), zero pages as a marker. It
 * ends when the destination says every page is in (PC_MSG_DONE). */
#ifndef MERIDIAN_POSTCOPY_SRC_H
#define MERIDIAN_POSTCOPY_SRC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/page_set.h"

struct guest_mem;

#define PC_SRC_QUEUE 1024u      /* requests waiting for the background sender */

struct postcopy_src {
	const struct guest_mem *mem;
	uint64_t nr_pages;
	const uint64_t *need;           /* the owed pages (bitmap) */
	uint64_t nr_need;
	int main_fd, fast_fd;           /* fast_fd -1: no postcopy-preempt */
	struct page_set sent;
	pthread_t request_thread;
	/* the fast connection's writes: a page is claimed and written under
	 * it, so the end marker can never overtake a page claimed before it */
	pthread_mutex_t fast_lock;
	/* requests for the background sender (no preempt), under lock */
	pthread_mutex_t lock;
	uint64_t queue[PC_SRC_QUEUE];
	unsigned queue_len;
	_Atomic uint64_t next_hint;     /* where the background goes on; UINT64_MAX: no news */
	_Atomic bool done, failed;
	_Atomic uint64_t requests, pages_sent;
	char err[256];
	/* PC_MSG_RUNNING came: the guest runs on the destination (called on
	 * the request reader's thread) */
	void (*on_running)(void *ctx);
	void *ctx;
	_Atomic uint64_t *max_bytes_per_s;      /* the background's cap (0: none) */
};

/* Runs the post-copy phase to its end on the calling thread (starting the
 * request reader). 0 when the destination has every page; -1 with err. */
/* max_bytes_per_s: max-postcopy-bandwidth, read as it goes. */
int pc_src_run(struct postcopy_src *ps, const struct guest_mem *mem, const uint64_t *need,
	       int main_fd, int fast_fd, _Atomic uint64_t *max_bytes_per_s,
	       void (*on_running)(void *ctx), void *ctx, char *err, int err_len);

#endif
