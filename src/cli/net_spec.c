#include "cli/net_spec.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"

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
		log_error("--net %s: expected key=value (ifname, mac)", item);
		return 1;
	}
	*v++ = '\0';
	if (!strcmp(item, "ifname")) {
		if (!*v || strlen(v) > NET_IFNAME_MAX || strchr(v, '/')) {
			log_error("--net ifname=%s: not an interface name (1 to %d characters, no '/')",
				  v, NET_IFNAME_MAX);
			return 1;
		}
		strcpy(net->ifname, v);
	} else if (!strcmp(item, "mac")) {
		if (net_parse_mac(v, net->mac)) {
			log_error("--net mac=%s: expected six hex bytes like 52:54:00:12:34:56, "
				  "not multicast", v);
			return 1;
		}
		net->mac_given = true;
	} else {
		log_error("--net %s: unknown key (ifname, mac)", item);
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
	if (!item || strcmp(item, "tap")) {
		log_error("--net %s: expected tap,ifname=NAME[,mac=...]", text);
		return 1;
	}
	net->backend = NET_TAP;
	while ((item = strtok_r(NULL, ",", &save)))
		if (parse_item(item, net))
			return 1;
	if (!net->ifname[0]) {
		log_error("--net %s: tap needs ifname=NAME", text);
		return 1;
	}
	return 0;
}
