/* Every limit of a machine's configuration, named once. The stream
 * format does not depend on them: devices are named, not numbered. */
#ifndef MERIDIAN_LIMITS_H
#define MERIDIAN_LIMITS_H

/* APIC IDs 0..cpus-1 and the IOAPIC's ID must fit the MADT's 8-bit fields
 * (x2APIC entries would lift this). The host's KVM may allow fewer. */
#define MAX_VCPUS 254
/* The largest --cpus the parser takes as a number: above MAX_VCPUS the
 * machine says which limit (KVM's or the MADT's) it met. */
#define MAX_VCPUS_ARG 1024
#define MAX_DISKS 8             /* --disk */
#define MAX_NETS 4              /* --net */
#define MAX_HOSTFWDS 8          /* hostfwd= per --net user */
#define DISK_SERIAL_MAX 20      /* VIRTIO_BLK_ID_BYTES: GET_ID answers at most this */
#define NET_IFNAME_MAX 15       /* IFNAMSIZ - 1 */

#endif
