#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/virtio_net_hdr.h"

/* By index, not /sys/class/net: the caller's network namespace counts. */
int tap_check(const char *ifname, char *err, int err_len)
{
	if (!if_nametoindex(ifname))
		return snprintf(err, err_len, "tap %s: no such network interface (ip tuntap add %s "
				"mode tap creates one)", ifname, ifname), -1;
	return 0;
}

int tap_open(const char *ifname, char *err, int err_len)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = TAP_VNET_HDR_BYTES, fd, e;

	if (tap_check(ifname, err, err_len))
		return -ENODEV;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, err_len, "tap %s: /dev/net/tun: %s", ifname, strerror(e));
		return -e;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		snprintf(err, err_len, "tap %s: %s%s", ifname, strerror(e),
			 e == EBUSY ? " (another process has it)" :
			 e == EPERM ? " (its owner or CAP_NET_ADMIN is needed)" :
			 e == EINVAL ? " (not a tap, or a multi-queue one)" : "");
		close(fd);
		return -e;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		e = errno;
		snprintf(err, err_len, "tap %s: TUNSETVNETHDRSZ: %s", ifname, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int tap_set_offload(int fd, uint64_t f)
{
	unsigned off = 0;

	if (f & (1ull << VIRTIO_NET_F_GUEST_CSUM)) {
		off |= TUN_F_CSUM;
		if (f & (1ull << VIRTIO_NET_F_GUEST_TSO4))
			off |= TUN_F_TSO4;
		if (f & (1ull << VIRTIO_NET_F_GUEST_TSO6))
			off |= TUN_F_TSO6;
		if ((off & (TUN_F_TSO4 | TUN_F_TSO6)) && (f & (1ull << VIRTIO_NET_F_GUEST_ECN)))
			off |= TUN_F_TSO_ECN;
	}
	return ioctl(fd, TUNSETOFFLOAD, off) < 0 ? -errno : 0;
}
