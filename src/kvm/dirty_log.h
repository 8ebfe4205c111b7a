/* KVM's record of the guest pages the vCPUs wrote, for live migration, in
 * the three ways KVM offers:
 *
 *   DIRTY_LOG        KVM_GET_DIRTY_LOG: each call returns the slot's bitmap
 *                    and write-protects every page in it again, at once.
 *   DIRTY_LOG_CLEAR  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: the get only reads;
 *                    KVM_CLEAR_DIRTY_LOG re-protects a chunk just before
 *                    the sender copies it, so a page the guest writes while
 *                    earlier chunks go out is not sent twice.
 *   DIRTY_RING       KVM_CAP_DIRTY_LOG_RING(_ACQ_REL): each vCPU pushes the
 *                    pages it dirties into a ring shared with meridian; no
 *                    bitmap walks. Must be set up before the first vCPU,
 *                    so it is chosen when the VM is built.
 *
 * Every method fills the same bitmap: one bit per RAM page, counted from
 * RAM's start across the memory slots (slot i = guest_mem region i). */
#ifndef MERIDIAN_DIRTY_LOG_H
#define MERIDIAN_DIRTY_LOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "base/thread.h"
#include "kvm/guest_mem.h"

enum dirty_method { DIRTY_AUTO, DIRTY_LOG, DIRTY_LOG_CLEAR, DIRTY_RING };

/* Per vCPU: 1 MiB of ring, KVM's largest; 128 KiB where KVM allows no
 * more. Room matters more than it seems: Linux 6.1 on shadow page tables
 * pushes a burst of entries at once when it syncs the guest's page tables
 * (every writable SPTE again), past the 64 it keeps in reserve. */
#define DIRTY_RING_ENTRIES 65536u
#define DIRTY_RING_MIN_ENTRIES 8192u
/* How often the reaper empties the rings while pages are tracked */
#define DIRTY_REAP_MS 10u
/* KVM_CLEAR_DIRTY_LOG granularity: first page and count multiples of 64 */
#define DIRTY_CLEAR_ALIGN 64u

/* The names query-migrate and the options use ("dirty-ring", ...); NULL
 * for an unknown one. */
const char *dirty_method_name(enum dirty_method m);
int dirty_method_parse(const char *name, enum dirty_method *m);

/* One vCPU's ring (mapped from the vCPU fd). */
struct dirty_ring {
	struct kvm_dirty_gfn *gfns;
	uint32_t entries;       /* a power of two */
	uint32_t fetch;         /* the next entry to look at */
	bool overflowed;        /* KVM pushed into it while it was full */
};

/* Takes the ring's dirty entries in order, sets their pages in bitmap
 * (entries naming a slot or offset outside mem are skipped) and marks
 * them collected for KVM_RESET_DIRTY_RINGS. Returns how many it took.
 * The caller serializes harvests of one ring.
 *
 * KVM never leaves userspace a full ring unless it overflowed it: it
 * stops the vCPU 64 entries before the end. A harvest that finds every
 * entry dirty sets overflowed: KVM wrote over entries not yet taken, and
 * their pages are lost. */
uint32_t dirty_ring_harvest(struct dirty_ring *ring, const struct guest_mem *mem,
			    uint64_t *bitmap);
/* After KVM_RESET_DIRTY_RINGS for the taken entries of this one ring
 * (cleared: what the ioctl says it reset): KVM resets collected entries
 * in order and stops at one it overwrote, so fewer than taken means it
 * overflowed the ring. Returns the ring's overflowed. */
bool dirty_ring_reset_done(struct dirty_ring *ring, uint32_t taken, int cleared);

/* A RAM page range [first, first+count) as KVM_CLEAR_DIRTY_LOG calls,
 * one per slot it touches, widened to DIRTY_CLEAR_ALIGN (or the slot's
 * end). Returns how many it wrote into out (at most 2: two slots). */
unsigned dirty_clear_spans(const struct guest_mem *mem, uint64_t first, uint64_t count,
			   struct kvm_clear_dirty_log *out);

struct dirty_log {
	enum dirty_method method;       /* in use (never DIRTY_AUTO) */
	int vm_fd;
	const struct guest_mem *mem;
	bool ring_ready;                /* ring enabled in KVM (VM built with it) */
	bool clear_supported;           /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	struct dirty_ring *rings;       /* per vCPU, for DIRTY_RING */
	unsigned nr_rings;
	uint32_t ring_entries;          /* per vCPU ring, as KVM took it */
	pthread_mutex_t lock;           /* harvests and the pending bitmap */
	uint64_t *pending;              /* harvested from rings, not yet taken */
	uint64_t *slot_map;             /* scratch for KVM_GET_DIRTY_LOG */
	atomic_bool overflowed;         /* a ring overflowed: tracking is broken for good */
	struct ticker reaper;           /* empties the rings every DIRTY_REAP_MS */
};

/* Before any vCPU exists: picks the method (DIRTY_AUTO: DIRTY_LOG_CLEAR
 * where KVM has it, else DIRTY_LOG; the ring only when asked for) and
 * enables the ring in KVM when it is the one. Returns 0 or -errno (-ENOTSUP:
 * the method asked for is not in this KVM). */
int dirty_log_init(struct dirty_log *d, int vm_fd, const struct guest_mem *mem,
		   enum dirty_method want, unsigned nr_vcpus);
/* Maps vCPU index's ring (DIRTY_RING only; a no-op otherwise). */
int dirty_log_map_vcpu(struct dirty_log *d, unsigned index, int vcpu_fd);
void dirty_log_destroy(struct dirty_log *d);

/* Switches between DIRTY_LOG and DIRTY_LOG_CLEAR (between rounds). The
 * ring cannot be switched to or from once the VM exists: -ENOTSUP. */
int dirty_log_set_method(struct dirty_log *d, enum dirty_method m);

/* Starts tracking (the memslots must carry KVM_MEM_LOG_DIRTY_PAGES); for
 * the ring, starts the reaper thread, which keeps the rings near empty so
 * that KVM's bursts fit. -EOVERFLOW: a ring overflowed before; the ring
 * cannot be trusted again in this VM. */
int dirty_log_begin(struct dirty_log *d);
/* Tracking ends: stops the reaper. */
void dirty_log_end(struct dirty_log *d);
/* ORs the pages dirtied since the last sync into bitmap. For
 * DIRTY_LOG_CLEAR they stay write-enabled until dirty_log_clear.
 * -EOVERFLOW: a ring overflowed, pages were lost: the bitmap is not the
 * whole truth and a migration must not finish on it. */
int dirty_log_sync(struct dirty_log *d, uint64_t *bitmap);
/* Re-arms tracking for the pages of bitmap in [first, first+count),
 * before the caller reads them (DIRTY_LOG_CLEAR; nothing to do for the
 * others). */
int dirty_log_clear(struct dirty_log *d, const uint64_t *bitmap, uint64_t first, uint64_t count);
/* From a vCPU thread after KVM_EXIT_DIRTY_RING_FULL: harvests its ring
 * into pending and resets, so the vCPU can run on. -EOVERFLOW: the ring
 * overflowed and nothing could be freed: KVM will not run the vCPU again. */
int dirty_log_ring_full(struct dirty_log *d, unsigned index);

#endif
