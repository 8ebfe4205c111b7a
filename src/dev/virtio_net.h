/* virtio-net (virtio spec 5.1) on a tap backend (or user networking,
 * which looks like a tap to the device: net/slirp_net.h): one receive and one
 * transmit queue, the MAC and link status in its configuration, mergeable
 * receive buffers, and the checksum/TSO offloads passed through the
 * 12-byte header both ways (the tap speaks the same header).
 *
 * Receive: the tap is read only while the guest has buffers; a frame that
 * does not fit the buffers there are waits (unpopped) for the next ones.
 * Nothing is written into guest RAM while the device is frozen (the last
 * round of a migration). The tap can be attached after the device exists:
 * a migration's destination takes it over when the source let it go.
 *
 * With vhost-net (net/vhost_net.h) the kernel moves the frames while the
 * driver runs: the queues' kicks go to it straight from KVM's ioeventfds,
 * it signals interrupts straight into the queue's MSI-X irqfd, or, while
 * that vector is masked or there is none (INTx), through an eventfd per
 * queue that meridian turns into an interrupt itself. The
 * userspace path takes over, at the kernel's positions, whenever guest
 * RAM must not change unseen: dirty tracking for a migration (the kernel's
 * writes would not be logged) and frozen devices (a snapshot, the
 * switchover). */
#ifndef MERIDIAN_VIRTIO_NET_H
#define MERIDIAN_VIRTIO_NET_H

#include <stdint.h>
#include <sys/types.h>

#include "config/net_config.h"
#include "dev/device.h"
#include "dev/virtio_pci.h"
#include "net/netdev.h"
#include "net/vhost_net.h"

#define VIRTIO_NET_FRAME_MAX (65536 + 12)       /* a GSO frame and its header */

/* A chain a frame filled, held until the whole frame is in. */
struct virtio_net_rx_used {
	uint16_t head;
	uint32_t len;
};

struct virtio_net {
	struct virtio_pci vp;
	struct virtio_device_ops ops;   /* the features depend on the backend */
	struct net_config cfg;          /* (ifname "user" for user networking) */
	struct netdev *backend;    /* the machine's (tap or user-mode): lent */
	uint8_t config[10];             /* mac, status, max_virtqueue_pairs */
	int tap_fd;                     /* the backend's fd while attached, else -1 */
	struct ev_handler tap_h;
	bool tap_polled;                /* tap_h is watched for input */
	uint8_t *frame;                 /* a frame read from the tap, not yet delivered */
	size_t frame_len;
	struct virtq_chain chain;
	/* the chains of the frame being delivered: this device's own, for
	 * two devices receive at once (under their own vp.lock each) */
	struct virtio_net_rx_used rx_used[VIRTIO_QUEUE_SIZE];
	struct vhost_net *vhost;        /* the backend's (fd -1: the userspace path only) */
	struct vhost_net no_vhost;      /* where there is no backend (tests) */
	struct ev_handler vhost_call[VHOST_NET_QUEUES];     /* its interrupts, relayed */
	int vhost_call_fd[VHOST_NET_QUEUES];    /* what it signals: an irqfd or vhost_call */
	bool kernel_path_off;           /* dirty tracking runs: no vhost */
	uint64_t rx_frames, tx_frames, rx_dropped, tx_errors;
	bool tx_error_logged, rx_error_logged;
};

/* Sets up the device on the machine's backend (NULL: none, tests attach
 * an fd), attached at once if the backend is held. 0 or -1 with err. */
int virtio_net_init(struct virtio_net *net, const struct net_config *cfg,
		    struct netdev *backend, const struct virtio_host *host, uint64_t bar_gpa,
		    char *err, int err_len);
void virtio_net_destroy(struct virtio_net *net);
/* Takes the backend (netdev_open: waiting up to wait_ms while the
 * source of a migration still holds the tap) and reads from it. 0 or -1. */
int virtio_net_attach(struct virtio_net *net, unsigned wait_ms, char *err, int err_len);
/* The same with an fd already open (tests give a datagram socket). */
int virtio_net_attach_fd(struct virtio_net *net, int fd, char *err, int err_len);
/* Stops reading from the backend (any thread); the backend stays held. */
void virtio_net_detach(struct virtio_net *net);
/* And lets the backend go: the guest went to a destination. */
void virtio_net_release(struct virtio_net *net);
/* Freezes the device (virtio_pci_freeze), the kernel's data path too. */
void virtio_net_freeze(struct virtio_net *net, bool frozen);
/* Whether the kernel's data path may run (off while guest RAM is dirty
 * tracked: it writes without KVM seeing). Any thread. */
void virtio_net_allow_kernel_path(struct virtio_net *net, bool allowed);
/* The kernel's data path is moving the frames now. */
bool virtio_net_vhost_running(struct virtio_net *net);

/* Its state is the transport's; the configuration a destination must
 * match is the MAC (0, or -1 with err for another MAC). */
int virtio_net_check_config(struct virtio_net *net, const uint8_t *mac, size_t len, char *err,
			    int err_len);

/* --net: one per option, in the device table */
extern const struct device_kind virtio_net_kind;

#endif
