/* The virtio 1.x PCI transport, modern only (virtio spec 4.1): one 64-bit
 * memory BAR holding the common configuration, ISR, device configuration,
 * notification area and the MSI-X table, announced by vendor capabilities.
 * Feature negotiation (VERSION_1, RING_EVENT_IDX, INDIRECT_DESC plus the
 * device's own), device status and reset, per-queue setup, MSI-X
 * interrupts (irqfd on a KVM MSI route, KVM_SIGNAL_MSI where that fails), or INTx with the ISR register when the
 * driver does not enable MSI-X, and queue notifications through ioeventfd,
 * so a kick never exits to meridian's vCPU threads. A device (rng, blk,
 * ...) supplies its ID, features, config space and a queue handler. */
#ifndef MERIDIAN_VIRTIO_PCI_H
#define MERIDIAN_VIRTIO_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/evloop.h"
#include "dev/pci.h"
#include "dev/virtqueue.h"
#include "kvm/irq_routes.h"

#define VIRTIO_MAX_QUEUES 8
#define VIRTIO_QUEUE_SIZE 256
#define VIRTIO_BAR_BYTES  0x8000

#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1      32

#define VIRTIO_STATUS_ACKNOWLEDGE  1
#define VIRTIO_STATUS_DRIVER       2
#define VIRTIO_STATUS_DRIVER_OK    4
#define VIRTIO_STATUS_FEATURES_OK  8
#define VIRTIO_STATUS_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED       0x80

struct virtio_pci;

struct virtio_device_ops {
	const char *name;               /* "virtio-blk": for messages */
	uint16_t device_id;             /* virtio device type: 4 rng, 2 blk, ... */
	uint32_t pci_class;
	uint64_t features;              /* the device's own feature bits */
	unsigned nr_queues;
	/* A queue was kicked: take its chains, push them back (under vp->lock). */
	void (*queue_notify)(struct virtio_pci *vp, unsigned queue);
	/* Device configuration space reads (NULL: none); offset+len checked. */
	void (*config_read)(struct virtio_pci *vp, uint32_t offset, void *data, unsigned len);
	uint32_t config_bytes;
	/* Device configuration space writes (NULL: read-only). Under vp->lock. */
	void (*config_write)(struct virtio_pci *vp, uint32_t offset, const void *data, unsigned len);
	/* The driver set DRIVER_OK, or a loaded state has it (NULL: nothing
	 * to do): the negotiated features are final. Under vp->lock. */
	void (*driver_ok)(struct virtio_pci *vp);
	/* The driver changed its MSI-X setup: an entry, a mask, the enable
	 * bit, a queue's vector (NULL: nothing to do). For devices that hand
	 * virtio_pci_queue_irqfd() to someone else. Under vp->lock. */
	void (*vectors_changed)(struct virtio_pci *vp);
	/* The driver resets the device (NULL: nothing to do): requests in
	 * flight must be over when this returns. Under vp->lock. */
	void (*reset)(struct virtio_pci *vp);
};

struct virtio_queue_cfg {
	uint16_t size;
	uint16_t msix_vector;
	uint64_t desc_gpa, avail_gpa, used_gpa;
};

/* What the transport needs from the VM. */
struct virtio_host {
	int vm_fd;
	const struct guest_mem *mem;
	struct evloop *loop;
	struct irq_routes *routes;      /* MSI routes for irqfds (NULL: KVM_SIGNAL_MSI) */
	/* the INTx line of the device's slot (NULL: none; MSI-X only) */
	void (*set_intx)(void *ctx, struct pci_device *dev, bool level);
	void *intx_ctx;
};

struct virtio_pci {
	struct pci_device pci;
	const struct virtio_device_ops *ops;
	void *device;                   /* the device model's state */
	struct virtio_host host;
	pthread_mutex_t lock;

	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	uint8_t status;
	uint8_t config_generation;
	uint16_t config_msix_vector;
	uint16_t queue_select;
	uint8_t isr;
	struct virtio_queue_cfg qcfg[VIRTIO_MAX_QUEUES];
	struct virtq vq[VIRTIO_MAX_QUEUES];
	struct ev_handler kick[VIRTIO_MAX_QUEUES];      /* ioeventfd per queue */
	uint64_t kick_gpa;              /* where the ioeventfds are registered, 0: none */
	bool broken_logged;
	bool frozen;                    /* kicks wait (the VM's state is being saved) */

