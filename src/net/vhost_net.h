/* A client of the host kernel's vhost-net (/dev/vhost-net): the kernel
 * moves frames between a virtio-net device's two queues and its tap itself,
 * with no copy through meridian. meridian hands it the guest's memory
 * layout, each queue's rings and its position (the next avail slot), the
 * queue's kick eventfd (the transport's ioeventfd) and an eventfd the
 * kernel signals for an interrupt. Stopping hands the positions back, so
 * the userspace data path can go on exactly where the kernel stopped. */
#ifndef MERIDIAN_VHOST_NET_H
#define MERIDIAN_VHOST_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm/guest_mem.h"

#define VHOST_NET_QUEUES 2      /* receive, transmit */

struct vhost_net {
	int fd;                 /* -1: none */
	uint64_t features;      /* what the kernel offers */
	bool running;
};

struct vhost_ring {
	uint16_t size;
	uint16_t next_avail;    /* the avail ring slot the kernel takes next */
	void *desc, *avail, *used;      /* host views of the rings */
	int kick_fd, call_fd;
};

/* Opens DEV (normally /dev/vhost-net) and becomes its owner. 0, or -1 with
 * err. */
int vhost_net_open(struct vhost_net *vh, const char *dev, char *err, int err_len);
void vhost_net_close(struct vhost_net *vh);
/* The features the kernel must honour for a driver that negotiated
 * driver_features; 0 when it lacks one of them (err says which). */
uint64_t vhost_net_ack(const struct vhost_net *vh, uint64_t driver_features, char *err,
		       int err_len);
/* Starts the kernel's data path on tap_fd. 0, or -1 with err (the kernel
 * is then stopped again). */
int vhost_net_start(struct vhost_net *vh, const struct guest_mem *mem, uint64_t features,
		    const struct vhost_ring ring[VHOST_NET_QUEUES], int tap_fd, char *err,
		    int err_len);
/* Where the kernel signals queue q's interrupts from now on. 0 or -errno. */
int vhost_net_set_call(struct vhost_net *vh, unsigned queue, int call_fd);
/* Stops it (every frame in flight finished) and says where each queue
 * stands. 0, or -1 (the positions are then unknown). */
int vhost_net_stop(struct vhost_net *vh, uint16_t next_avail[VHOST_NET_QUEUES]);

#endif
