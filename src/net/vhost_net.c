#include "net/vhost_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/virtio_net_hdr.h"

/* The ring and header features the kernel must implement for the guest:
 * offloads are the tap's business (its vnet header), not vhost's. */
#define RING_FEATURES (1ull << VIRTIO_RING_F_INDIRECT_DESC | 1ull << VIRTIO_RING_F_EVENT_IDX | \
		       1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MRG_RXBUF)

int vhost_net_open(struct vhost_net *vh, const char *dev, char *err, int err_len)
{
	vh->running = false;
	vh->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vh->fd < 0)
		return snprintf(err, err_len, "%s: %s", dev, strerror(errno)), -1;
	if (ioctl(vh->fd, VHOST_SET_OWNER) < 0 || ioctl(vh->fd, VHOST_GET_FEATURES, &vh->features) < 0) {
		snprintf(err, err_len, "%s: %s", dev, strerror(errno));
		close(vh->fd);
		vh->fd = -1;
		return -1;
	}
	return 0;
}

void vhost_net_close(struct vhost_net *vh)
{
	if (vh->fd >= 0) {
		if (vh->running)
			vhost_net_stop(vh, (uint16_t[VHOST_NET_QUEUES]){ 0 });
		close(vh->fd);
	}
	vh->fd = -1;
}

uint64_t vhost_net_ack(const struct vhost_net *vh, uint64_t driver_features, char *err,
		       int err_len)
{
	uint64_t want = driver_features & RING_FEATURES, missing = want & ~vh->features;

	if (missing) {
		snprintf(err, err_len, "the kernel's vhost-net lacks feature bit %d",
			 __builtin_ctzll(missing));
		return 0;
	}
	return want;
}

static int set_mem_table(int fd, const struct guest_mem *mem)
{
	struct vhost_memory *m = calloc(1, sizeof(*m) + mem->nr_regions * sizeof(m->regions[0]));
	int r;

	if (!m)
		return -ENOMEM;
	m->nregions = mem->nr_regions;
	for (unsigned i = 0; i < mem->nr_regions; i++)
		m->regions[i] = (struct vhost_memory_region){
			.guest_phys_addr = mem->regions[i].gpa,
			.memory_size = mem->regions[i].size_bytes,
			.userspace_addr = (uint64_t)(uintptr_t)mem->regions[i].hva,
		};
	r = ioctl(fd, VHOST_SET_MEM_TABLE, m) < 0 ? -errno : 0;
	free(m);
	return r;
}

static int set_ring(int fd, unsigned q, const struct vhost_ring *ring, int tap_fd)
{
	struct vhost_vring_state num = { .index = q, .num = ring->size };
	struct vhost_vring_state base = { .index = q, .num = ring->next_avail };
	struct vhost_vring_addr addr = {
		.index = q,
		.desc_user_addr = (uint64_t)(uintptr_t)ring->desc,
		.avail_user_addr = (uint64_t)(uintptr_t)ring->avail,
		.used_user_addr = (uint64_t)(uintptr_t)ring->used,
	};
	struct vhost_vring_file kick = { .index = q, .fd = ring->kick_fd };
	struct vhost_vring_file call = { .index = q, .fd = ring->call_fd };
	struct vhost_vring_file backend = { .index = q, .fd = tap_fd };

	if (ioctl(fd, VHOST_SET_VRING_NUM, &num) < 0 || ioctl(fd, VHOST_SET_VRING_BASE, &base) < 0 ||
	    ioctl(fd, VHOST_SET_VRING_ADDR, &addr) < 0 || ioctl(fd, VHOST_SET_VRING_KICK, &kick) < 0 ||
	    ioctl(fd, VHOST_SET_VRING_CALL, &call) < 0 ||
	    ioctl(fd, VHOST_NET_SET_BACKEND, &backend) < 0)
		return -errno;
	return 0;
}

int vhost_net_start(struct vhost_net *vh, const struct guest_mem *mem, uint64_t features,
		    const struct vhost_ring ring[VHOST_NET_QUEUES], int tap_fd, char *err,
		    int err_len)
{
	int r;

	if (ioctl(vh->fd, VHOST_SET_FEATURES, &features) < 0) {
		snprintf(err, err_len, "VHOST_SET_FEATURES: %s", strerror(errno));
		return -1;
	}
	r = set_mem_table(vh->fd, mem);
	if (r) {
		snprintf(err, err_len, "VHOST_SET_MEM_TABLE: %s", strerror(-r));
		return -1;
	}
	vh->running = true;
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		r = set_ring(vh->fd, q, &ring[q], tap_fd);
		if (r) {
			snprintf(err, err_len, "queue %u: %s", q, strerror(-r));
			vhost_net_stop(vh, (uint16_t[VHOST_NET_QUEUES]){ 0 });
			return -1;
		}
	}
	return 0;
}

int vhost_net_set_call(struct vhost_net *vh, unsigned queue, int call_fd)
{
	struct vhost_vring_file call = { .index = queue, .fd = call_fd };

	return ioctl(vh->fd, VHOST_SET_VRING_CALL, &call) < 0 ? -errno : 0;
}

int vhost_net_stop(struct vhost_net *vh, uint16_t next_avail[VHOST_NET_QUEUES])
{
	int res = 0;

	if (!vh->running)
		return -1;
	/* detaching the backend waits for the frames the kernel is moving */
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		struct vhost_vring_file backend = { .index = q, .fd = -1 };

		ioctl(vh->fd, VHOST_NET_SET_BACKEND, &backend);
	}
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		struct vhost_vring_state base = { .index = q };

		if (ioctl(vh->fd, VHOST_GET_VRING_BASE, &base) < 0)
			res = -1;
		next_avail[q] = (uint16_t)base.num;
	}
	vh->running = false;
	return res;
}
