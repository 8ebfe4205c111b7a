#include "cli/net_spec.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

int net_parse_mac(const char *text, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -1;
	for (unsigned i = 0; i < 6; i++) {
		if (text[i * 3] == ' ' || text[i * 3 + 1] == ' ' || (i < 5 && text[i * 3 + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return mac[0] & 1 ? -1 : 0;     /* the group bit: multicast */
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "[ADDR]:PORT" with the address optional (def when empty) */
static int parse_addr_port(char *text, uint32_t def, uint32_t *addr, uint16_t *port)
{
	char *colon = strrchr(text, ':');
	struct in_addr a;

	if (!colon)
		return -1;
	*colon = '\0';
	if (!*text)
		*addr = def;
	else if (inet_pton(AF_INET, text, &a) == 1)
		*addr = a.s_addr;
	else
		return -1;
	return parse_port(colon + 1, port);
}

int net_parse_hostfwd(const char *text, struct net_hostfwd *fwd)
{
	char buf[96], *host, *guest;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	memset(fwd, 0, sizeof(*fwd));
	if (!strncmp(buf, "tcp:", 4))
		host = buf + 4;
	else if (!strncmp(buf, "udp:", 4))
		host = buf + 4, fwd->udp = true;
	else
		return -1;
	guest = strchr(host, '-');
	if (!guest)
		return -1;
	*guest++ = '\0';
	if (strchr(guest, '-'))
		return -1;
	return parse_addr_port(host, 0, &fwd->host_addr, &fwd->host_port) ||
	       parse_addr_port(guest, htonl(0x0a00020f), &fwd->guest_addr, &fwd->guest_port) ? -1 : 0;
}

void net_default_mac(unsigned index, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(mac[5] + index);
}

static int parse_item(char *item, struct net_config *net)
{
	char *v = strchr(item, '=');

	if (!v) {
		log_error("--net %s: expected key=value (ifname, mac, vhost, hostfwd)", item);
		return 1;
	}
	*v++ = '\0';
	if (!strcmp(item, "hostfwd") && net->backend == NET_USER) {
		if (net->nr_fwd == MAX_HOSTFWDS) {
			log_error("--net hostfwd=%s: at most %d", v, MAX_HOSTFWDS);
			return 1;
		}
		if (net_parse_hostfwd(v, &net->fwd[net->nr_fwd])) {
			log_error("--net hostfwd=%s: expected tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
				  "(e.g. tcp::2222-:22)", v);
			return 1;
		}
		net->nr_fwd++;
	} else if (!strcmp(item, "ifname") && net->backend == NET_TAP) {
		if (!*v || strlen(v) > NET_IFNAME_MAX || strchr(v, '/')) {
			log_error("--net ifname=%s: not an interface name (1 to %d characters, no '/')",
				  v, NET_IFNAME_MAX);
			return 1;
		}
		strcpy(net->ifname, v);
	} else if (!strcmp(item, "vhost") && net->backend == NET_TAP) {
		if (!strcmp(v, "auto"))
			net->vhost = NET_VHOST_AUTO;
		else if (!strcmp(v, "on"))
			net->vhost = NET_VHOST_ON;
		else if (!strcmp(v, "off"))
			net->vhost = NET_VHOST_OFF;
		else {
			log_error("--net vhost=%s: expected auto, on or off", v);
			return 1;
		}
	} else if (!strcmp(item, "mac")) {
		if (net_parse_mac(v, net->mac)) {
			log_error("--net mac=%s: expected six hex bytes like 52:54:00:12:34:56, "
				  "not multicast", v);
			return 1;
		}
		net->mac_given = true;
	} else {
		log_error("--net %s: unknown key (%s)", item,
			  net->backend == NET_TAP ? "tap: ifname, mac, vhost" : "user: hostfwd, mac");
		return 1;
	}
	return 0;
}

int net_spec_parse(const char *text, struct net_config *net)
{
	char buf[256], *save = NULL, *item;

	memset(net, 0, sizeof(*net));
	if (strlen(text) >= sizeof(buf)) {
		log_error("--net: too long");
		return 1;
	}
	strcpy(buf, text);
	item = strtok_r(buf, ",", &save);
	if (!item || (strcmp(item, "tap") && strcmp(item, "user"))) {
		log_error("--net %s: expected tap,ifname=NAME[,mac=...] or user[,hostfwd=...]", text);
		return 1;
	}
	net->backend = strcmp(item, "tap") ? NET_USER : NET_TAP;
	while ((item = strtok_r(NULL, ",", &save)))
		if (parse_item(item, net))
			return 1;
	if (net->backend == NET_TAP && !net->ifname[0]) {
		log_error("--net %s: tap needs ifname=NAME", text);
		return 1;
	}
	return 0;
}
