/* One --net's host side: the tap, or user-mode networking's stack. The
 * machine opens it once, before the guest first runs, and lends it to
 * each VM instance's virtio-net, so a guest reset keeps the tap and the
 * user-mode connections. A live migration's source lets it go when the
 * destination has the guest; the destination takes it then (the tap is
 * busy until the source let it go, hence the wait). */
#ifndef MERIDIAN_NETDEV_H
#define MERIDIAN_NETDEV_H

#include "config/net_config.h"
#include "net/vhost_net.h"

struct slirp_net;

struct netdev {
	const struct net_config *cfg;
	int fd;                         /* frames, with the vnet header; -1: not held */
	struct slirp_net *slirp;        /* user-mode: its stack; NULL for a tap */
	struct vhost_net vhost;         /* a tap's kernel data path; fd -1: none */
};

/* Not held yet (fd -1). */
void netdev_init(struct netdev *b, const struct net_config *cfg);
/* A tap's /dev/vhost-net, as its vhost= asks (see net_spec.h): opened at
 * start, also for an incoming guest whose tap comes later. 0, or -1 with
 * err (vhost=on and none to be had); vhost=auto without one says so once. */
int netdev_open_vhost(struct netdev *b, char *err, int err_len);
/* Takes it: opens the tap, waiting up to wait_ms while another process
 * holds it, or starts user-mode networking. 0, or -1 with err. */
int netdev_open(struct netdev *b, unsigned wait_ms, char *err, int err_len);
/* Lets the frames' side go (any thread): the guest went to a destination.
 * The vhost device stays (it is not exclusive). */
void netdev_close(struct netdev *b);
/* All of it, when the machine ends. */
void netdev_destroy(struct netdev *b);

#endif
