/* Live migration, pre-copy: RAM goes while the guest runs, then again
 * what it dirtied, round after round, until the rest fits in the allowed
 * downtime at the bandwidth measured (auto-converge throttles the vCPUs
 * when the guest dirties faster than that); then the vCPUs stop, the
 * devices finish what is in flight, the last dirty pages and the final
 * state go (snapshot.c's parts), and the source waits for the destination
 * to say it has everything. Any failure before that leaves the guest
 * running here as if nothing happened. Runs on a thread of its own;
 * status and figures are read by the API. */
#ifndef MERIDIAN_PRECOPY_H
#define MERIDIAN_PRECOPY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/mig_params.h"
#include "migrate/postcopy_src.h"
#include "vm/throttle.h"

struct vm;

enum precopy_status { PRECOPY_NONE, PRECOPY_ACTIVE, PRECOPY_COMPLETED, PRECOPY_FAILED,
		      PRECOPY_CANCELLED };

#define PRECOPY_MAX_ROUNDS 30
/* KVM_CLEAR_DIRTY_LOG and the sender work in chunks of this many pages */
#define PRECOPY_CHUNK_PAGES 4096u

struct precopy {
	struct vm *vm;
	int fd;                                 /* the connection */
	int fast_fd;                            /* post-copy's page connection; -1: none */
	bool postcopy;                          /* postcopy-ram: it may switch */
	int notify_fd;                          /* an eventfd written when it ends */
	bool guest_was_paused;                  /* a failure leaves it as it was */
	struct mig_params *params;              /* read each round */
	int zstd_level;                         /* 0: no compression */
	struct throttle throttle;
	_Atomic int status;                     /* enum precopy_status */
	_Atomic int cancel;
	_Atomic bool start_postcopy;            /* migrate-start-postcopy */
	/* the switch to post-copy happened and the destination runs the
	 * guest: it never runs here again (the event loop says so) */
	_Atomic bool postcopy_running;
	struct postcopy_src ps;
	/* figures (for query-migrate; written by the thread) */
	_Atomic uint64_t bytes, iterations, dirty_pages_rate, remaining_pages, throttle_pct;
	_Atomic uint64_t normal_pages, zero_pages, bytes_per_ms;
	uint64_t setup_ms, total_ms, downtime_ms;
	uint64_t start_ms;                      /* monotonic_ms() when it began */
	uint64_t pause_ms;                      /* monotonic_ms() when the vCPUs stopped */
	uint64_t state_sent_ms;                 /* post-copy: ... when the final state was out */
	uint64_t owed_pages;                    /* post-copy: owed at the switch */
	char downtime_parts[160];               /* where the downtime went */
	char error[256];
};

/* The thread's body: runs the migration to its end. */
void *precopy_thread(void *arg);

#endif
