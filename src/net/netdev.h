/* One --net's host side: the tap, or user-mode networking's stack. The
 * machine opens it once, before the guest first runs, and lends it to
 * each VM instance's virtio-net, so a guest reset keeps the tap and the
 * user-mode connections. A live migration's source lets it go when the
 * destination has the guest; the destination takes it then (the tap is
 * busy until the source let it go, hence the wait). */
#ifndef MERIDIAN_NETDEV_H
#define MERIDIAN_NETDEV_H

#include "config/net_config.h"

struct slirp_net;

struct netdev {
	const struct net_config *cfg;
	int fd;                         /* frames, with the vnet header; -1: not held */
	struct slirp_net *slirp;        /* user-mode: its stack; NULL for a tap */
};

/* Not held yet (fd -1). */
void netdev_init(struct netdev *b, const struct net_config *cfg);
/* Takes it: opens the tap, waiting up to wait_ms while another process
 * holds it, or starts user-mode networking. 0, or -1 with err. */
int netdev_open(struct netdev *b, unsigned wait_ms, char *err, int err_len);
/* Lets it go (any thread). */
void netdev_close(struct netdev *b);

#endif
