/* virtio-blk (virtio spec 5.2) over the PCI transport, its I/O through
 * io_uring straight between the image and guest RAM (no bounce buffers):
 * read, write, flush (fdatasync), discard and write-zeroes (fallocate),
 * GET_ID (the serial), read-only disks, one queue per vCPU (up to 8).
 * A host error fails that request alone (VIRTIO_BLK_S_IOERR). */
#ifndef MERIDIAN_VIRTIO_BLK_H
#define MERIDIAN_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "block/disk_image.h"
#include "block/io_ring.h"
#include "dev/device.h"
#include "dev/virtio_pci.h"

#define VIRTIO_BLK_CONFIG_BYTES 60

struct blk_req;

struct virtio_blk {
	struct virtio_pci vp;
	struct virtio_device_ops ops;   /* features and queues depend on the disk */
	const struct disk_image *img;
	struct io_ring io;
	struct ev_handler io_done;      /* the ring's completion eventfd */
	struct evloop *loop;
	struct blk_req *reqs;           /* [queue][head]: a chain's head names its request */
	struct virtq_chain chain;       /* the chain being parsed (large: not on the stack) */
	uint8_t config[VIRTIO_BLK_CONFIG_BYTES];
	bool error_logged;
};

/* A disk for img with nr_queues request queues, its BAR at bar_gpa.
 * Returns 0 or -errno. */
int virtio_blk_init(struct virtio_blk *blk, const struct disk_image *img, unsigned nr_queues,
		    const struct virtio_host *host, uint64_t bar_gpa);
/* Waits for the requests in flight, then frees everything. */
void virtio_blk_destroy(struct virtio_blk *blk);

/* Waits for the requests in flight and puts them in the used rings. */
void virtio_blk_drain(struct virtio_blk *blk);
/* Device state, for migration and snapshots (vCPUs stopped): the
 * transport's (save waits for the requests in flight first; load is
 * virtio_pci_load); and the disk it was saved for (size, read-only,
 * queues), which a destination's disk must match. */
ssize_t virtio_blk_save(struct virtio_blk *blk, uint8_t *buf, size_t cap);
ssize_t virtio_blk_save_config(struct virtio_blk *blk, uint8_t *buf, size_t cap);
int virtio_blk_check_config(struct virtio_blk *blk, const uint8_t *buf, size_t len, char *err,
			    int err_len);

/* --disk: one per disk, in the device table */
extern const struct device_kind virtio_blk_kind;

#endif
