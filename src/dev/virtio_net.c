#include "dev/virtio_net.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "net/virtio_net_hdr.h"
#include "net/netdev.h"
#include "net/tap.h"

#define VIRTIO_ID_NET 1
#define PCI_CLASS_NETWORK_ETHERNET 0x020000
#define RXQ 0
#define TXQ 1

/* user networking (slirp) takes plain frames: no offloads */
static const uint64_t user_features =
	1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS;

static const uint64_t net_features =
	1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |
	1ull << VIRTIO_NET_F_GUEST_TSO4 | 1ull << VIRTIO_NET_F_GUEST_TSO6 |
	1ull << VIRTIO_NET_F_GUEST_ECN | 1ull << VIRTIO_NET_F_HOST_TSO4 |
	1ull << VIRTIO_NET_F_HOST_TSO6 | 1ull << VIRTIO_NET_F_HOST_ECN |
	1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS;

static bool negotiated(const struct virtio_net *net, unsigned bit)
{
	return net->vp.driver_features >> bit & 1;
}

/* Watch the tap for input only while frames can go somewhere. */
static void poll_tap(struct virtio_net *net, bool on)
{
	if (net->tap_fd < 0 || net->tap_polled == on)
		return;
	if (evloop_mod(net->vp.host.loop, &net->tap_h, on ? EPOLLIN : 0) == 0)
		net->tap_polled = on;
}

/* --- receive: tap -> guest --- */

/* Copies frame bytes from *off into the chain's writable buffers. */
static uint32_t fill_chain(struct virtio_net *net, const struct virtq_chain *c, size_t *off,
			   uint8_t **num_buffers)
{
	uint32_t written = 0;

	for (unsigned i = 0; i < c->nr_segs && *off < net->frame_len; i++) {
		const struct virtq_seg *s = &c->segs[i];
		size_t n = s->len < net->frame_len - *off ? s->len : net->frame_len - *off;

		if (!s->device_writes)
			continue;
		memcpy(s->hva, net->frame + *off, n);
		guest_mem_mark_dirty(net->vp.host.mem, s->hva, n);
		/* where the header's num_buffers (bytes 10-11) landed */
		for (size_t b = 10; b < 12; b++)
			if (b >= *off && b < *off + n)
				num_buffers[b - 10] = (uint8_t *)s->hva + (b - *off);
		*off += n;
		written += (uint32_t)n;
	}
	return written;
}

/* One frame into as many chains as it takes (one without mergeable
 * buffers). 1: delivered (or dropped), 0: not enough buffers yet (the
 * chains taken are given back), -1: the queue broke. */
static int deliver(struct virtio_net *net)
{
	struct virtio_net_rx_used *used = net->rx_used;
	struct virtq *vq = &net->vp.vq[RXQ];
	bool mrg = negotiated(net, VIRTIO_NET_F_MRG_RXBUF);
	uint8_t *num_buffers[2] = { NULL, NULL };
	unsigned n = 0;
	size_t off = 0;
	char err[160];

	while (off < net->frame_len) {
		int r;

		if (n == VIRTIO_QUEUE_SIZE || (!mrg && n == 1)) {
			/* the buffers cannot hold it (without mergeable buffers the
			 * driver must give whole-frame ones): dropped, buffers kept */
			virtq_unpop(vq, n);
			net->rx_dropped++;
			return 1;
		}
		r = virtq_pop(vq, &net->chain, err, sizeof(err));
		if (r < 0) {
			virtio_pci_queue_broken(&net->vp, RXQ, err);
			return -1;
		}
		if (r == 0) {
			virtq_unpop(vq, n);     /* the frame waits for more buffers */
			return 0;
		}
		used[n].head = net->chain.head;
		used[n].len = fill_chain(net, &net->chain, &off, num_buffers);
		n++;
	}
	/* a frame is at least its header: num_buffers landed somewhere */
	if (num_buffers[0] && num_buffers[1]) {
		*num_buffers[0] = (uint8_t)n;
		*num_buffers[1] = (uint8_t)(n >> 8);
	}
	for (unsigned i = 0; i < n; i++)
		virtq_push(vq, used[i].head, used[i].len);
	net->rx_frames++;
	return 1;
}

