#include "dev/virtio_pci.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "base/le_bytes.h"
#include "base/log.h"

#define VIRTIO_PCI_VENDOR  0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040   /* + device type: modern-only IDs */
#define PCI_CAP_VENDOR     0x09
#define PCI_CAP_MSIX       0x11

/* The BAR's layout */
#define COMMON_OFF   0x0000
#define COMMON_BYTES 0x38
#define ISR_OFF      0x1000
#define DEVICE_OFF   0x2000
#define NOTIFY_OFF   0x3000
#define NOTIFY_MULT  4
#define MSIX_OFF     0x4000
#define PBA_OFF      0x5000
#define REGION_BYTES 0x1000

#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4
#define CFG_PCI    5    /* BAR access through configuration space */
#define PCI_CFG_DATA 16 /* pci_cfg_data's offset in that capability */

#define PCI_COMMAND_INTX_DISABLE 0x400
#define MSIX_ENABLE     0x8000
#define MSIX_MASKALL    0x4000
#define MSIX_CTRL_MASKED 1
#define NO_VECTOR 0xffff

static uint64_t offered_features(const struct virtio_pci *vp)
{
	return vp->ops->features | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_RING_EVENT_IDX |
	       1ull << VIRTIO_F_INDIRECT_DESC;
}

/* --- interrupts (MSI-X through KVM_SIGNAL_MSI) --- */

static uint16_t msix_control(const struct virtio_pci *vp)
{
	return (uint16_t)le_get(vp->pci.config + vp->msix_cap + 2, 2);
}

static void irqfd_release(struct virtio_pci *vp, unsigned v)
{
	struct kvm_irqfd off = { .fd = (uint32_t)vp->irqfd[v], .gsi = vp->irqfd_gsi[v],
				 .flags = KVM_IRQFD_FLAG_DEASSIGN };

	if (vp->irqfd[v] < 0)
		return;
	ioctl(vp->host.vm_fd, KVM_IRQFD, &off);
	close(vp->irqfd[v]);
	irq_routes_del_msi(vp->host.routes, vp->irqfd_gsi[v]);
	vp->irqfd[v] = -1;
}

/* The vector's irqfd, its route made (first use) or moved to msg (the
 * guest reprogrammed the entry). -1 when there is none to be had. */
static int irqfd_for(struct virtio_pci *vp, unsigned v, const struct msi_msg *msg)
{
	struct kvm_irqfd on = { 0 };
	unsigned gsi;

	if (!vp->host.routes)
		return -1;
	if (vp->irqfd[v] >= 0) {
		if (memcmp(&vp->routed[v], msg, sizeof(*msg)) &&
		    irq_routes_update_msi(vp->host.routes, vp->irqfd_gsi[v], msg))
			return -1;
		vp->routed[v] = *msg;
		return vp->irqfd[v];
	}
	if (irq_routes_add_msi(vp->host.routes, msg, &gsi))
		return -1;
	on.fd = (uint32_t)eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	on.gsi = gsi;
	if ((int)on.fd < 0 || ioctl(vp->host.vm_fd, KVM_IRQFD, &on) < 0) {
		if ((int)on.fd >= 0)
			close((int)on.fd);
		irq_routes_del_msi(vp->host.routes, gsi);
		return -1;
	}
	vp->irqfd[v] = (int)on.fd;
	vp->irqfd_gsi[v] = gsi;
	vp->routed[v] = *msg;
	return vp->irqfd[v];
}

/* Interrupts the driver through MSI-X vector `vector`: the vector's irqfd,
 * or KVM_SIGNAL_MSI where there is none. (Without MSI-X, INTx follows
 * the ISR: intx_update.) */
