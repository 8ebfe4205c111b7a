#include "migrate/precopy.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock_now.h"
#include "core/log.h"
#include "core/vm.h"
#include "migrate/snapshot.h"
#include "migrate/stream.h"
#include "migrate/transport.h"

#define MAX_ROUNDS 30
#define ACK_TIMEOUT_MS 60000

static uint64_t count_bits(const uint64_t *map, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < words; w++)
		n += (uint64_t)__builtin_popcountll(map[w]);
	return n;
}

static int fail(struct precopy *pc, const char *why)
{
	if (!pc->error[0])
		snprintf(pc->error, sizeof(pc->error), "%s", why);
	return -1;
}

/* The destination's word that it has everything. */
static int wait_ack(struct precopy *pc)
{
	char ack[MIG_ACK_BYTES];
	size_t got = 0;

	while (got < sizeof(ack)) {
		struct pollfd p = { .fd = pc->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ACK_TIMEOUT_MS) != 1)
			return fail(pc, "the destination did not confirm within 60 s");
		n = read(pc->fd, ack + got, sizeof(ack) - got);
		if (n <= 0)
			return fail(pc, "the destination closed the connection before confirming");
		got += (size_t)n;
	}
	return memcmp(ack, MIG_ACK, sizeof(ack)) ? fail(pc, "the destination refused the stream") : 0;
}

/* Rounds while the guest runs. Returns 0 or -1. */
static int rounds(struct precopy *pc, struct mig_stream *w, uint64_t *dirty, uint64_t words,
		  struct snapshot_stats *st)
{
	uint64_t bytes_per_ms = 0;

	for (unsigned round = 1; round <= MAX_ROUNDS; round++) {
		uint64_t t0 = monotonic_ms(), before = w->bytes, pages, dt;

		if (pc->cancel)
			return fail(pc, "cancelled");
		memset(dirty, 0, words * 8);
		if (vm_take_dirty(pc->vm, dirty))
			return fail(pc, "KVM_GET_DIRTY_LOG failed");
		pages = count_bits(dirty, words);
		pc->remaining_pages = pages;
		/* the rest fits in the downtime at the speed we saw: stop and copy
		 * (these pages stay in the bitmap for the last round) */
		if (bytes_per_ms && pages * 4096 <= bytes_per_ms * pc->downtime_limit_ms)
			return 0;
		snap_put_pages(w, &pc->vm->mem, dirty, true, st);
		if (w->error)
			return fail(pc, strerror(-w->error));
		dt = monotonic_ms() - t0;
		bytes_per_ms = (w->bytes - before) / (dt ? dt : 1);
		pc->dirty_pages_rate = dt ? pages * 1000 / dt : pages;
		pc->iterations = round;
		pc->bytes = w->bytes;
	}
	memset(dirty, 0, words * 8);    /* all of it was sent */
	return 0;       /* not converging: stop and copy anyway (auto-converge: not yet) */
}

static int migrate(struct precopy *pc, uint64_t *dirty, uint64_t words, bool *paused)
{
	static struct mig_stream w;
	struct snapshot_stats st = { 0 };
	uint64_t t_pause;

	mig_writer_init(&w, pc->fd);
	if (vm_set_dirty_logging(pc->vm, true))
		return fail(pc, "cannot turn on dirty page logging");
	vm_take_dirty(pc->vm, dirty);           /* from now on */
	memset(dirty, 0, words * 8);
	snap_put_begin(&w, pc->vm);
	snap_put_pages(&w, &pc->vm->mem, NULL, false, &st);     /* round 0: everything */
	pc->bytes = w.bytes;
	if (w.error)
		return fail(pc, strerror(-w.error));
	if (rounds(pc, &w, dirty, words, &st))
		return -1;
	t_pause = monotonic_ms();
	vm_pause(pc->vm, false);
	*paused = true;
	if (vm_take_dirty(pc->vm, dirty))       /* added to what the last round left */
		return fail(pc, "KVM_GET_DIRTY_LOG failed");
	pc->remaining_pages = count_bits(dirty, words);
	snap_put_pages(&w, &pc->vm->mem, dirty, true, &st);
	if (snap_put_final(&w, pc->vm, pc->error, sizeof(pc->error)))
		return -1;
	if (mig_put_end(&w))
		return fail(pc, strerror(-w.error));
	pc->bytes = w.bytes;
	if (wait_ack(pc))
		return -1;
	pc->downtime_ms = monotonic_ms() - t_pause;
	pc->remaining_pages = 0;
	return 0;
}

void *precopy_thread(void *arg)
{
	struct precopy *pc = arg;
	uint64_t words = (pc->vm->mem.total_bytes / 4096 + 63) / 64, t0 = monotonic_ms();
	uint64_t *dirty = calloc(words, 8);
	bool paused = false;
	int r = dirty ? migrate(pc, dirty, words, &paused) : fail(pc, "out of memory");

	vm_set_dirty_logging(pc->vm, false);
	/* Only the destination's word ends the guest here; anything else and
	 * it runs on as if nothing happened. */
	if (r && paused && !pc->guest_was_paused)
		vm_resume(pc->vm);
	free(dirty);
	close(pc->fd);
	pc->total_ms = monotonic_ms() - t0;
	atomic_store(&pc->status, r ? (pc->cancel ? PRECOPY_CANCELLED : PRECOPY_FAILED) :
				      PRECOPY_COMPLETED);
	uint64_t one = 1;

	if (write(pc->notify_fd, &one, sizeof(one)) < 0)
		log_error("migration: cannot wake the event loop: %s", strerror(errno));
	return NULL;
}
