/* User-mode networking for virtio-net: libslirp on a thread of its own,
 * talking to the device over a datagram socket pair, one frame (with the
 * 12-byte virtio header, always zero here: no offloads) per datagram, as a
 * tap would. The guest gets DHCP (10.0.2.15 on), the host is 10.0.2.2,
 * DNS 10.0.2.3; hostfwd rules bring host ports to the guest. */
#ifndef MERIDIAN_SLIRP_NET_H
#define MERIDIAN_SLIRP_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config/net_config.h"

struct slirp_net;

/* Starts the stack; *device_fd is the device's end. NULL with err. */
struct slirp_net *slirp_net_start(const struct net_config *cfg, int *device_fd, char *err,
				  int err_len);
void slirp_net_stop(struct slirp_net *s);

#endif
