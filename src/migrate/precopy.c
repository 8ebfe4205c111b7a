#include "migrate/precopy.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock_now.h"
#include "base/log.h"
#include "vm/vm.h"
#include "migrate/ram_pages.h"
#include "migrate/cpu_sections.h"
#include "migrate/snapshot.h"
#include "migrate/stream.h"
#include "migrate/transport.h"

#define ACK_TIMEOUT_MS 60000
#define DRAIN_LEFT_BYTES (64u << 10)    /* queued at the pause: good enough */
#define DRAIN_MAX_MS 1000

/* What one run needs, beside the precopy's figures. */
struct run {
	struct precopy *pc;
	struct mig_stream *w;
	struct ram_sender ram;
	struct snap_vm snap;    /* the VM as the stream's sections see it */
	uint64_t *dirty;        /* pages to send */
	uint64_t words, pages;
	unsigned slow_rounds;   /* in a row, dirtying faster than half the sending */
};

static uint64_t count_bits(const uint64_t *map, uint64_t first_word, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t w = first_word; w < first_word + words; w++)
		n += (uint64_t)__builtin_popcountll(map[w]);
	return n;
}

static void wake_event_loop(struct precopy *pc)
{
	uint64_t one = 1;

	if (write(pc->notify_fd, &one, sizeof(one)) < 0)
		log_error("migration: cannot wake the event loop: %s", strerror(errno));
}

static int fail(struct precopy *pc, const char *why)
{
	if (!pc->error[0])
		snprintf(pc->error, sizeof(pc->error), "%s", why);
	return -1;
}

static void publish(struct run *r)
{
	atomic_store(&r->pc->bytes, r->w->bytes);
	atomic_store(&r->pc->normal_pages, r->ram.st.normal_pages);
	atomic_store(&r->pc->zero_pages, r->ram.st.zero_pages);
}

/* The destination said why it would not take the stream: that is the error. */
static int refused(struct precopy *pc, const char *why)
{
	snprintf(pc->error, sizeof(pc->error), "the destination refused: %.220s", why);
	return -1;
}

/* The destination's word that it has everything. */
static int wait_ack(struct precopy *pc)
{
	char ack[MIG_ACK_BYTES], why[300];
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
	if (!memcmp(ack, MIG_ACK, sizeof(ack)))
		return 0;
	if (!memcmp(ack, MIG_FAIL, sizeof(ack)) && mig_read_refusal(pc->fd, true, why, sizeof(why)))
		return refused(pc, why);
	return fail(pc, "the destination refused the stream");
}

/* ORs the pages dirtied since the last look into r->dirty; 0 or -1 (the
 * migration failed, with the reason). */
static int take_dirty(struct run *r)
{
	int err = vm_take_dirty(r->pc->vm, r->dirty);

	if (err == -EOVERFLOW)
		return fail(r->pc, "the dirty ring overflowed: KVM wrote past its end (Linux 6.1 does on "
			    "shadow page tables), so some pages' last writes were not logged; the guest "
			    "runs on here; migrate with --dirty-tracking dirty-log-clear");
	return err ? fail(r->pc, "reading the dirty pages from KVM failed") : 0;
}

/* Sends the dirty pages (all: every page) chunk by chunk, each re-armed in
 * KVM right before it is read (dirty-log-clear), and forgets them. Between
 * chunks: cancel and a new max-bandwidth are seen. */
static int send_dirty(struct run *r, bool all)
{
	uint64_t chunk_words = PRECOPY_CHUNK_PAGES / 64;

	for (uint64_t w = 0; w < r->words; w += chunk_words) {
		uint64_t n = w + chunk_words <= r->words ? chunk_words : r->words - w;

		if (atomic_load(&r->pc->cancel))
			return fail(r->pc, "cancelled");
		atomic_store(&r->w->max_bytes_per_s, atomic_load(&r->pc->params->max_bandwidth));
		if (all) {
			ram_put_pages(&r->ram, NULL, w * 64, n * 64);
		} else if (count_bits(r->dirty, w, n)) {
			if (dirty_log_clear(&r->pc->vm->dirty, r->dirty, w * 64, n * 64))
				return fail(r->pc, "KVM_CLEAR_DIRTY_LOG failed");
			ram_put_pages(&r->ram, r->dirty, w * 64, n * 64);
			memset(r->dirty + w, 0, n * 8);
		}
		if (r->w->error)
			return fail(r->pc, strerror(-r->w->error));
		publish(r);
	}
	return 0;
}

