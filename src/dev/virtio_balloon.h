/* virtio-balloon (virtio spec 5.5): the host asks for a number of the
 * guest's pages (num_pages), the driver gives them (inflate queue) and
 * meridian releases them with madvise(MADV_DONTNEED), so the host gets
 * the memory back; deflate makes them the guest's again (they fault back
 * in on touch). The statistics queue brings the guest's memory figures
 * whenever meridian hands the driver's buffer back; free page reporting
 * (when on) gives back, the same way, memory the guest freed. */
#ifndef MERIDIAN_VIRTIO_BALLOON_H
#define MERIDIAN_VIRTIO_BALLOON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dev/balloon_pages.h"
#include "dev/device.h"
#include "dev/virtio_pci.h"

#define BALLOON_NR_STATS 10     /* the tags virtio 1.1 defines */

struct virtio_balloon {
	struct virtio_pci vp;
	struct virtio_device_ops ops;
	const struct guest_mem *mem;
	uint8_t config[16];             /* num_pages, actual (le32), ... */
	uint32_t target_pages;          /* num_pages: what the balloon should hold */
	uint32_t actual_pages;          /* what the driver says it holds */
	struct balloon_pages pages;
	struct virtq_chain chain;
	/* statistics: the driver's buffer is held until meridian wants fresh ones */
	bool stats_held;
	uint16_t stats_head;
	uint64_t stats[BALLOON_NR_STATS];
	uint32_t stats_seen;            /* bit per tag the guest reported */
	uint64_t stats_updates;
	uint64_t reported_bytes;        /* free page reporting, in all */
	uint64_t bad_pfns;              /* inflate/deflate entries outside RAM */
	void (*on_actual)(void *ctx, uint64_t actual_pages);    /* BALLOON_CHANGE */
	void *ctx;
	/* in a VM's device table: "actual" moved since the event loop looked */
	_Atomic bool actual_changed;
	void (*wake)(void *ctx);
	void *wake_ctx;
};

int virtio_balloon_init(struct virtio_balloon *b, const struct virtio_host *host,
			uint64_t bar_gpa, bool free_page_reporting);
void virtio_balloon_destroy(struct virtio_balloon *b);
/* The guest should give up this many pages (any thread). */
void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages);
/* Hands the statistics buffer back so the guest refills it (any thread). */
void virtio_balloon_request_stats(struct virtio_balloon *b);
/* The names QEMU gives the statistics ("stat-free-memory", ...). */
const char *virtio_balloon_stat_name(unsigned tag);

ssize_t virtio_balloon_save(struct virtio_balloon *b, uint8_t *buf, size_t cap);
ssize_t virtio_balloon_load(struct virtio_balloon *b, const uint8_t *buf, size_t len,
			    char *err, int err_len);

/* --balloon: one, in the device table */
extern const struct device_kind virtio_balloon_kind;

#endif