/* Frames from the tap into the guest while it has buffers. Under vp->lock. */
static void rx_pump(struct virtio_net *net)
{
	struct virtio_pci *vp = &net->vp;
	bool pushed = false;

	if (net->tap_fd < 0)
		return;
	if (!(vp->status & VIRTIO_STATUS_DRIVER_OK) || !vp->vq[RXQ].enabled || vp->frozen ||
	    vp->vq[RXQ].broken) {
		poll_tap(net, false);   /* a kick of the receive queue or a thaw restarts it */
		return;
	}
	for (;;) {
		int r;

		if (!net->frame_len) {
			ssize_t got = read(net->tap_fd, net->frame, VIRTIO_NET_FRAME_MAX);

			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				if (errno != EAGAIN && !net->rx_error_logged) {
					log_error("virtio-net %s: reading the tap: %s", net->cfg.ifname,
						  strerror(errno));
					net->rx_error_logged = true;
				}
				poll_tap(net, true);
				break;
			}
			if (got <= VIRTIO_NET_HDR_BYTES)
				continue;
			net->frame_len = (size_t)got;
		}
		r = deliver(net);
		if (r == 0 && virtq_kick_on_more(&vp->vq[RXQ]))
			continue;               /* buffers came meanwhile */
		if (r == 0) {
			/* until the guest adds buffers (it was asked to kick then) */
			poll_tap(net, false);
			break;
		}
		net->frame_len = 0;
		if (r < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_pci_notify_used(vp, RXQ);
}

static void on_tap(struct ev_handler *h, uint32_t events)
{
	struct virtio_net *net = h->opaque;

	pthread_mutex_lock(&net->vp.lock);
	rx_pump(net);
	pthread_mutex_unlock(&net->vp.lock);
}

/* --- transmit: guest -> tap --- */

static void tx_one(struct virtio_net *net, const struct virtq_chain *c)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	uint64_t bytes;
	unsigned n = virtq_chain_iov(c, false, 0, 0, iov, &bytes);
	ssize_t w;

	if (bytes <= VIRTIO_NET_HDR_BYTES || net->tap_fd < 0)
		return;         /* nothing to send, or nowhere to: dropped */
	for (int tries = 0;; tries++) {
		struct pollfd p = { .fd = net->tap_fd, .events = POLLOUT };

		w = writev(net->tap_fd, iov, (int)n);
		if (w >= 0 || (errno != EINTR && (errno != EAGAIN || tries == 2)))
			break;
		if (errno == EAGAIN)    /* the backend is behind (user networking's pair) */
			poll(&p, 1, 10);
	}
	if (w >= 0) {
		net->tx_frames++;
		return;
	}
	/* the host refused this frame (a bad GSO header, a full queue): the
	 * frame is lost, as on a wire; the device carries on */
	net->tx_errors++;
	if (!net->tx_error_logged)
		log_error("virtio-net %s: the tap refused a frame: %s (said once)", net->cfg.ifname,
			  strerror(errno));
	net->tx_error_logged = true;
}

static void tx_flush(struct virtio_net *net)
{
	struct virtq *vq = &net->vp.vq[TXQ];
	char err[160];
	int r;

	do {
		virtq_kicks_off(vq);
		while ((r = virtq_pop(vq, &net->chain, err, sizeof(err))) > 0) {
			tx_one(net, &net->chain);
			virtq_push(vq, net->chain.head, 0);
		}
	} while (r == 0 && virtq_kicks_on(vq));
	if (r < 0)
		virtio_pci_queue_broken(&net->vp, TXQ, err);
	virtio_pci_notify_used(&net->vp, TXQ);
}

/* --- the kernel's data path (vhost-net) --- */

