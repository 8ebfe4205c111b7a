/* One virtio-net device per --net:
 *   tap,ifname=NAME[,mac=52:54:00:xx:xx:xx][,vhost=auto|on|off]
 *        an existing tap interface; vhost: the kernel's data path
 *        (/dev/vhost-net) where the host has it (auto, the default: else
 *        the userspace path, said once), required (on), or never (off)
 *   user[,hostfwd=tcp|udp:[ADDR]:HPORT-[GADDR]:GPORT]...[,mac=...]
 *        user-mode networking (libslirp): 10.0.2.0/24, the host 10.0.2.2,
 *        DNS 10.0.2.3, DHCP from 10.0.2.15; no root and no tap needed.
 */
#ifndef MERIDIAN_NET_SPEC_H
#define MERIDIAN_NET_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_NETS 4
#define NET_IFNAME_MAX 15       /* IFNAMSIZ - 1 */

#define MAX_HOSTFWDS 8

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

/* Parses one --net value. Returns 0, or 1 after printing one line that
 * names the bad part. */
int net_spec_parse(const char *text, struct net_config *net);
/* "52:54:00:12:34:56" into mac: 0, or -1 (malformed, or a multicast
 * address, which no NIC may have). */
int net_parse_mac(const char *text, uint8_t mac[6]);
/* "tcp::2222-:22", "udp:127.0.0.1:5353-10.0.2.15:53": 0, or -1. */
int net_parse_hostfwd(const char *text, struct net_hostfwd *fwd);
/* The default MAC of device index: QEMU's 52:54:00:12:34:56, + index. */
void net_default_mac(unsigned index, uint8_t mac[6]);

#endif
