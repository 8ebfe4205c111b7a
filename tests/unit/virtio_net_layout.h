/* Where the simulated driver of a virtio-net test puts its rings and
 * buffers in a 1 MiB guest (test_virtio_net.c, tests/tsan/). */
#ifndef MERIDIAN_VIRTIO_NET_LAYOUT_H
#define MERIDIAN_VIRTIO_NET_LAYOUT_H

#define QSIZE 8
#define RX_DESC 0x1000
#define RX_AVAIL 0x2000
#define RX_USED 0x3000
#define TX_DESC 0x4000
#define TX_AVAIL 0x5000
#define TX_USED 0x6000
#define BUF_GPA 0x10000         /* 8 buffers of 4 KiB */
#define RAM_BYTES (1u << 20)

#endif