/* Auto-converge: the guest dirtied more than half of what went in the
 * round, twice in a row: it sleeps more of each period (QEMU's rule). */
static void maybe_throttle(struct run *r, uint64_t dirtied_bytes, uint64_t sent_bytes)
{
	struct precopy *pc = r->pc;
	unsigned pct = (unsigned)atomic_load(&pc->throttle_pct);

	if (!atomic_load(&pc->params->caps[MIG_CAP_AUTO_CONVERGE]))
		return;
	r->slow_rounds = dirtied_bytes > sent_bytes / 2 ? r->slow_rounds + 1 : 0;
	if (r->slow_rounds < 2)
		return;
	r->slow_rounds = 0;
	pct = pct ? pct + atomic_load(&pc->params->throttle_increment_pct) :
		    atomic_load(&pc->params->throttle_initial_pct);
	if (pct > MIG_MAX_THROTTLE_PCT)
		pct = MIG_MAX_THROTTLE_PCT;
	if (throttle_set(&pc->throttle, pc->vm, pct) == 0)
		atomic_store(&pc->throttle_pct, pct);
}

/* With postcopy-ram: migrate-start-postcopy asked, or round (about to
 * begin) is past x-postcopy-after-rounds. */
static bool switch_to_postcopy(const struct run *r, unsigned round)
{
	unsigned after = atomic_load(&r->pc->params->postcopy_after_rounds);

	return r->pc->postcopy && (atomic_load(&r->pc->start_postcopy) || (after && round > after));
}

/* Rounds while the guest runs; returns with the last dirty set in r->dirty:
 * 0 to stop and copy, 1 to switch to post-copy.
 * Two speeds steer it: the sending speed (pages a round sent over its
 * time; at first the first pass's data pages, zero ones cost ~nothing)
 * decides when the rest fits in the downtime; the dirty rate (pages the
 * guest wrote between two looks; the first look was at t_look, in ms) is
 * what query-migrate shows. */
static int rounds(struct run *r, uint64_t t_look, uint64_t send_pages_per_s)
{
	struct precopy *pc = r->pc;
	uint64_t last_sent = 0;

	for (unsigned round = 1; round <= PRECOPY_MAX_ROUNDS; round++) {
		uint64_t t0 = monotonic_ms(), before = r->w->bytes, pages, send_ms;

		if (atomic_load(&pc->cancel))
			return fail(pc, "cancelled");
		if (take_dirty(r))
			return -1;
		pages = count_bits(r->dirty, 0, r->words);
		atomic_store(&pc->remaining_pages, pages);
		atomic_store(&pc->dirty_pages_rate, pages * 1000 / (t0 > t_look ? t0 - t_look : 1));
		t_look = t0;
		/* the rest fits in the downtime at the speed seen: stop and copy
		 * (these pages stay in the bitmap for the last round). The speed
		 * in pages, not stream bytes: a page's cost is its reading,
		 * comparing and compressing as much as its bytes on the wire. */
		if (send_pages_per_s &&
		    pages * 1000 <= send_pages_per_s * atomic_load(&pc->params->downtime_limit_ms))
			return 0;
		if (switch_to_postcopy(r, round))
			return 1;
		if (round > 1)
			maybe_throttle(r, pages * GUEST_PAGE_BYTES, last_sent);
		if (send_dirty(r, false))
			return -1;
		send_ms = monotonic_ms() - t0;
		if (!send_ms)
			send_ms = 1;
		last_sent = r->w->bytes - before;
		send_pages_per_s = pages * 1000 / send_ms;
		atomic_store(&pc->bytes_per_ms, last_sent / send_ms);
		atomic_store(&pc->iterations, round);
	}
	/* not converging: post-copy if asked meanwhile, else stop and copy
	 * what is left anyway */
	return switch_to_postcopy(r, PRECOPY_MAX_ROUNDS + 1) ? 1 : 0;
}

/* Before the pause: what the rounds queued in the socket goes out while
 * the guest still runs (the pages it writes meanwhile are in the last
 * sync); queued at the pause, it would be downtime too: 4 MiB of send
 * buffer is 33 ms on a 1 Gb/s link. Returns the KiB still queued. */
static unsigned drain(struct run *r)
{
	mig_flush(r->w);
	for (unsigned ms = 0; ms < DRAIN_MAX_MS; ms++) {
		if (mig_tcp_unsent_bytes(r->pc->fd) <= DRAIN_LEFT_BYTES || atomic_load(&r->pc->cancel))
			break;
		usleep(1000);
	}
	return mig_tcp_unsent_bytes(r->pc->fd) >> 10;
}

