/* Post-copy, the destination's side (issue 18). The guest runs here before
 * all of its memory has arrived: the pages the source still owes ("need",
 * sent at the switch) are dropped from guest RAM and the whole of RAM is
 * registered with userfaultfd, so a first touch of one of them, by a vCPU,
 * by KVM itself or by a device thread, waits while
 *   - the fault thread asks the source for it (return path: the main
 *     connection's other direction), once per page (page_set "requested");
 *   - the readers place what arrives, atomically, once per page (page_set
 *     "placed"): the main connection carries the source's background
 *     pages, and with postcopy-preempt a second connection carries the
 *     requested ones, so they never queue behind the background.
 * A page that is not owed but was never written here (zero at the source)
 * is placed as a zero page on the spot. When every owed page is in, the
 * source is told (PC_MSG_DONE) and userfaultfd lets go of RAM.
 *
 * Figures for query-migrate: faults, requests, each vCPU's time waiting
 * for pages (postcopy-vcpu-blocktime), the time all of them waited at
 * once (postcopy-blocktime), and the latency of requested pages. */
#ifndef MERIDIAN_POSTCOPY_DEST_H
#define MERIDIAN_POSTCOPY_DEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/limits.h"
#include "migrate/page_set.h"

struct guest_mem;
struct mig_stream;
struct vm;

#define PC_LATENCY_SAMPLES 65536u

struct postcopy_dest {
	struct vm *vm;
	struct guest_mem *mem;
	uint64_t nr_pages;
	int uffd;                       /* -1 until the source advised post-copy */
	bool preempt;                   /* requested pages come on a fast connection */
	int main_fd, fast_fd;
	uint8_t *rest;                  /* main_fd's first bytes, read already */
	uint64_t rest_len, rest_pos;
	uint64_t *need;                 /* bitmap: the pages the source still owes */
	uint64_t nr_need;
	struct page_set placed, requested;
	_Atomic uint64_t *requested_us; /* per page: when it was asked for (monotonic) */
	pthread_mutex_t write_lock;     /* main_fd's return direction: requests, done */
	pthread_t fault_thread, fast_thread, main_thread;
	bool fault_running, fast_running, main_running;
	int stop_fd;                    /* eventfd: the fault thread leaves */
	_Atomic uint64_t placed_need, faults, requests;
	_Atomic bool failed;
	char err[256];
	/* blocktime (under bt_lock): which page each vCPU waits for, since when */
	pthread_mutex_t bt_lock;
	int64_t blocked_page[MAX_VCPUS];        /* -1: not waiting */
	uint64_t blocked_since_us[MAX_VCPUS], vcpu_blocktime_us[MAX_VCPUS];
	unsigned nr_blocked;
	uint64_t all_blocked_since_us, blocktime_us;
	/* request-to-placed latencies, in µs (the first PC_LATENCY_SAMPLES) */
	_Atomic uint32_t *latency_us;
	_Atomic unsigned nr_latency;
};

/* What query-migrate shows of it. */
struct postcopy_dest_info {
	uint64_t faults, requests, owed_pages, placed_pages;
	uint64_t blocktime_ms;
	unsigned nr_vcpus;
	uint64_t vcpu_blocktime_ms[MAX_VCPUS];
	uint64_t latency_median_us, latency_p99_us;     /* 0 when none measured */
};

void pc_dest_init(struct postcopy_dest *pd, struct vm *vm, struct guest_mem *mem);
/* The source's advice (MIG_SEC_POSTCOPY_ADVISE's flags): a userfaultfd is
 * opened now, before the source may stop its guest. 0, or -1 with err
 * (userfaultfd not allowed here, and why). */
int pc_dest_advise(struct postcopy_dest *pd, uint32_t flags, char *err, int err_len);
/* MIG_SEC_POSTCOPY_SWITCH's payload: the owed pages. 0, -1 (short), -2 with err. */
int pc_dest_get_switch(struct postcopy_dest *pd, struct mig_stream *r, uint32_t len,
		       char *err, int err_len);
/* The stream is in (checksum matched), the state not applied yet: the
 * fast connection accepted from listen_fd (preempt), owed pages dropped,
 * RAM registered, the fault thread and the page readers (one per
 * connection) started: from here on a fault anywhere, applying the state
 * included, is served. 0, or -1 with err. */
/* rest: bytes of the main connection the stream's reader took in past
 * its end (the first background pages), read before the connection. */
int pc_dest_begin(struct postcopy_dest *pd, int main_fd, int listen_fd, const void *rest,
		  uint64_t rest_len, char *err, int err_len);
/* Waits until every owed page is in, then tells the source (PC_MSG_DONE).
 * 0, or -1 with err (the source went away: the guest cannot go on). */
int pc_dest_wait(struct postcopy_dest *pd, char *err, int err_len);
/* Threads stopped and joined, RAM unregistered, everything freed. */
void pc_dest_end(struct postcopy_dest *pd);
/* Writes to main_fd's return direction, serialized with the fault thread. */
int pc_dest_write(struct postcopy_dest *pd, const void *buf, uint64_t len);
void pc_dest_info(struct postcopy_dest *pd, struct postcopy_dest_info *out);

#endif