static bool vhost_wanted(const struct virtio_net *net)
{
	const struct virtio_pci *vp = &net->vp;

	return net->vhost->fd >= 0 && net->tap_fd >= 0 && !net->kernel_path_off && !vp->frozen &&
	       (vp->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vp->status & VIRTIO_STATUS_NEEDS_RESET) && vp->vq[RXQ].enabled &&
	       vp->vq[TXQ].enabled && !vp->vq[RXQ].broken && !vp->vq[TXQ].broken;
}

/* The kernel could not take the queues: the userspace path from now on. */
static void vhost_give_up(struct virtio_net *net, const char *why)
{
	log_error("virtio-net %s: vhost-net: %s: the userspace data path instead", net->cfg.ifname,
		  why);
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++)
		virtio_pci_kicks_to_device(&net->vp, q, true);
	vhost_net_close(net->vhost);
}

/* Where the kernel should signal queue q: the vector's irqfd (KVM
 * injects, meridian never wakes up) while the vector is usable, else
 * meridian's relay, which keeps masking, pending bits and INTx right. */
static int vhost_call_target(struct virtio_net *net, unsigned q)
{
	int fd = virtio_pci_queue_irqfd(&net->vp, q);

	return fd >= 0 ? fd : net->vhost_call[q].fd;
}

static void vhost_begin(struct virtio_net *net)
{
	struct virtio_pci *vp = &net->vp;
	struct vhost_ring ring[VHOST_NET_QUEUES];
	uint64_t features, one = 1;
	char err[160];

	features = vhost_net_ack(net->vhost, vp->driver_features, err, sizeof(err));
	if (!features)
		return vhost_give_up(net, err);
	tx_flush(net);                  /* what the guest queued meanwhile goes first */
	if (net->frame_len)
		net->rx_dropped++;      /* a frame read but not delivered: lost, as on a wire */
	net->frame_len = 0;
	poll_tap(net, false);
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		const struct virtq *vq = &vp->vq[q];

		ring[q] = (struct vhost_ring){ .size = vq->size, .next_avail = vq->last_avail,
					       .desc = vq->desc, .avail = vq->avail, .used = vq->used,
					       .kick_fd = vp->kick[q].fd,
					       .call_fd = vhost_call_target(net, q) };
		net->vhost_call_fd[q] = ring[q].call_fd;
		virtio_pci_kicks_to_device(vp, q, false);
	}
	if (vhost_net_start(net->vhost, vp->host.mem, features, ring, net->tap_fd, err,
			    sizeof(err)))
		return vhost_give_up(net, err);
	log_once("virtio-net %s: vhost-net: the kernel moves the frames", net->cfg.ifname);
	/* buffers the guest made available before the kernel was watching */
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++)
		if (write(vp->kick[q].fd, &one, sizeof(one)) < 0)
			break;
}

/* The userspace path goes on where the kernel stopped. */
static void vhost_end(struct virtio_net *net)
{
	struct virtio_pci *vp = &net->vp;
	uint16_t next[VHOST_NET_QUEUES];
	bool lost = vhost_net_stop(net->vhost, next) < 0;

	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		struct virtq *vq = &vp->vq[q];

		virtio_pci_kicks_to_device(vp, q, true);
		if (!vq->enabled)
			continue;       /* a reset: nothing to go on with */
		if (lost) {
			virtio_pci_queue_broken(vp, q, "vhost-net lost the queue's position");
			continue;
		}
		virtq_resume_at(vq, next[q]);   /* (the kernel may have left kicks off) */
		virtio_pci_signal(vp, q);       /* the kernel may have held one back */
	}
	if (!vp->frozen && (vp->status & VIRTIO_STATUS_DRIVER_OK)) {
		tx_flush(net);
		rx_pump(net);
	}
}

/* Starts or stops the kernel's data path as things stand. Under vp->lock. */
static void vhost_update(struct virtio_net *net)
{
	bool want = vhost_wanted(net);

	if (want && !net->vhost->running)
		vhost_begin(net);
	else if (!want && net->vhost->running)
		vhost_end(net);
}

