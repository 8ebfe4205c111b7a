/* The unit tests' virtio driver: BAR accesses of the PCI transport as a
 * guest's driver makes them (shared by test_virtio_blk, _net, _balloon). */
#ifndef MERIDIAN_VIRTIO_TEST_DRIVER_H
#define MERIDIAN_VIRTIO_TEST_DRIVER_H

#include "base/le_bytes.h"
#include "dev/virtio_pci.h"

/* the transport's BAR layout (virtio_pci.c) */
#define VT_COMMON 0x0
#define VT_DEVICE_CFG 0x2000
#define VT_NOTIFY 0x3000

static inline void vt_write(struct virtio_pci *vp, uint64_t off, uint64_t v, unsigned len)
{
	uint8_t b[8];

	le_put(b, v, len);
	virtio_pci_bar_write(&vp->pci, 0, off, b, len);
}

static inline uint64_t vt_read(struct virtio_pci *vp, uint64_t off, unsigned len)
{
	uint8_t b[8] = { 0 };

	virtio_pci_bar_read(&vp->pci, 0, off, b, len);
	return le_get(b, len);
}

/* ACKNOWLEDGE, DRIVER, the device feature bits in low (VERSION_1 always),
 * FEATURES_OK (virtio spec 3.1.1, up to the queues) */
static inline void vt_negotiate(struct virtio_pci *vp, uint32_t low)
{
	vt_write(vp, VT_COMMON + 0x14, 1 | 2, 1);
	vt_write(vp, VT_COMMON + 0x08, 1, 4);           /* driver_feature_select 1 */
	vt_write(vp, VT_COMMON + 0x0c, 1, 4);           /* VERSION_1 */
	vt_write(vp, VT_COMMON + 0x08, 0, 4);
	vt_write(vp, VT_COMMON + 0x0c, low, 4);
	vt_write(vp, VT_COMMON + 0x14, 1 | 2 | 8, 1);
}

static inline void vt_queue(struct virtio_pci *vp, unsigned q, uint16_t size, uint64_t desc,
			    uint64_t avail, uint64_t used)
{
	vt_write(vp, VT_COMMON + 0x16, q, 2);
	vt_write(vp, VT_COMMON + 0x18, size, 2);
	vt_write(vp, VT_COMMON + 0x20, desc, 8);
	vt_write(vp, VT_COMMON + 0x28, avail, 8);
	vt_write(vp, VT_COMMON + 0x30, used, 8);
	vt_write(vp, VT_COMMON + 0x1c, 1, 2);
}

static inline void vt_driver_ok(struct virtio_pci *vp)
{
	vt_write(vp, VT_COMMON + 0x14, 1 | 2 | 8 | 4, 1);
}

#endif
