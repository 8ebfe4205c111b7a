#include "dev/virtio_balloon.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/le_bytes.h"
#include "base/log.h"
#include "base/vmstate.h"

#define VIRTIO_ID_BALLOON 5
#define PCI_CLASS_OTHER 0xff0000
#define VIRTIO_BALLOON_F_STATS_VQ 1
#define VIRTIO_BALLOON_F_PAGE_REPORTING 5
#define PAGE GUEST_PAGE_BYTES
#define PFNS_PER_READ 256

enum role { ROLE_INFLATE, ROLE_DEFLATE, ROLE_STATS, ROLE_REPORTING, ROLE_NONE };

static const char *const stat_names[BALLOON_NR_STATS] = {
	"stat-swap-in", "stat-swap-out", "stat-major-faults", "stat-minor-faults",
	"stat-free-memory", "stat-total-memory", "stat-available-memory", "stat-disk-caches",
	"stat-htlb-pgalloc", "stat-htlb-pgfail",
};

const char *virtio_balloon_stat_name(unsigned tag)
{
	return tag < BALLOON_NR_STATS ? stat_names[tag] : NULL;
}

/* Queues are numbered in order of the features the driver took:
 * inflate, deflate, [stats], [reporting]. */
static enum role role_of(const struct virtio_balloon *b, unsigned q)
{
	bool stats = b->vp.driver_features >> VIRTIO_BALLOON_F_STATS_VQ & 1;
	bool reporting = b->vp.driver_features >> VIRTIO_BALLOON_F_PAGE_REPORTING & 1;

	if (q < 2)
		return q == 0 ? ROLE_INFLATE : ROLE_DEFLATE;
	if (q == 2 && stats)
		return ROLE_STATS;
	if (reporting && q == (stats ? 3u : 2u))
		return ROLE_REPORTING;
	return ROLE_NONE;
}

/* A guest page number (4 KiB units) as a RAM page index and its host
 * address; false for anything that is not one whole page of RAM. */
static bool page_of(const struct virtio_balloon *b, uint32_t pfn, uint64_t *index, uint8_t **hva)
{
	*hva = guest_mem_ptr(b->mem, (uint64_t)pfn * PAGE, PAGE);
	if (!*hva)
		return false;
	*index = (uint64_t)(*hva - b->mem->base_hva) / PAGE;
	return true;
}

/* Each chain is an array of le32 page numbers. */
static void take_pfns(struct virtio_balloon *b, const struct virtq_chain *c, bool inflate)
{
	uint8_t pfns[PFNS_PER_READ * 4];
	uint64_t off = 0, got;

	while ((got = virtq_chain_read(c, off, pfns, sizeof(pfns))) >= 4) {
		for (uint64_t i = 0; i < got / 4; i++) {
			uint32_t pfn = (uint32_t)le_get(pfns + 4 * i, 4);
			uint64_t index;
			uint8_t *hva;

			if (!page_of(b, pfn, &index, &hva)) {
				if (!b->bad_pfns++)
					log_error("virtio-balloon: page %u is not guest RAM: ignored "
						  "(said once)", pfn);
				continue;
			}
			/* the host takes the page back; the guest's next touch of it
			 * (after a deflate) gets a fresh zero page */
			if (inflate && balloon_pages_add(&b->pages, index))
				madvise(hva, PAGE, MADV_DONTNEED);
			else if (!inflate)
				balloon_pages_remove(&b->pages, index);
		}
		off += got;
	}
}

/* Tag (le16) and value (le64) pairs, 10 bytes each. */
static void take_stats(struct virtio_balloon *b, const struct virtq_chain *c)
{
	uint8_t rec[10];

	for (uint64_t off = 0; virtq_chain_read(c, off, rec, sizeof(rec)) == sizeof(rec);
	     off += sizeof(rec)) {
		uint16_t tag = (uint16_t)le_get(rec, 2);

		if (tag < BALLOON_NR_STATS) {
			b->stats[tag] = le_get(rec + 2, 8);
			b->stats_seen |= 1u << tag;
		}
	}
	b->stats_updates++;
}

/* Free page reporting: each device-writable buffer is memory the guest
 * freed; its whole pages go back to the host. */