/* The switch, either kind: what the rounds queued goes first (*queued_kib
 * is what was left), then the vCPUs out and the devices finished, so
 * nothing writes guest RAM here, and the last dirty pages join what the
 * last round left in r->dirty. 0, or -1 (cancelled, or failed). */
static int stop_guest(struct run *r, bool *paused, unsigned *queued_kib)
{
	struct precopy *pc = r->pc;

	*queued_kib = drain(r);
	if (atomic_load(&pc->cancel))           /* (it may have come during the drain) */
		return fail(pc, "cancelled");
	pc->pause_ms = monotonic_ms();
	vm_pause(pc->vm, false);
	*paused = true;
	throttle_end(&pc->throttle);
	vm_freeze_devices(pc->vm, true);
	atomic_store(&r->w->max_bytes_per_s, 0);        /* the guest waits: full speed */
	return take_dirty(r);
}

/* vCPUs stopped: devices finish, the last pages, the final state. */
static int switchover(struct run *r, bool *paused)
{
	struct precopy *pc = r->pc;
	uint64_t t_pages, t_state, bytes0;
	unsigned queued_kib;

	if (stop_guest(r, paused, &queued_kib))
		return -1;
	atomic_store(&pc->remaining_pages, count_bits(r->dirty, 0, r->words));
	bytes0 = r->w->bytes;
	ram_put_pages(&r->ram, r->dirty, 0, r->pages);
	t_pages = monotonic_ms();
	if (snap_put_final(r->w, &r->snap, pc->error, sizeof(pc->error)))
		return -1;
	if (mig_put_end(r->w))
		return fail(pc, strerror(-r->w->error));
	t_state = monotonic_ms();
	publish(r);
	if (wait_ack(pc))
		return -1;
	vm_release_backends(pc->vm);    /* the destination takes the taps over */
	pc->downtime_ms = monotonic_ms() - pc->pause_ms;
	/* where the downtime went: for whoever tunes downtime-limit */
	snprintf(pc->downtime_parts, sizeof(pc->downtime_parts),
		 "queued at the pause %u KiB, last pages %llu ms (%llu KiB), state %llu ms, "
		 "destination %llu ms", queued_kib, (unsigned long long)(t_pages - pc->pause_ms),
		 (unsigned long long)((r->w->bytes - bytes0) >> 10),
		 (unsigned long long)(t_state - t_pages),
		 (unsigned long long)(monotonic_ms() - t_state));
	atomic_store(&pc->remaining_pages, 0);
	return 0;
}

/* The destination runs the guest (PC_MSG_RUNNING, on the request
 * reader's thread): from now on it never runs here again. */
static void postcopy_running(void *arg)
{
	struct precopy *pc = arg;
	uint64_t now = monotonic_ms();

	vm_release_backends(pc->vm);    /* the destination takes the taps over */
	pc->downtime_ms = now - pc->pause_ms;
	/* where the downtime went: for whoever tunes it */
	snprintf(pc->downtime_parts, sizeof(pc->downtime_parts),
		 "post-copy: state sent %llu ms after the pause, the destination running %llu ms "
		 "later; %llu pages owed", (unsigned long long)(pc->state_sent_ms - pc->pause_ms),
		 (unsigned long long)(now - pc->state_sent_ms), (unsigned long long)pc->owed_pages);
	atomic_store(&pc->postcopy_running, true);
	wake_event_loop(pc);
}

/* Post-copy: the vCPUs stop, and instead of the last dirty pages the
 * destination learns which pages it is still owed (the dirty ones); the
 * final state follows; the guest then runs there while the owed pages
 * follow it (postcopy_src.c). */
