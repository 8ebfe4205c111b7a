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

#include <stdint.h>

#include "config/net_config.h"

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
