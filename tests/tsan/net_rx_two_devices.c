/* Two virtio-net devices receive at the same time, each on a thread of
 * its own (as the event loop and a vCPU kicking the other device's queue
 * do in a VM). Built with ThreadSanitizer (run.sh): a receive path that
 * shares bookkeeping between devices is a reported race, and a frame
 * that lands in the wrong chains fails the checks below. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/net_spec.h"
#include "dev/virtio_net.h"
#include "net/virtio_net_hdr.h"
#include "../unit/virtio_net_layout.h"
#include "../unit/virtio_test_driver.h"

#define FRAMES 2000
#define FRAME_BYTES 2512        /* three buffers of 1000: 1000, 1000, 512 */

struct side {
	unsigned index;
	struct guest_mem mem;
	struct evloop loop;
	struct virtio_net net;
	int peer;
	uint16_t rx_next;
	const char *failed;
};

static void *gp(struct side *s, uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(&s->mem, gpa, len);
}

static void start(struct side *s, unsigned index)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &s->mem, .loop = &s->loop };
	struct net_config cfg = { .backend = NET_TAP, .vhost = NET_VHOST_OFF };
	char err[200];
	int sv[2];

	s->index = index;
	snprintf(cfg.ifname, sizeof(cfg.ifname), "test%u", index);
	net_default_mac(index, cfg.mac);
	if (guest_mem_map(&s->mem, RAM_BYTES) || evloop_init(&s->loop) ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) ||
	    virtio_net_init(&s->net, &cfg, NULL, &host, 0xc0000000 + 0x8000 * index, err,
			    sizeof(err)) ||
	    virtio_net_attach_fd(&s->net, sv[0], err, sizeof(err))) {
		fprintf(stderr, "device %u: cannot start\n", index);
		exit(1);
	}
	s->peer = sv[1];
	vt_negotiate(&s->net.vp, 1u << VIRTIO_NET_F_MRG_RXBUF | 1u << VIRTIO_NET_F_MAC);
	vt_queue(&s->net.vp, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED);
	vt_queue(&s->net.vp, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED);
	vt_driver_ok(&s->net.vp);
}

static void offer(struct side *s, unsigned k)
{
	uint16_t *avail = gp(s, RX_AVAIL, 6 + 2 * QSIZE);

	*(struct virtq_desc *)gp(s, RX_DESC + 16 * k, 16) = (struct virtq_desc){
		.addr = BUF_GPA + 4096 * k, .len = 1000, .flags = VIRTQ_DESC_F_WRITE };
	avail[2 + s->rx_next % QSIZE] = (uint16_t)k;
	__atomic_store_n(&avail[1], ++s->rx_next, __ATOMIC_RELEASE);
}

/* One frame per round through three fresh buffers; the chains and bytes checked. */
static void *receive(void *arg)
{
	struct side *s = arg;
	uint8_t f[FRAME_BYTES];
	uint16_t used = 0;

	for (unsigned round = 0; round < FRAMES && !s->failed; round++) {
		const uint8_t *used_ring = gp(s, RX_USED, 4 + 8 * QSIZE);

		memset(f, 0, VIRTIO_NET_HDR_BYTES);
		for (size_t i = VIRTIO_NET_HDR_BYTES; i < sizeof(f); i++)
			f[i] = (uint8_t)(i * 13 + round + s->index * 101);
		for (unsigned k = 0; k < 3; k++)
			offer(s, k);
		vt_write(&s->net.vp, VT_NOTIFY, 0, 2);
		if (send(s->peer, f, sizeof(f), 0) != (ssize_t)sizeof(f))
			return s->failed = "send", NULL;
		for (int spins = 0; spins < 1000 &&
		     __atomic_load_n((const uint16_t *)(used_ring + 2), __ATOMIC_ACQUIRE) != (uint16_t)(used + 3);
		     spins++)
			evloop_run_once(&s->loop, 5);
		for (unsigned k = 0; k < 3; k++) {
			unsigned slot = (used + k) % QSIZE;
			uint32_t id, len;

			memcpy(&id, used_ring + 4 + 8 * slot, 4);
			memcpy(&len, used_ring + 4 + 8 * slot + 4, 4);
			if (id != k || len != (k < 2 ? 1000u : 512u))
				return s->failed = "a chain of the frame has another head or length", NULL;
		}
		used += 3;
		if (memcmp(gp(s, BUF_GPA + 4096 + 0, 1000), f + 1000, 1000) ||
		    memcmp(gp(s, BUF_GPA + 8192, 512), f + 2000, 512))
			return s->failed = "the frame's bytes differ", NULL;
	}
	return NULL;
}

int main(void)
{
	static struct side side[2];
	pthread_t tid[2];
	int bad = 0;

	for (unsigned i = 0; i < 2; i++)
		start(&side[i], i);
	for (unsigned i = 0; i < 2; i++)
		pthread_create(&tid[i], NULL, receive, &side[i]);
	for (unsigned i = 0; i < 2; i++) {
		pthread_join(tid[i], NULL);
		if (side[i].failed) {
			fprintf(stderr, "device %u: %s\n", i, side[i].failed);
			bad = 1;
		} else if (side[i].net.rx_frames != FRAMES) {
			fprintf(stderr, "device %u: %llu frames of %u\n", i,
				(unsigned long long)side[i].net.rx_frames, FRAMES);
			bad = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		virtio_net_destroy(&side[i].net);
		evloop_destroy(&side[i].loop);
		close(side[i].peer);
	}
	if (!bad)
		printf("two devices received %u frames each at once\n", FRAMES);
	return bad;
}