static void take_report(struct virtio_balloon *b, const struct virtq_chain *c)
{
	for (unsigned i = 0; i < c->nr_segs; i++) {
		uintptr_t start = ((uintptr_t)c->segs[i].hva + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
		uintptr_t end = ((uintptr_t)c->segs[i].hva + c->segs[i].len) & ~(uintptr_t)(PAGE - 1);

		if (c->segs[i].device_writes && end > start) {
			madvise((void *)start, end - start, MADV_DONTNEED);
			b->reported_bytes += end - start;
		}
	}
}

static void balloon_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_balloon *b = vp->device;
	enum role role = role_of(b, q);
	char err[160];
	int r;

	/* with EVENT_IDX the driver kicks again only past avail_event: the
	 * kicks_on at the end moves it (virtqueue.h) */
	do {
		virtq_kicks_off(&vp->vq[q]);
		while ((r = virtq_pop(&vp->vq[q], &b->chain, err, sizeof(err))) > 0) {
			if (role == ROLE_STATS) {
				take_stats(b, &b->chain);
				if (b->stats_held)      /* a second buffer: give the older back */
					virtq_push(&vp->vq[q], b->stats_head, 0);
				b->stats_held = true;
				b->stats_head = b->chain.head;
				continue;               /* held until stats are wanted again */
			}
			if (role == ROLE_INFLATE || role == ROLE_DEFLATE)
				take_pfns(b, &b->chain, role == ROLE_INFLATE);
			else if (role == ROLE_REPORTING)
				take_report(b, &b->chain);
			virtq_push(&vp->vq[q], b->chain.head, 0);
		}
	} while (r == 0 && virtq_kicks_on(&vp->vq[q]));
	if (r < 0)
		virtio_pci_queue_broken(vp, q, err);
	virtio_pci_notify_used(vp, q);
}

static void balloon_config_read(struct virtio_pci *vp, uint32_t offset, void *data, unsigned len)
{
	struct virtio_balloon *b = vp->device;

	le_put(b->config, b->target_pages, 4);
	le_put(b->config + 4, b->actual_pages, 4);
	memcpy(data, b->config + offset, len);
}

static void balloon_config_write(struct virtio_pci *vp, uint32_t offset, const void *data,
				 unsigned len)
{
	struct virtio_balloon *b = vp->device;
	uint8_t c[16];

	/* only "actual" (bytes 4-7) is the driver's to write */
	le_put(c + 4, b->actual_pages, 4);
	if (offset < 4 || offset + len > 8)
		return;
	memcpy(c + offset, data, len);
	b->actual_pages = (uint32_t)le_get(c + 4, 4);
	if (b->on_actual)
		b->on_actual(b->ctx, b->actual_pages);
}

static void balloon_reset(struct virtio_pci *vp)
{
	struct virtio_balloon *b = vp->device;

	b->stats_held = false;
	b->actual_pages = 0;
}

int virtio_balloon_init(struct virtio_balloon *b, const struct virtio_host *host,
			uint64_t bar_gpa, bool free_page_reporting)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->mem = host->mem;
	b->ops = (struct virtio_device_ops){
		.name = "virtio-balloon", .device_id = VIRTIO_ID_BALLOON,
		.pci_class = PCI_CLASS_OTHER,
		.features = 1ull << VIRTIO_BALLOON_F_STATS_VQ |
			    (free_page_reporting ? 1ull << VIRTIO_BALLOON_F_PAGE_REPORTING : 0),
		.nr_queues = free_page_reporting ? 4 : 3,
		.queue_notify = balloon_notify, .config_read = balloon_config_read,
		.config_write = balloon_config_write, .config_bytes = sizeof(b->config),
		.reset = balloon_reset,
	};
	r = balloon_pages_init(&b->pages, host->mem->total_bytes / PAGE);
	if (r)
		return r;
	r = virtio_pci_init(&b->vp, &b->ops, b, host, bar_gpa);
	if (r)
		balloon_pages_free(&b->pages);
	return r;
}

void virtio_balloon_destroy(struct virtio_balloon *b)
{
	virtio_pci_destroy(&b->vp);
	balloon_pages_free(&b->pages);
}

void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages)
{
	pthread_mutex_lock(&b->vp.lock);
	if (pages != b->target_pages) {
		b->target_pages = pages;
		virtio_pci_config_changed(&b->vp);
	}
	pthread_mutex_unlock(&b->vp.lock);
}

void virtio_balloon_request_stats(struct virtio_balloon *b)
{
	pthread_mutex_lock(&b->vp.lock);
	if (b->stats_held && !b->vp.frozen) {
		b->stats_held = false;
		virtq_push(&b->vp.vq[2], b->stats_head, 0);
		virtio_pci_notify_used(&b->vp, 2);
	}
	pthread_mutex_unlock(&b->vp.lock);
}

/* Beyond the transport: the target, and the statistics buffer held. */
struct balloon_state {
	uint32_t target_pages, actual_pages;
	uint8_t stats_held;
	uint16_t stats_head;
};

static const struct vmstate_field balloon_fields[] = {
	VMSTATE_FIELD(struct balloon_state, target_pages),
	VMSTATE_FIELD(struct balloon_state, actual_pages),
	VMSTATE_FIELD(struct balloon_state, stats_held),
	VMSTATE_FIELD(struct balloon_state, stats_head),
};
static const struct vmstate_desc balloon_desc = {
	.name = "virtio-balloon", .version = 1, .fields = balloon_fields,
	.nr_fields = sizeof(balloon_fields) / sizeof(balloon_fields[0]),
};

