/* A tap interface as a virtio-net backend: frames with a 12-byte virtio
 * net header in front (IFF_VNET_HDR, TUNSETVNETHDRSZ), so checksum and
 * segmentation offloads pass between guest and host kernel untouched. */
#ifndef MERIDIAN_TAP_H
#define MERIDIAN_TAP_H

#include <stdint.h>

#define TAP_VNET_HDR_BYTES 12   /* struct virtio_net_hdr_v1 */

/* Does the interface exist? 0, or -1 with err. (Whether it is a tap,
 * tap_open finds out.) */
int tap_check(const char *ifname, char *err, int err_len);
/* Attaches to the existing tap ifname. Returns a non-blocking fd, or
 * -errno with err (-EBUSY: another process has it). */
int tap_open(const char *ifname, char *err, int err_len);
/* What the host kernel may hand the guest: TUN_F_* from the guest's
 * negotiated offload features (VIRTIO_NET_F_GUEST_*). 0 or -errno. */
int tap_set_offload(int fd, uint64_t guest_features);

#endif