static void net_vectors_changed(struct virtio_pci *vp)
{
	struct virtio_net *net = vp->device;

	for (unsigned q = 0; net->vhost->running && q < VHOST_NET_QUEUES; q++) {
		int fd = vhost_call_target(net, q), r;

		if (fd == net->vhost_call_fd[q])
			continue;
		r = vhost_net_set_call(net->vhost, q, fd);
		if (r)
			log_error("virtio-net %s: vhost-net: VHOST_SET_VRING_CALL: %s", net->cfg.ifname,
				  strerror(-r));
		else
			net->vhost_call_fd[q] = fd;
	}
}

/* The kernel wants an interrupt for queue q (relayed). */
static void on_vhost_call(struct ev_handler *h, uint32_t events)
{
	struct virtio_net *net = h->opaque;
	uint64_t n;

	if (read(h->fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&net->vp.lock);
	virtio_pci_signal(&net->vp, (unsigned)(h - net->vhost_call));
	pthread_mutex_unlock(&net->vp.lock);
}

/* At start: the relays for the kernel's interrupts, where the machine's
 * backend has a vhost device (netdev_open_vhost). 0, or -1 with err. */
static int vhost_setup(struct virtio_net *net, char *err, int err_len)
{
	if (net->vhost->fd < 0)
		return 0;
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		struct ev_handler *h = &net->vhost_call[q];

		*h = (struct ev_handler){ .cb = on_vhost_call, .opaque = net };
		h->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (h->fd < 0 || evloop_add(net->vp.host.loop, h, EPOLLIN)) {
			snprintf(err, err_len, "virtio-net %s: vhost: eventfd: %s", net->cfg.ifname,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void vhost_teardown(struct virtio_net *net)
{
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++) {
		if (net->vhost_call[q].fd < 0)
			continue;
		evloop_del(net->vp.host.loop, &net->vhost_call[q]);
		close(net->vhost_call[q].fd);
		net->vhost_call[q].fd = -1;
	}
}

/* --- the transport's hooks --- */

static void net_notify(struct virtio_pci *vp, unsigned queue)
{
	struct virtio_net *net = vp->device;

	if (net->vhost->running) {
		uint64_t one = 1;

		/* a kick that came as an MMIO write: the kernel's, too */
		if (write(vp->kick[queue].fd, &one, sizeof(one)) < 0)
			log_once("virtio-net: forwarding a kick to vhost: %s", strerror(errno));
	} else if (queue == TXQ)
		tx_flush(net);
	else
		rx_pump(net);           /* new receive buffers */
}

static void net_driver_ok(struct virtio_pci *vp)
{
	struct virtio_net *net = vp->device;
	int r = net->tap_fd >= 0 ? tap_set_offload(net->tap_fd, vp->driver_features) : 0;

	if (r && r != -ENOTTY)  /* ENOTTY: not a tap (a test's socket) */
		log_error("virtio-net %s: TUNSETOFFLOAD: %s", net->cfg.ifname, strerror(-r));
	rx_pump(net);
	vhost_update(net);
}

static void net_reset(struct virtio_pci *vp)
{
	struct virtio_net *net = vp->device;

	if (net->vhost->running)
		vhost_net_stop(net->vhost, (uint16_t[VHOST_NET_QUEUES]){ 0 });
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++)
		virtio_pci_kicks_to_device(vp, q, true);
	net->frame_len = 0;
	poll_tap(net, false);
}

static void net_config_read(struct virtio_pci *vp, uint32_t offset, void *data, unsigned len)
{
	struct virtio_net *net = vp->device;

	memcpy(data, net->config + offset, len);
}

static const struct virtio_device_ops net_ops_template = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.pci_class = PCI_CLASS_NETWORK_ETHERNET,
	.features = net_features,
	.nr_queues = 2,
	.queue_notify = net_notify,
	.config_read = net_config_read,
	.config_bytes = sizeof(((struct virtio_net *)0)->config),
	.driver_ok = net_driver_ok,
	.vectors_changed = net_vectors_changed,
	.reset = net_reset,
};

/* --- the tap --- */

int virtio_net_attach_fd(struct virtio_net *net, int fd, char *err, int err_len)
{
	/* read from the event loop under the device's lock: never block */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pthread_mutex_lock(&net->vp.lock);
	net->tap_fd = fd;
	net->tap_h = (struct ev_handler){ .fd = fd, .cb = on_tap, .opaque = net };
	net->tap_polled = false;
	if (evloop_add(net->vp.host.loop, &net->tap_h, 0)) {
		snprintf(err, err_len, "tap %s: epoll: %s", net->cfg.ifname, strerror(errno));
		net->tap_fd = -1;
		pthread_mutex_unlock(&net->vp.lock);
		return -1;
	}
	if (net->vp.status & VIRTIO_STATUS_DRIVER_OK)
		net_driver_ok(&net->vp);
	pthread_mutex_unlock(&net->vp.lock);
	return 0;
}

int virtio_net_attach(struct virtio_net *net, unsigned wait_ms, char *err, int err_len)
{
	if (!net->backend)
		return snprintf(err, err_len, "virtio-net %s: no backend", net->cfg.ifname), -1;
	if (net->tap_fd >= 0)
		return 0;
	if (netdev_open(net->backend, wait_ms, err, err_len))
		return -1;
	return virtio_net_attach_fd(net, net->backend->fd, err, err_len);
}

void virtio_net_detach(struct virtio_net *net)
{
	pthread_mutex_lock(&net->vp.lock);
	if (net->tap_fd >= 0) {
		if (net->vhost->running)
			vhost_end(net);         /* (it may watch the tap again) */
		evloop_del(net->vp.host.loop, &net->tap_h);
		net->tap_polled = false;
	}
	net->tap_fd = -1;
	pthread_mutex_unlock(&net->vp.lock);
}

void virtio_net_release(struct virtio_net *net)
{
	virtio_net_detach(net);
	if (net->backend)
		netdev_close(net->backend);
}

int virtio_net_init(struct virtio_net *net, const struct net_config *cfg,
		    struct netdev *backend, const struct virtio_host *host, uint64_t bar_gpa,
		    char *err, int err_len)
{
	int r;

	memset(net, 0, sizeof(*net));
	net->no_vhost.fd = -1;
	net->vhost = backend ? &backend->vhost : &net->no_vhost;
	for (unsigned q = 0; q < VHOST_NET_QUEUES; q++)
		net->vhost_call[q].fd = -1;
	net->cfg = *cfg;
	net->backend = backend;
	net->tap_fd = -1;
	memcpy(net->config, cfg->mac, 6);
	net->config[6] = VIRTIO_NET_S_LINK_UP;
	net->config[8] = 1;             /* max_virtqueue_pairs */
	net->frame = malloc(VIRTIO_NET_FRAME_MAX);
	if (!net->frame)
		return snprintf(err, err_len, "out of memory"), -1;
	net->ops = net_ops_template;
	net->ops.features = cfg->backend == NET_USER ? user_features : net_features;
	if (cfg->backend == NET_USER)
		snprintf(net->cfg.ifname, sizeof(net->cfg.ifname), "user");
	r = virtio_pci_init(&net->vp, &net->ops, net, host, bar_gpa);
	if (r) {
		free(net->frame);
		return snprintf(err, err_len, "virtio-net: %s", strerror(-r)), -1;
	}
	if (vhost_setup(net, err, err_len) || (backend && backend->fd >= 0 &&
	    virtio_net_attach_fd(net, backend->fd, err, err_len))) {
		virtio_net_destroy(net);
		return -1;
	}
	return 0;
}

void virtio_net_freeze(struct virtio_net *net, bool frozen)
{
	virtio_pci_freeze(&net->vp, frozen);
	pthread_mutex_lock(&net->vp.lock);
	vhost_update(net);
	pthread_mutex_unlock(&net->vp.lock);
}

void virtio_net_allow_kernel_path(struct virtio_net *net, bool allowed)
{
	pthread_mutex_lock(&net->vp.lock);
	net->kernel_path_off = !allowed;
	vhost_update(net);
	pthread_mutex_unlock(&net->vp.lock);
}

bool virtio_net_vhost_running(struct virtio_net *net)
{
	bool running;

	pthread_mutex_lock(&net->vp.lock);
	running = net->vhost->running;
	pthread_mutex_unlock(&net->vp.lock);
	return running;
}

void virtio_net_destroy(struct virtio_net *net)
{
	virtio_net_detach(net);
	vhost_teardown(net);
	virtio_pci_destroy(&net->vp);
	free(net->frame);
	net->frame = NULL;
}

int virtio_net_check_config(struct virtio_net *net, const uint8_t *mac, size_t len, char *err,
			    int err_len)
{
	if (len != 6) {
		snprintf(err, err_len, "virtio-net: %zu bytes of configuration, 6 expected", len);
		return -1;
	}
	if (memcmp(mac, net->cfg.mac, 6)) {
		snprintf(err, err_len, "virtio-net %s: the saved device has MAC "
			 "%02x:%02x:%02x:%02x:%02x:%02x, this one another (--net mac=)",
			 net->cfg.ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		return -1;
	}
	return 0;
}

/* --- in the device table --- */

/* (virtio_pci_dev_* take the device for its transport) */
_Static_assert(offsetof(struct virtio_net, vp) == 0, "the transport first");

static void net_freeze(void *dev, bool frozen)
{
	virtio_net_freeze(dev, frozen);
}

static ssize_t net_save_config(void *dev, uint8_t *buf, size_t cap)
{
	struct virtio_net *net = dev;

	if (cap < 6)
		return -1;
	memcpy(buf, net->cfg.mac, 6);
	return 6;
}

static int net_check_config(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return virtio_net_check_config(dev, buf, len, err, err_len);
}

static void net_dirty_logging(void *dev, bool on)
{
	virtio_net_allow_kernel_path(dev, !on);
}

static int net_attach(void *dev, unsigned wait_ms)
{
	struct virtio_net *net = dev;
	char err[200];

	if (net->tap_fd >= 0)
		return 0;
	if (virtio_net_attach(net, wait_ms, err, sizeof(err))) {
		log_error("--net: %s", err);
		return -1;
	}
	return 0;
}

static void net_release(void *dev)
{
	virtio_net_release(dev);
}

static void net_destroy(void *dev)
{
	virtio_net_destroy(dev);
	free(dev);
}

static const struct device_ops net_device_ops = {
	.freeze = net_freeze, .save_config = net_save_config, .check_config = net_check_config,
	.save = virtio_pci_dev_save, .load = virtio_pci_dev_load, .dirty_logging = net_dirty_logging,
	.attach = net_attach, .release = net_release, .destroy = net_destroy,
};

static unsigned net_count(const struct vm_config *cfg)
{
	return cfg->nr_nets;
}

/* One per --net, on the machine's backend for it (held already, or
 * taken by attach once an incoming guest has arrived). */
static int net_create(const struct device_host *host, unsigned index, struct device *d)
{
	struct virtio_net *net = calloc(1, sizeof(*net));
	char err[200];

	if (!net)
		return -ENOMEM;
	if (virtio_net_init(net, &host->cfg->nets[index], &host->nets[index], &host->virtio,
			    host->take_bar(host->ctx, false), err, sizeof(err))) {
		free(net);
		log_error("--net: %s", err);
		return -ECANCELED;
	}
	d->ops = &net_device_ops;
	d->dev = net;
	return host->plug(host->ctx, &net->vp.pci);
}

const struct device_kind virtio_net_kind = { "virtio-net", net_count, net_create };