ssize_t virtio_balloon_save(struct virtio_balloon *b, uint8_t *buf, size_t cap)
{
	struct balloon_state st = { .target_pages = b->target_pages,
				    .actual_pages = b->actual_pages,
				    .stats_held = b->stats_held, .stats_head = b->stats_head };
	ssize_t n = virtio_pci_save(&b->vp, buf, cap), m;

	if (n < 0)
		return -1;
	m = vmstate_save(&balloon_desc, &st, buf + n, cap - (size_t)n);
	return m < 0 ? -1 : n + m;
}

ssize_t virtio_balloon_load(struct virtio_balloon *b, const uint8_t *buf, size_t len,
			    char *err, int err_len)
{
	size_t pci_bytes = virtio_pci_state_bytes();
	struct balloon_state st;
	ssize_t m;

	if (len < pci_bytes) {
		snprintf(err, err_len, "virtio-balloon: %zu bytes of state, %zu needed", len, pci_bytes);
		return -1;
	}
	m = vmstate_load(&balloon_desc, &st, buf + pci_bytes, len - pci_bytes, err, err_len);
	if (m < 0 || virtio_pci_load(&b->vp, buf, pci_bytes, err, err_len) < 0)
		return -1;
	pthread_mutex_lock(&b->vp.lock);
	b->target_pages = st.target_pages;
	b->actual_pages = st.actual_pages;
	b->stats_held = st.stats_held;
	b->stats_head = st.stats_head;
	pthread_mutex_unlock(&b->vp.lock);
	return (ssize_t)pci_bytes + m;
}

/* --- in the device table --- */

/* (virtio_pci_dev_* take the device for its transport) */
_Static_assert(offsetof(struct virtio_balloon, vp) == 0, "the transport first");

/* Its configuration: whether free page reporting is on (a fourth queue). */
static ssize_t balloon_save_config(void *dev, uint8_t *buf, size_t cap)
{
	struct virtio_balloon *b = dev;

	if (cap < 1)
		return -1;
	buf[0] = b->ops.nr_queues == 4;
	return 1;
}

static int balloon_check_config(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	struct virtio_balloon *b = dev;
	bool mine = b->ops.nr_queues == 4;

	if (len != 1 || buf[0] > 1)
		return snprintf(err, err_len, "virtio-balloon: malformed configuration"), -1;
	if (buf[0] != mine)
		return snprintf(err, err_len, "virtio-balloon: the saved one %s free page reporting, "
				"this one %s (--balloon)", buf[0] ? "has" : "has no",
				mine ? "has" : "has none"), -1;
	return 0;
}

static ssize_t balloon_save(void *dev, uint8_t *buf, size_t cap)
{
	return virtio_balloon_save(dev, buf, cap);
}

static ssize_t balloon_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return virtio_balloon_load(dev, buf, len, err, err_len);
}

static void balloon_destroy(void *dev)
{
	virtio_balloon_destroy(dev);
	free(dev);
}

static const struct device_ops balloon_device_ops = {
	.freeze = virtio_pci_dev_freeze, .save_config = balloon_save_config,
	.check_config = balloon_check_config, .save = balloon_save, .load = balloon_load,
	.destroy = balloon_destroy,
};

static unsigned balloon_count(const struct vm_config *cfg)
{
	return cfg->balloon ? 1 : 0;
}

/* From a vCPU thread (the driver wrote "actual"): the event loop tells
 * the API's clients (BALLOON_CHANGE). */
static void balloon_moved(void *ctx, uint64_t actual_pages)
{
	struct virtio_balloon *b = ctx;

	atomic_store(&b->actual_changed, true);
	b->wake(b->wake_ctx);
}

/* --balloon, aiming at its starting target */
static int balloon_create(const struct device_host *host, unsigned index, struct device *d)
{
	const struct vm_config *cfg = host->cfg;
	struct virtio_balloon *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	r = virtio_balloon_init(b, &host->virtio, host->take_bar(host->ctx, false),
				cfg->balloon_reporting);
	if (r) {
		free(b);
		return r;
	}
	d->ops = &balloon_device_ops;
	d->dev = b;
	b->on_actual = balloon_moved;
	b->ctx = b;
	b->wake = host->wake;
	b->wake_ctx = host->ctx;
	if (cfg->balloon_target_bytes)
		b->target_pages = (uint32_t)((cfg->mem_bytes - cfg->balloon_target_bytes) / PAGE);
	return host->plug(host->ctx, &b->vp.pci);
}

const struct device_kind virtio_balloon_kind = { "virtio-balloon", balloon_count, balloon_create };
