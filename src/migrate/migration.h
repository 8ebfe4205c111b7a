/* One machine's migration session, on either side: its status (session.h),
 * its parameters (mig_params.h), the source's sending (a snapshot file at
 * once, or pre-copy on its own thread: precopy.h), the destination's
 * waiting for its guest (incoming.h), and the figures query-migrate shows.
 * The machine (core/) only wires QMP commands to these calls and the
 * owner's hooks to QMP events. Every call comes from the event loop's
 * thread; the session reaches the VM through vm.h (pause, resume, dirty
 * pages, the device table) and snap_vm (the stream's view of it). */
#ifndef MERIDIAN_MIGRATION_H
#define MERIDIAN_MIGRATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate/incoming.h"
#include "migrate/mig_params.h"
#include "migrate/precopy.h"
#include "migrate/session.h"

struct vm;

/* What the session tells the machine that owns it. */
struct mig_owner {
	void *ctx;
	void (*status_changed)(void *ctx, enum mig_status s);  /* each move */
	/* the session stopped the guest here (a snapshot, the switchover) */
	void (*guest_stopped)(void *ctx);
	/* a snapshot failed: the guest it stopped runs again */
	void (*guest_resumed)(void *ctx);
	/* the guest went into the stream: it stays stopped here (postmigrate) */
	void (*guest_left)(void *ctx);
};

/* What query-migrate shows (api/mig_info_json.c makes the reply). */
struct mig_info {
	enum mig_status status;         /* MIG_STATUS_NONE: nothing else is set */
	bool live;                      /* pre-copy: the live figures are set */
	uint64_t total_ms, transferred_bytes, ram_bytes, remaining_bytes;
	uint64_t normal_pages, zero_pages;
	/* live only */
	uint64_t dirty_pages_rate, dirty_sync_count, setup_ms, downtime_ms, throttle_pct;
	double mbps;                    /* megabits per second, QEMU's "mbps" */
	const char *dirty_tracking, *compression;
	uint64_t postcopy_requests;     /* the source: pages the destination asked for */
	const char *error;              /* "" when none */
	/* a post-copy destination: its faults, requests, waits */
	bool postcopy_dest, blocktime;  /* blocktime: postcopy-blocktime is on */
	struct postcopy_dest_info pc;
};

struct migration {
	struct vm *vm;                  /* its env's wake_fd: the threads wake the event loop */
	struct mig_owner owner;
	enum mig_status status;
	struct mig_params params;       /* migrate-set-parameters */
	/* the source */
	struct precopy precopy;
	pthread_t precopy_tid;
	bool sending;                   /* the pre-copy thread runs */
	bool said_postcopy;             /* its switch to post-copy was told */
	/* the destination */
	struct incoming incoming;
	bool waiting;                   /* --incoming: the guest has not arrived */
	bool deferred;                  /* --incoming defer: migrate-incoming names it */
	/* the last migration, once it ended */
	uint64_t total_ms, bytes, normal_pages, zero_pages;
	char error[256];
};

/* vm: the machine's VM instance (rebuilt in place on a guest reset). */
void migration_init(struct migration *mig, struct vm *vm, const struct mig_owner *owner);

/* migrate: file:PATH saves the guest at once (it stays stopped, or runs
 * on after a failure); tcp:HOST:PORT starts pre-copy, which ends later
 * (migration_poll). 0, or -1 with one line in err. */
int migration_start(struct migration *mig, const char *uri, bool guest_running, char *err,
		    size_t err_len);
/* migrate_cancel: a pre-copy under way stops, the guest runs on here.
 * 0, or -1 with err (post-copy: the guest is the destination's). */
int migration_cancel(struct migration *mig, char *err, size_t err_len);
/* migrate-start-postcopy: the running pre-copy switches at its next round
 * (QEMU's refusals: no migration, no postcopy-ram). 0, or -1 with err. */
int migration_start_postcopy(struct migration *mig, char *err, size_t err_len);
/* migrate-set-parameters: all of it, or none (mig_params_apply). */
int migration_set_params(struct migration *mig, const struct mig_params_update *u, char *err,
			 size_t err_len);
void migration_info(struct migration *mig, struct mig_info *out);
/* A migration is running, or the guest has not arrived: stop, cont and
 * the like wait. NULL, or why not. */
const char *migration_busy(const struct migration *mig);

/* --incoming URI, before anything starts: the file opened or the port
 * bound ("defer": migrate-incoming names it). 0, or -1 with err. */
int migration_incoming_open(struct migration *mig, const char *uri, char *err, size_t err_len);
/* migrate-incoming URI, after --incoming defer. */
int migration_incoming_defer(struct migration *mig, const char *uri, char *err, size_t err_len);
/* With the new VM built: starts reading the stream (defer: later). The
 * vCPUs start once it is all in. 0 or -1. */
int migration_incoming_begin(struct migration *mig);
/* The guest went away while waiting (quit, a signal). */
void migration_incoming_abort(struct migration *mig);

/* From the event loop, after a wake: a thread's news (connected, ended)
 * becomes status, and the guest moves where it has to. */
void migration_poll(struct migration *mig);
/* The machine quits: a pre-copy under way is stopped and joined. */
void migration_stop(struct migration *mig);

#endif