static int switch_postcopy(struct run *r, bool *paused)
{
	struct precopy *pc = r->pc;
	unsigned queued_kib;
	uint64_t owed;

	if (stop_guest(r, paused, &queued_kib))
		return -1;
	owed = count_bits(r->dirty, 0, r->words);
	atomic_store(&pc->remaining_pages, owed);
	mig_put_section(r->w, MIG_SEC_POSTCOPY_SWITCH, 0, 1, (uint32_t)(8 + r->words * 8));
	mig_put_u64(r->w, r->pages);
	for (uint64_t w = 0; w < r->words; w++)
		mig_put_u64(r->w, r->dirty[w]);
	if (snap_put_final(r->w, &r->snap, pc->error, sizeof(pc->error)))
		return -1;
	if (mig_put_end(r->w))
		return fail(pc, strerror(-r->w->error));
	pc->state_sent_ms = monotonic_ms();
	pc->owed_pages = owed;
	publish(r);
	log_info("post-copy: the guest moves now; %llu pages (%llu MiB) follow it",
		 (unsigned long long)owed, (unsigned long long)(owed * GUEST_PAGE_BYTES >> 20));
	if (pc_src_run(&pc->ps, &pc->vm->mem, r->dirty, pc->fd, pc->fast_fd,
		       &pc->params->max_postcopy_bandwidth, postcopy_running, pc, pc->error,
		       sizeof(pc->error)))
		return -1;
	log_info("post-copy: every owed page went; %llu requested by the destination",
		 (unsigned long long)atomic_load(&pc->ps.requests));
	atomic_store(&pc->remaining_pages, 0);
	return 0;
}

static int migrate(struct run *r, bool *paused)
{
	struct precopy *pc = r->pc;
	uint64_t t0 = monotonic_ms(), t_first_look;
	int err;

	mig_writer_init(r->w, pc->fd);
	err = vm_set_dirty_logging(pc->vm, true);
	if (err == -EOVERFLOW)
		return fail(pc, "this VM's dirty ring overflowed in an earlier migration and cannot be "
			    "trusted again; restart the guest or use --dirty-tracking dirty-log-clear");
	if (err)
		return fail(pc, "cannot turn on dirty page logging");
	vm_take_dirty(pc->vm, r->dirty);                /* from now on */
	t_first_look = monotonic_ms();
	memset(r->dirty, 0, r->words * 8);
	pc->setup_ms = monotonic_ms() - t0;
	snap_put_begin(r->w, &r->snap);
	if (pc->postcopy) {                             /* the destination gets ready for it */
		mig_put_section(r->w, MIG_SEC_POSTCOPY_ADVISE, 0, 1, 8);
		mig_put_u32(r->w, pc->fast_fd >= 0);
		mig_put_u32(r->w, 0);
	}
	r->ram.send_zero = false;                       /* round 0: everything; zero is there */
	if (send_dirty(r, true))
		return -1;
	r->ram.send_zero = true;
	err = rounds(r, t_first_look,
		     r->ram.st.normal_pages * 1000 / (monotonic_ms() - t_first_look + 1));
	if (err < 0)
		return -1;
	return err ? switch_postcopy(r, paused) : switchover(r, paused);
}

void *precopy_thread(void *arg)
{
	static struct mig_stream w;     /* 64 KiB of buffer: not on the stack */
	struct precopy *pc = arg;
	struct run r = { .pc = pc, .w = &w, .snap = snap_vm_of(pc->vm) };
	uint64_t t0 = monotonic_ms();
	bool paused = false;
	int res;

	pc->start_ms = t0;
	r.pages = pc->vm->mem.total_bytes / GUEST_PAGE_BYTES;
	r.words = (r.pages + 63) / 64;
	r.dirty = calloc(r.words, 8);
	r.ram = (struct ram_sender){ .w = &w, .mem = &pc->vm->mem, .zstd_level = pc->zstd_level };
	res = r.dirty ? migrate(&r, &paused) : fail(pc, "out of memory");
	throttle_end(&pc->throttle);
	vm_set_dirty_logging(pc->vm, false);
	/* Only the destination's word ends the guest here; anything else and
	 * it runs on as if nothing happened. After post-copy's switch it runs
	 * there: never again here, whatever happens. */
	if (res && paused && !atomic_load(&pc->postcopy_running)) {
		vm_freeze_devices(pc->vm, false);
		if (!pc->guest_was_paused)
			vm_resume(pc->vm);
	}
	/* a destination that stopped reading may have said why */
	char why[300];

	if (res && !atomic_load(&pc->cancel) && !strstr(pc->error, "refused") &&
	    mig_read_refusal(pc->fd, false, why, sizeof(why)))
		refused(pc, why);
	ram_sender_free(&r.ram);
	free(r.dirty);
	close(pc->fd);
	if (pc->fast_fd >= 0)
		close(pc->fast_fd);
	pc->total_ms = monotonic_ms() - t0;
	atomic_store(&pc->status, res ? (atomic_load(&pc->cancel) ? PRECOPY_CANCELLED :
					 PRECOPY_FAILED) : PRECOPY_COMPLETED);
	wake_event_loop(pc);
	return NULL;
}
