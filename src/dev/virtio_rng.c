#include "dev/virtio_rng.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

#define VIRTIO_ID_RNG 4
#define PCI_CLASS_OTHER 0xff0000

/* Fills a writable buffer; returns the bytes written. */
static uint32_t fill(const struct virtq_seg *seg)
{
	uint32_t done = 0;

	while (done < seg->len) {
		ssize_t n = getrandom((uint8_t *)seg->hva + done, seg->len - done, 0);

		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	return done;
}

static void rng_notify(struct virtio_pci *vp, unsigned queue)
{
	struct virtq_chain *c = &((struct virtio_rng *)vp->device)->chain;
	char err[160];
	int r;

again:
	virtq_kicks_off(&vp->vq[queue]);
	while ((r = virtq_pop(&vp->vq[queue], c, err, sizeof(err))) > 0) {
		uint32_t written = 0;

		/* the driver only offers buffers for us to write; read-only ones are skipped */
		for (unsigned i = 0; i < c->nr_segs; i++)
			if (c->segs[i].device_writes) {
				uint32_t n = fill(&c->segs[i]);

				guest_mem_mark_dirty(vp->host.mem, c->segs[i].hva, n);
				written += n;
			}
		virtq_push(&vp->vq[queue], c->head, written);
	}
	if (r == 0 && virtq_kicks_on(&vp->vq[queue]))
		goto again;     /* chains came while kicks were off */
	if (r < 0)
		virtio_pci_queue_broken(vp, queue, err);
	virtio_pci_notify_used(vp, queue);
}

static const struct virtio_device_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.pci_class = PCI_CLASS_OTHER,
	.nr_queues = 1,
	.queue_notify = rng_notify,
};

int virtio_rng_init(struct virtio_rng *rng, const struct virtio_host *host, uint64_t bar_gpa)
{
	return virtio_pci_init(&rng->vp, &rng_ops, rng, host, bar_gpa);
}

void virtio_rng_destroy(struct virtio_rng *rng)
{
	virtio_pci_destroy(&rng->vp);
}

/* --- in the device table --- */

/* (virtio_pci_dev_* take the device for its transport) */
_Static_assert(offsetof(struct virtio_rng, vp) == 0, "the transport first");

static void rng_destroy(void *dev)
{
	virtio_rng_destroy(dev);
	free(dev);
}

/* its state is the transport's */
static const struct device_ops rng_device_ops = {
	.freeze = virtio_pci_dev_freeze, .save = virtio_pci_dev_save, .load = virtio_pci_dev_load,
	.destroy = rng_destroy,
};

static unsigned rng_count(const struct vm_config *cfg)
{
	return cfg->rng ? 1 : 0;
}

static int rng_create(const struct device_host *host, unsigned index, struct device *d)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int r;

	if (!rng)
		return -ENOMEM;
	r = virtio_rng_init(rng, &host->virtio, host->take_bar(host->ctx, false));
	d->ops = &rng_device_ops;       /* destroy frees what init made, even half */
	d->dev = rng;
	return r ? r : host->plug(host->ctx, &rng->vp.pci);
}

const struct device_kind virtio_rng_kind = { "virtio-rng", rng_count, rng_create };
