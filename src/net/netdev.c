#include "net/netdev.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "net/slirp_net.h"
#include "net/tap.h"

#define VHOST_NET_DEV "/dev/vhost-net"

void netdev_init(struct netdev *b, const struct net_config *cfg)
{
	b->cfg = cfg;
	b->fd = -1;
	b->slirp = NULL;
	b->vhost = (struct vhost_net){ .fd = -1 };
}

int netdev_open_vhost(struct netdev *b, char *err, int err_len)
{
	char why[160];

	if (b->cfg->backend != NET_TAP || b->cfg->vhost == NET_VHOST_OFF || b->vhost.fd >= 0)
		return 0;
	if (vhost_net_open(&b->vhost, VHOST_NET_DEV, why, sizeof(why))) {
		if (b->cfg->vhost == NET_VHOST_ON)
			return snprintf(err, err_len, "virtio-net %s: vhost=on: %s", b->cfg->ifname,
					why), -1;
		log_once("virtio-net %s: no vhost-net (%s): the userspace data path",
			 b->cfg->ifname, why);
	}
	return 0;
}

int netdev_open(struct netdev *b, unsigned wait_ms, char *err, int err_len)
{
	/* the source lets the tap go right after the destination's word: a
	 * short step, for it is the guest's pause that waits here */
	struct timespec pause = { .tv_nsec = 1000000 };
	unsigned waited = 0;
	int fd;

	if (b->fd >= 0)
		return 0;
	if (b->cfg->backend == NET_USER) {
		b->slirp = slirp_net_start(b->cfg, &b->fd, err, err_len);
		return b->slirp ? 0 : -1;
	}
	while ((fd = tap_open(b->cfg->ifname, err, err_len)) == -EBUSY && waited < wait_ms) {
		nanosleep(&pause, NULL);
		waited += 1;
	}
	if (fd < 0)
		return -1;
	b->fd = fd;
	return 0;
}

void netdev_close(struct netdev *b)
{
	if (b->fd >= 0)
		close(b->fd);           /* the tap, or the device's end of slirp's pair */
	b->fd = -1;
	slirp_net_stop(b->slirp);
	b->slirp = NULL;
}

void netdev_destroy(struct netdev *b)
{
	netdev_close(b);
	vhost_net_close(&b->vhost);
}
