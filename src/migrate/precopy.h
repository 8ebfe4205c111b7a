/* Live migration, pre-copy: RAM goes while the guest runs, then again
 * what it dirtied, round after round, until the rest fits in the allowed
 * downtime (or the rounds run out); then the vCPUs stop, the last dirty
 * pages and the final state go (snapshot.c's parts), and the source waits
 * for the destination to say it has everything. Any failure before that
 * leaves the guest running here as if nothing happened. Runs on a thread
 * of its own; status and figures are read by the API. */
#ifndef MERIDIAN_PRECOPY_H
#define MERIDIAN_PRECOPY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

enum precopy_status { PRECOPY_NONE, PRECOPY_ACTIVE, PRECOPY_COMPLETED, PRECOPY_FAILED,
		      PRECOPY_CANCELLED };

struct precopy {
	struct vm *vm;
	int fd;                                 /* the connection */
	int notify_fd;                          /* an eventfd written when it ends */
	bool guest_was_paused;                  /* a failure leaves it as it was */
	uint64_t downtime_limit_ms;
	_Atomic int status;                     /* enum precopy_status */
	_Atomic int cancel;
	/* figures (for query-migrate; written by the thread) */
	_Atomic uint64_t bytes, iterations, dirty_pages_rate, remaining_pages;
	uint64_t total_ms, downtime_ms;
	char error[256];
};

/* The thread's body: runs the migration to its end. */
void *precopy_thread(void *arg);

#endif