static void msix_send(struct virtio_pci *vp, uint16_t vector)
{
	const uint32_t *e;
	struct msi_msg msg;
	struct kvm_msi msi;
	uint64_t one = 1;
	int fd;

	if (vector > vp->ops->nr_queues || !(msix_control(vp) & MSIX_ENABLE))
		return;                 /* NO_VECTOR, or MSI-X off */
	e = vp->msix[vector];
	if ((e[3] & MSIX_CTRL_MASKED) || (msix_control(vp) & MSIX_MASKALL)) {
		vp->msix_pending |= 1u << vector;
		return;
	}
	msg = (struct msi_msg){ .address_lo = e[0], .address_hi = e[1], .data = e[2] };
	fd = irqfd_for(vp, vector, &msg);
	if (fd >= 0 && write(fd, &one, sizeof(one)) == sizeof(one))
		return;
	if (vp->host.routes)
		log_once("virtio: no irqfd for MSI-X (%s): interrupts go through KVM_SIGNAL_MSI",
			 strerror(errno));
	msi = (struct kvm_msi){ .address_lo = e[0], .address_hi = e[1], .data = e[2] };
	if (ioctl(vp->host.vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		log_once("virtio: KVM_SIGNAL_MSI: %s", strerror(errno));
}

/* Vector v can interrupt now: MSI-X on, neither the function nor the
 * entry masked (NO_VECTOR never). */
static bool vector_open(const struct virtio_pci *vp, unsigned v)
{
	return v <= vp->ops->nr_queues &&
	       (msix_control(vp) & (MSIX_ENABLE | MSIX_MASKALL)) == MSIX_ENABLE &&
	       !(vp->msix[v][3] & MSIX_CTRL_MASKED);
}

int virtio_pci_queue_irqfd(struct virtio_pci *vp, unsigned queue)
{
	uint16_t v = vp->qcfg[queue].msix_vector;
	const uint32_t *e;
	struct msi_msg msg;

	if (!vector_open(vp, v))
		return -1;
	e = vp->msix[v];
	msg = (struct msi_msg){ .address_lo = e[0], .address_hi = e[1], .data = e[2] };
	return irqfd_for(vp, v, &msg);
}

/* The driver changed its interrupt setup: vectors that fired while
 * masked go now, and a device that handed irqfds out looks again. */
static void vectors_changed(struct virtio_pci *vp)
{
	for (unsigned v = 0; vp->msix_pending && v <= vp->ops->nr_queues; v++)
		if ((vp->msix_pending & (1u << v)) && vector_open(vp, v)) {
			vp->msix_pending &= ~(1u << v);
			msix_send(vp, (uint16_t)v);
		}
	if (vp->ops->vectors_changed)
		vp->ops->vectors_changed(vp);
}

/* INTx (level) follows the ISR while MSI-X is off; reading the ISR
 * clears it, which is the driver's acknowledgement. */
static void intx_update(struct virtio_pci *vp)
{
	bool level = vp->isr && !(msix_control(vp) & MSIX_ENABLE) &&
		     !(le_get(vp->pci.config + PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);

	if (level == vp->intx_level || !vp->host.set_intx)
		return;
	vp->intx_level = level;
	vp->host.set_intx(vp->host.intx_ctx, &vp->pci, level);
}

void virtio_pci_notify_used(struct virtio_pci *vp, unsigned queue)
{
	if (virtq_should_notify(&vp->vq[queue])) {
		vp->isr |= 1;
		msix_send(vp, vp->qcfg[queue].msix_vector);
		intx_update(vp);
	}
}

void virtio_pci_signal(struct virtio_pci *vp, unsigned queue)
{
	vp->isr |= 1;
	msix_send(vp, vp->qcfg[queue].msix_vector);
	intx_update(vp);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->config_generation++;
	vp->isr |= 2;
	msix_send(vp, vp->config_msix_vector);
	intx_update(vp);
}

void virtio_pci_queue_broken(struct virtio_pci *vp, unsigned queue, const char *why)
{
	if (!vp->broken_logged)
		log_error("%s: queue %u: %s: the device needs a reset", vp->pci.name, queue,
			  why);
	vp->broken_logged = true;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	vp->isr |= 2;                   /* a configuration change */
	msix_send(vp, vp->config_msix_vector);
	intx_update(vp);
}

/* --- queue notifications (ioeventfd) --- */

static void on_kick(struct ev_handler *h, uint32_t events)
{
	struct virtio_pci *vp = h->opaque;
	unsigned q = (unsigned)(h - vp->kick);
	uint64_t n;

	if (read(h->fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&vp->lock);
	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && vp->vq[q].enabled && !vp->frozen)
		vp->ops->queue_notify(vp, q);
	pthread_mutex_unlock(&vp->lock);
}

/* Every enabled queue looked at, as if kicked (a kick may have been
 * dropped while frozen, or have happened on the source of a migration). */
static void notify_all_locked(struct virtio_pci *vp)
{
	if (!(vp->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	for (unsigned q = 0; q < vp->ops->nr_queues; q++)
		if (vp->vq[q].enabled)
			vp->ops->queue_notify(vp, q);
}

void virtio_pci_dev_freeze(void *dev, bool frozen)
{
	virtio_pci_freeze(dev, frozen);
}

void virtio_pci_freeze(struct virtio_pci *vp, bool frozen)
{
	pthread_mutex_lock(&vp->lock);
	vp->frozen = frozen;
	if (!frozen)
		notify_all_locked(vp);
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_kicks_to_device(struct virtio_pci *vp, unsigned queue, bool on)
{
	evloop_mod(vp->host.loop, &vp->kick[queue], on ? EPOLLIN : 0);
}

static int ioeventfd(struct virtio_pci *vp, unsigned q, uint64_t gpa, bool assign)
{
	struct kvm_ioeventfd io = { .addr = gpa + NOTIFY_OFF + NOTIFY_MULT * q, .len = 2,
				    .fd = vp->kick[q].fd,
				    .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN };

	return ioctl(vp->host.vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static void kicks_off(struct virtio_pci *vp)
{
	for (unsigned q = 0; vp->kick_gpa && q < vp->ops->nr_queues; q++)
		ioeventfd(vp, q, vp->kick_gpa, false);
	vp->kick_gpa = 0;
}

/* At DRIVER_OK: kicks of the queues become eventfd signals. Where that
 * fails, they still arrive as MMIO writes. */
static void kicks_on(struct virtio_pci *vp)
{
	uint64_t gpa = pci_bar_gpa(&vp->pci, 0);

	kicks_off(vp);
	for (unsigned q = 0; gpa && q < vp->ops->nr_queues; q++) {
		int r = ioeventfd(vp, q, gpa, true);

		if (r) {
			log_once("virtio: KVM_IOEVENTFD: %s: queue kicks exit to meridian", strerror(-r));
			while (q--)
				ioeventfd(vp, q, gpa, false);
			return;
		}
	}
	vp->kick_gpa = gpa;
}

/* --- status and reset --- */

static void reset(struct virtio_pci *vp)
{
	kicks_off(vp);
	vp->device_feature_select = vp->driver_feature_select = 0;
	vp->driver_features = 0;
	vp->status = 0;
	vp->isr = 0;
	intx_update(vp);
	vp->config_msix_vector = NO_VECTOR;
	vp->queue_select = 0;
	vp->broken_logged = false;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vp->qcfg[q] = (struct virtio_queue_cfg){ .size = VIRTIO_QUEUE_SIZE,
							 .msix_vector = NO_VECTOR };
		memset(&vp->vq[q], 0, sizeof(vp->vq[q]));
	}
}

void virtio_pci_reset_locked(struct virtio_pci *vp)
{
	reset(vp);
}

static void queue_enable(struct virtio_pci *vp, unsigned sel);

void virtio_pci_resume_locked(struct virtio_pci *vp, uint8_t status, const uint8_t *enabled,
			      const uint16_t *last_avail, const uint16_t *used_idx,
			      const uint16_t *signalled_used, const uint8_t *broken)
{
	vp->status = status;
	for (unsigned q = 0; q < vp->ops->nr_queues; q++) {
		struct virtq *vq = &vp->vq[q];

		if (!enabled[q])
			continue;
		queue_enable(vp, q);
		vq->last_avail = last_avail[q];
		vq->used_idx = used_idx[q];
		vq->signalled_used = signalled_used[q];
		vq->broken = vq->broken || broken[q];
	}
	if (status & VIRTIO_STATUS_DRIVER_OK) {
		kicks_on(vp);
		if (vp->ops->driver_ok)
			vp->ops->driver_ok(vp);
	}
	/* what the driver queued after the source stopped looking goes now */
	notify_all_locked(vp);
}

static void set_status(struct virtio_pci *vp, uint8_t status)
{
	uint8_t newly = status & ~vp->status;

	if (status == 0) {
		if (vp->ops->reset)
			vp->ops->reset(vp);
		reset(vp);
		return;
	}
	if (newly & VIRTIO_STATUS_FEATURES_OK) {
		uint64_t f = vp->driver_features;

		/* only what was offered, and the modern interface */
		if ((f & ~offered_features(vp)) || !(f & (1ull << VIRTIO_F_VERSION_1)))
			status &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* NEEDS_RESET is the device's to set and only a reset clears it */
	vp->status = status | (vp->status & VIRTIO_STATUS_NEEDS_RESET);
	if (newly & VIRTIO_STATUS_DRIVER_OK) {
		kicks_on(vp);
		if (vp->ops->driver_ok)
			vp->ops->driver_ok(vp);
		/* buffers added (and kicked) before DRIVER_OK, as Linux's balloon
		 * does with its statistics buffer: a kick then was not heard */
		notify_all_locked(vp);
	}
}

/* --- the common configuration structure --- */

static void common_snapshot(const struct virtio_pci *vp, uint8_t *c)
{
	unsigned sel = vp->queue_select;
	const struct virtio_queue_cfg *q = sel < vp->ops->nr_queues ? &vp->qcfg[sel] : NULL;
	uint64_t df = vp->device_feature_select < 2 ?
		      offered_features(vp) >> (32 * vp->device_feature_select) : 0;
	uint64_t gf = vp->driver_feature_select < 2 ?
		      vp->driver_features >> (32 * vp->driver_feature_select) : 0;

	memset(c, 0, COMMON_BYTES);
	le_put(c + 0x00, vp->device_feature_select, 4);
	le_put(c + 0x04, df, 4);
	le_put(c + 0x08, vp->driver_feature_select, 4);
	le_put(c + 0x0c, gf, 4);
	le_put(c + 0x10, vp->config_msix_vector, 2);
	le_put(c + 0x12, vp->ops->nr_queues, 2);
	c[0x14] = vp->status;
	c[0x15] = vp->config_generation;
	le_put(c + 0x16, sel, 2);
	if (!q)
		return;         /* a queue that does not exist reads as size 0 */
	le_put(c + 0x18, q->size, 2);
	le_put(c + 0x1a, q->msix_vector, 2);
	le_put(c + 0x1c, vp->vq[sel].enabled, 2);
	le_put(c + 0x1e, sel, 2);   /* queue_notify_off */
	le_put(c + 0x20, q->desc_gpa, 8);
	le_put(c + 0x28, q->avail_gpa, 8);
	le_put(c + 0x30, q->used_gpa, 8);
}

static void queue_enable(struct virtio_pci *vp, unsigned sel)
{
	struct virtio_queue_cfg *q = &vp->qcfg[sel];
	struct virtq *vq = &vp->vq[sel];
	char err[160];

	vq->event_idx = vp->driver_features & (1ull << VIRTIO_F_RING_EVENT_IDX);
	vq->indirect = vp->driver_features & (1ull << VIRTIO_F_INDIRECT_DESC);
	if (virtq_enable(vq, vp->host.mem, q->size, q->desc_gpa, q->avail_gpa, q->used_gpa,
			 err, sizeof(err)))
		virtio_pci_queue_broken(vp, sel, err);
}

/* A write of the driver, applied register by register. Queue fields are
 * fixed once the queue is enabled, features once FEATURES_OK is set. */
static void common_write(struct virtio_pci *vp, unsigned off, const void *data, unsigned len)
{
	unsigned sel = vp->queue_select;
	struct virtio_queue_cfg *q = sel < vp->ops->nr_queues ? &vp->qcfg[sel] : NULL;
	bool q_open = q && !vp->vq[sel].enabled;
	uint8_t c[COMMON_BYTES];

	common_snapshot(vp, c);
	memcpy(c + off, data, len);
	switch (off) {
	case 0x00: vp->device_feature_select = (uint32_t)le_get(c, 4); break;
	case 0x08: vp->driver_feature_select = (uint32_t)le_get(c + 0x08, 4); break;
	case 0x0c:
		if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned shift = 32 * vp->driver_feature_select;

			vp->driver_features &= ~(0xffffffffull << shift);
			vp->driver_features |= le_get(c + 0x0c, 4) << shift;
		}
		break;
	case 0x10: vp->config_msix_vector = (uint16_t)le_get(c + 0x10, 2); break;
	case 0x14: set_status(vp, c[0x14]); break;
	case 0x16: vp->queue_select = (uint16_t)le_get(c + 0x16, 2); break;
	case 0x18:
		/* smaller than offered is the driver's right; larger is not */
		if (q_open && le_get(c + 0x18, 2) <= VIRTIO_QUEUE_SIZE)
			q->size = (uint16_t)le_get(c + 0x18, 2);
		break;
	case 0x1a:
		if (q) {
			q->msix_vector = (uint16_t)le_get(c + 0x1a, 2);
			vectors_changed(vp);
		}
		break;
	case 0x1c:
		if (q_open && le_get(c + 0x1c, 2) == 1)
			queue_enable(vp, sel);
		break;
	default:
		if (q_open && off >= 0x20) {
			q->desc_gpa = le_get(c + 0x20, 8);
			q->avail_gpa = le_get(c + 0x28, 8);
			q->used_gpa = le_get(c + 0x30, 8);
		}
		break;
	}
}

/* --- the BAR --- */

static void msix_access(struct virtio_pci *vp, uint64_t off, void *data, unsigned len,
			bool write)
{
	unsigned vector = (unsigned)(off / 16), word = (unsigned)(off % 16) / 4;

	if (len != 4 || off % 4 || vector > vp->ops->nr_queues) {
		if (!write)
			memset(data, 0, len);
		return;
	}
	if (!write) {
		memcpy(data, &vp->msix[vector][word], 4);
		return;
	}
	memcpy(&vp->msix[vector][word], data, 4);
	vectors_changed(vp);
}

void virtio_pci_bar_read(struct pci_device *dev, int bar, uint64_t off, void *data,
			 unsigned len)
{
	struct virtio_pci *vp = dev->opaque;
	uint8_t c[COMMON_BYTES];

	memset(data, 0, len);
	pthread_mutex_lock(&vp->lock);
	if (off + len <= COMMON_OFF + COMMON_BYTES) {
		common_snapshot(vp, c);
		memcpy(data, c + off, len);
	} else if (off == ISR_OFF) {
		*(uint8_t *)data = vp->isr;     /* reading clears it */
		vp->isr = 0;
		intx_update(vp);
	} else if (off >= DEVICE_OFF && off + len <= DEVICE_OFF + vp->ops->config_bytes) {
		vp->ops->config_read(vp, (uint32_t)(off - DEVICE_OFF), data, len);
	} else if (off >= MSIX_OFF && off < MSIX_OFF + REGION_BYTES) {
		msix_access(vp, off - MSIX_OFF, data, len, false);
	} else if (off >= PBA_OFF && off < PBA_OFF + 8 && len <= 8) {
		uint64_t pba = vp->msix_pending;

		memcpy(data, (uint8_t *)&pba + (off - PBA_OFF), len < 8 - (off - PBA_OFF) ?
		       len : 8 - (off - PBA_OFF));
	}
	pthread_mutex_unlock(&vp->lock);
}

void virtio_pci_bar_write(struct pci_device *dev, int bar, uint64_t off, const void *data,
			  unsigned len)
{
	struct virtio_pci *vp = dev->opaque;

	pthread_mutex_lock(&vp->lock);
	if (off + len <= COMMON_OFF + COMMON_BYTES) {
		common_write(vp, (unsigned)off, data, len);
	} else if (off >= NOTIFY_OFF && off < NOTIFY_OFF + NOTIFY_MULT * vp->ops->nr_queues) {
		/* a kick that did not go through the ioeventfd */
		unsigned q = (unsigned)(off - NOTIFY_OFF) / NOTIFY_MULT;

		if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && vp->vq[q].enabled)
			vp->ops->queue_notify(vp, q);
	} else if (off >= DEVICE_OFF && off + len <= DEVICE_OFF + vp->ops->config_bytes) {
		if (vp->ops->config_write)
			vp->ops->config_write(vp, (uint32_t)(off - DEVICE_OFF), data, len);
	} else if (off >= MSIX_OFF && off < MSIX_OFF + REGION_BYTES) {
		msix_access(vp, off - MSIX_OFF, (void *)data, len, true);
	}
	pthread_mutex_unlock(&vp->lock);
}

/* --- VIRTIO_PCI_CAP_PCI_CFG: the BAR through configuration space --- */

/* The driver set bar, offset and length in the capability, then reads or
 * writes pci_cfg_data: that is an access of the BAR (spec 4.1.4.9). */
static void pci_cfg_access(struct pci_device *dev, unsigned reg, unsigned len, bool write)
{
	struct virtio_pci *vp = dev->opaque;
	uint8_t *cap = dev->config + vp->pci_cfg_cap;
	unsigned data_reg = vp->pci_cfg_cap + PCI_CFG_DATA;
	uint32_t off = (uint32_t)le_get(cap + 8, 4), n = (uint32_t)le_get(cap + 12, 4);

	if (write && reg < vp->msix_cap + 4u && reg + len > vp->msix_cap + 2u) {
		/* MSI-X enable or function mask */
		pthread_mutex_lock(&vp->lock);
		vectors_changed(vp);
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	if (reg + len <= data_reg || reg >= data_reg + 4)
		return;                 /* not the data window */
	if (cap[4] != 0 || (n != 1 && n != 2 && n != 4) || off % n ||
	    (uint64_t)off + n > VIRTIO_BAR_BYTES)
		return;                 /* only BAR 0, naturally aligned */
	if (write)
		virtio_pci_bar_write(dev, 0, off, cap + PCI_CFG_DATA, n);
	else
		virtio_pci_bar_read(dev, 0, off, cap + PCI_CFG_DATA, n);
}

/* --- setup --- */

static void add_virtio_cap(struct pci_device *dev, uint8_t type, uint32_t off, uint32_t len,
			   bool notify)
{
	uint8_t body[18] = { notify ? 20 : 16, type, 0 /* BAR 0 */ };

	le_put(body + 6, off, 4);
	le_put(body + 10, len, 4);
	le_put(body + 14, NOTIFY_MULT, 4);
	pci_device_add_cap(dev, PCI_CAP_VENDOR, body, notify ? 18 : 14);
}

static void add_pci_cfg_cap(struct virtio_pci *vp)
{
	uint8_t body[18] = { 20, CFG_PCI };     /* cap_len, cfg_type; the rest the driver sets */

	vp->pci_cfg_cap = pci_device_add_cap(&vp->pci, PCI_CAP_VENDOR, body, sizeof(body));
	if (!vp->pci_cfg_cap)
		return;
	/* bar, offset, length and the data are the driver's */
	vp->pci.wmask[vp->pci_cfg_cap + 4] = 0xff;
	memset(vp->pci.wmask + vp->pci_cfg_cap + 8, 0xff, 12);
	vp->pci.config_access = pci_cfg_access;
}

int virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *ops, void *device,
		    const struct virtio_host *host, uint64_t bar_gpa)
{
	uint8_t msix[10] = { 0 };

	memset(vp, 0, sizeof(*vp));
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->kick[q].fd = -1;
	for (unsigned v = 0; v <= VIRTIO_MAX_QUEUES; v++)
		vp->irqfd[v] = -1;
	if (ops->nr_queues == 0 || ops->nr_queues > VIRTIO_MAX_QUEUES ||
	    ops->config_bytes > REGION_BYTES)
		return -EINVAL;
	vp->ops = ops;
	vp->device = device;
	vp->host = *host;
	pthread_mutex_init(&vp->lock, NULL);
	reset(vp);
	pci_device_init(&vp->pci, ops->name, VIRTIO_PCI_VENDOR,
			VIRTIO_PCI_DEVICE_BASE + ops->device_id, ops->pci_class, ops->device_id);
	vp->pci.config[PCI_REVISION] = 1;       /* modern */
	vp->pci.opaque = vp;
	vp->pci.bar_read = virtio_pci_bar_read;
	vp->pci.bar_write = virtio_pci_bar_write;
	vp->pci.config[PCI_INTERRUPT_PIN] = 1;  /* INTA: the machine routes it (_PRT) */
	if (pci_device_add_bar(&vp->pci, 0, VIRTIO_BAR_BYTES, bar_gpa))
		return -EINVAL;
	add_virtio_cap(&vp->pci, CFG_COMMON, COMMON_OFF, COMMON_BYTES, false);
	add_virtio_cap(&vp->pci, CFG_ISR, ISR_OFF, 1, false);
	if (ops->config_bytes)
		add_virtio_cap(&vp->pci, CFG_DEVICE, DEVICE_OFF, ops->config_bytes, false);
	add_virtio_cap(&vp->pci, CFG_NOTIFY, NOTIFY_OFF, NOTIFY_MULT * ops->nr_queues, true);
	/* MSI-X: one vector per queue plus configuration changes */
	le_put(msix, ops->nr_queues, 2);            /* table size - 1 */
	le_put(msix + 2, MSIX_OFF, 4);              /* BAR 0 */
	le_put(msix + 6, PBA_OFF, 4);
	vp->msix_cap = pci_device_add_cap(&vp->pci, PCI_CAP_MSIX, msix, sizeof(msix));
	add_pci_cfg_cap(vp);
	vp->pci.wmask[vp->msix_cap + 3] = (MSIX_ENABLE | MSIX_MASKALL) >> 8;
	for (unsigned v = 0; v <= ops->nr_queues; v++)
		vp->msix[v][3] = MSIX_CTRL_MASKED;
	for (unsigned q = 0; q < ops->nr_queues; q++) {
		vp->kick[q] = (struct ev_handler){ .cb = on_kick, .opaque = vp };
		vp->kick[q].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->kick[q].fd < 0 || evloop_add(host->loop, &vp->kick[q], EPOLLIN))
			return -errno;
	}
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (!vp->ops)
		return;
	kicks_off(vp);
	for (unsigned v = 0; v <= VIRTIO_MAX_QUEUES; v++)
		irqfd_release(vp, v);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (vp->kick[q].fd >= 0) {
			evloop_del(vp->host.loop, &vp->kick[q]);
			close(vp->kick[q].fd);
		}
	}
	pthread_mutex_destroy(&vp->lock);
	vp->ops = NULL;
}
