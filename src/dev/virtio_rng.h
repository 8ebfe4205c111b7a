/* virtio-rng (virtio spec 5.4): one request queue; every device-writable
 * buffer the driver offers is filled from getrandom(). */
#ifndef MERIDIAN_VIRTIO_RNG_H
#define MERIDIAN_VIRTIO_RNG_H

#include "dev/device.h"
#include "dev/virtio_pci.h"

struct virtio_rng {
	struct virtio_pci vp;
	struct virtq_chain chain;       /* the chain being served (large: not on the stack) */
};

int virtio_rng_init(struct virtio_rng *rng, const struct virtio_host *host, uint64_t bar_gpa);
void virtio_rng_destroy(struct virtio_rng *rng);

/* --rng: one, in the device table */
extern const struct device_kind virtio_rng_kind;

#endif