	uint8_t msix_cap;               /* its offset in configuration space */
	uint8_t pci_cfg_cap;            /* VIRTIO_PCI_CAP_PCI_CFG's offset */
	uint32_t msix[VIRTIO_MAX_QUEUES + 1][4];        /* addr lo, addr hi, data, control */
	uint32_t msix_pending;          /* vectors that fired while masked */
	bool intx_level;                /* INTx asserted (ISR set, MSI-X off) */
	/* per MSI-X vector: its irqfd (-1: none yet), GSI and routed message */
	int irqfd[VIRTIO_MAX_QUEUES + 1];
	unsigned irqfd_gsi[VIRTIO_MAX_QUEUES + 1];
	struct msi_msg routed[VIRTIO_MAX_QUEUES + 1];
};

/* Sets up the PCI function with its BAR at bar_gpa. Returns 0 or -errno. */
int virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *ops, void *device,
		    const struct virtio_host *host, uint64_t bar_gpa);
void virtio_pci_destroy(struct virtio_pci *vp);

/* The device changed its configuration: generation, ISR bit 1, the
 * configuration vector (under vp->lock). */
void virtio_pci_config_changed(struct virtio_pci *vp);

/* Frozen, the device takes no new requests from its queues (kicks are
 * dropped); thawed, it looks at every queue once. For the moment a VM's
 * state is saved: nothing may write guest RAM after the last dirty sync. */
void virtio_pci_freeze(struct virtio_pci *vp, bool frozen);

/* BAR accesses from vCPU threads (KVM_EXIT_MMIO). */
void virtio_pci_bar_read(struct pci_device *dev, int bar, uint64_t offset, void *data,
			 unsigned len);
void virtio_pci_bar_write(struct pci_device *dev, int bar, uint64_t offset,
			  const void *data, unsigned len);

/* For device models: interrupt the driver about queue q if it wants one. */
void virtio_pci_notify_used(struct virtio_pci *vp, unsigned queue);
/* Interrupts the driver about queue q, whatever the ring says (a kernel
 * data path decided it; under vp->lock). */
void virtio_pci_signal(struct virtio_pci *vp, unsigned queue);
/* The irqfd that interrupts the driver about queue q right now, for a
 * kernel data path to signal itself; -1 while that vector is masked, MSI-X
 * is off or there is no irqfd (then virtio_pci_signal). Under vp->lock. */
int virtio_pci_queue_irqfd(struct virtio_pci *vp, unsigned queue);
/* Whether queue q's kicks (its ioeventfd, vp->kick[q].fd) reach the
 * device model (on) or are left to someone else polling that fd, such as
 * vhost (off). Under vp->lock. */
void virtio_pci_kicks_to_device(struct virtio_pci *vp, unsigned queue, bool on);
/* A chain was malformed: mark DEVICE_NEEDS_RESET and say why, once. */
void virtio_pci_queue_broken(struct virtio_pci *vp, unsigned queue, const char *why);

/* State for migration and snapshots (dev/virtio_pci_state.c): save
 * returns the bytes written or -1 when cap is too small; load returns the
 * bytes used, or -1 with err saying why (the device is then untouched).
 * The device model must be quiet (no requests in flight) around both. */
size_t virtio_pci_state_bytes(void);
ssize_t virtio_pci_save(struct virtio_pci *vp, uint8_t *buf, size_t cap);
ssize_t virtio_pci_load(struct virtio_pci *vp, const uint8_t *buf, size_t len, char *err,
			int err_len);
/* The device table's operations (dev/device.h) for a device whose struct
 * begins with its struct virtio_pci, where the transport is all there is
 * to freeze, save or load. */
void virtio_pci_dev_freeze(void *dev, bool frozen);
ssize_t virtio_pci_dev_save(void *dev, uint8_t *buf, size_t cap);
ssize_t virtio_pci_dev_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len);
/* For the loader only, under vp->lock. */
void virtio_pci_reset_locked(struct virtio_pci *vp);
void virtio_pci_resume_locked(struct virtio_pci *vp, uint8_t status, const uint8_t *enabled,
			      const uint16_t *last_avail, const uint16_t *used_idx,
			      const uint16_t *signalled_used, const uint8_t *broken);

#endif
