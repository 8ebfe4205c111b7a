/* One --net: a virtio-net device and its backend (a tap, or user-mode
 * networking). */
#ifndef MERIDIAN_NET_CONFIG_H
#define MERIDIAN_NET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/limits.h"

enum net_backend { NET_TAP, NET_USER };
enum net_vhost { NET_VHOST_AUTO, NET_VHOST_ON, NET_VHOST_OFF };

/* hostfwd: connections to the host's addr:port go to the guest's */
struct net_hostfwd {
	bool udp;
	uint32_t host_addr, guest_addr;         /* network order; host 0: any */
	uint16_t host_port, guest_port;
};

struct net_config {
	enum net_backend backend;
	char ifname[NET_IFNAME_MAX + 1];        /* tap */
	struct net_hostfwd fwd[MAX_HOSTFWDS];   /* user */
	unsigned nr_fwd;
	uint8_t mac[6];
	bool mac_given;
	enum net_vhost vhost;                   /* tap */
};

#endif
