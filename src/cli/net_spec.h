/* `--net tap,ifname=NAME[,mac=52:54:00:xx:xx:xx]`: one virtio-net device
 * on an existing tap interface. (user and vhost backends: not yet.) */
#ifndef MERIDIAN_NET_SPEC_H
#define MERIDIAN_NET_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_NETS 4
#define NET_IFNAME_MAX 15       /* IFNAMSIZ - 1 */

enum net_backend { NET_TAP };

struct net_config {
	enum net_backend backend;
	char ifname[NET_IFNAME_MAX + 1];
	uint8_t mac[6];
	bool mac_given;
};

/* Parses one --net value. Returns 0, or 1 after printing one line that
 * names the bad part. */
int net_spec_parse(const char *text, struct net_config *net);
/* "52:54:00:12:34:56" into mac: 0, or -1 (malformed, or a multicast
 * address, which no NIC may have). */
int net_parse_mac(const char *text, uint8_t mac[6]);
/* The default MAC of device index: QEMU's 52:54:00:12:34:56, + index. */
void net_default_mac(unsigned index, uint8_t mac[6]);

#endif
