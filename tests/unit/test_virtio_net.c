/* virtio-net against a fake tap (a datagram socket pair keeps frame
 * boundaries as a tap does): the test plays the guest's driver over the
 * PCI transport. Frames go out with their 12-byte header as the guest
 * wrote it; frames come in split over mergeable buffers with num_buffers
 * set, wait when the buffers run out, are dropped when a driver without
 * mergeable buffers gives too small ones, and stay out while frozen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/net_spec.h"
#include "dev/virtio_net.h"
#include "net/virtio_net_hdr.h"
#include "virtio_net_layout.h"
#include "virtio_test_driver.h"

#define DEVICE_CFG VT_DEVICE_CFG
#define NOTIFY VT_NOTIFY
#define TXQ_INDEX 1

static struct guest_mem mem;
static struct evloop loop;
static struct virtio_net net;
static int peer;                /* the host's end of the "tap" */
static int dev_end;             /* the device's (the machine's backend would own it) */
static uint16_t rx_next, tx_next;

static void *gp(uint64_t gpa, uint64_t len) { return guest_mem_ptr(&mem, gpa, len); }

static void bar_w(uint64_t off, uint64_t v, unsigned len) { vt_write(&net.vp, off, v, len); }
static uint64_t bar_r(uint64_t off, unsigned len) { return vt_read(&net.vp, off, len); }

static void driver_init(bool mrg)
{
	vt_negotiate(&net.vp, (mrg ? 1u << VIRTIO_NET_F_MRG_RXBUF : 0) | 1u << VIRTIO_NET_F_MAC |
		     1u << VIRTIO_NET_F_CSUM | 1u << VIRTIO_NET_F_GUEST_CSUM);
	vt_queue(&net.vp, 0, QSIZE, RX_DESC, RX_AVAIL, RX_USED);
	vt_queue(&net.vp, 1, QSIZE, TX_DESC, TX_AVAIL, TX_USED);
	vt_driver_ok(&net.vp);
}

static int start(bool mrg)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop };
	struct net_config cfg = { .backend = NET_TAP, .ifname = "test0",
				  .vhost = NET_VHOST_OFF };      /* the lab tests vhost */
	char err[200];
	int sv[2];

	if (!mem.base_hva && guest_mem_map(&mem, RAM_BYTES))
		return -1;
	memset(mem.base_hva, 0, RAM_BYTES);
	rx_next = tx_next = 0;
	net_default_mac(0, cfg.mac);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) || evloop_init(&loop) ||
	    virtio_net_init(&net, &cfg, NULL, &host, 0xc0000000, err, sizeof(err)) ||
	    virtio_net_attach_fd(&net, sv[0], err, sizeof(err)))
		return -1;
	peer = sv[1];
	dev_end = sv[0];
	driver_init(mrg);
	return 0;
}

static int setup_mrg(void **state) { return start(true); }
static int setup_plain(void **state) { return start(false); }

static int teardown(void **state)
{
	virtio_net_destroy(&net);
	evloop_destroy(&loop);
	close(peer);
	close(dev_end);
	return 0;
}

static uint16_t used_idx(uint64_t used) { return *(uint16_t *)gp(used + 2, 2); }
static uint32_t used_len(uint64_t used, unsigned i) { return *(uint32_t *)gp(used + 4 + 8 * i + 4, 4); }

/* Offers buffer k (4 KiB at BUF_GPA + k * 4 KiB, len bytes) to the rx queue. */
static void rx_offer(unsigned k, uint32_t len)
{
	uint16_t *avail = gp(RX_AVAIL, 6 + 2 * QSIZE);

	*(struct virtq_desc *)gp(RX_DESC + 16 * k, 16) = (struct virtq_desc){
		.addr = BUF_GPA + 4096 * k, .len = len, .flags = VIRTQ_DESC_F_WRITE };
	avail[2 + rx_next % QSIZE] = (uint16_t)k;
	avail[1] = ++rx_next;
}

static void run_loop(void)
{
	for (int i = 0; i < 5; i++)
		evloop_run_once(&loop, 20);
}

static void frame(uint8_t *f, size_t len)
{
	memset(f, 0, VIRTIO_NET_HDR_BYTES);
	f[0] = 1;                       /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	for (size_t i = VIRTIO_NET_HDR_BYTES; i < len; i++)
		f[i] = (uint8_t)(i * 13);
}

static void config_has_mac_and_link(void **state)
{
	assert_int_equal(bar_r(DEVICE_CFG + 0, 1), 0x52);
	assert_int_equal(bar_r(DEVICE_CFG + 5, 1), 0x56);
	assert_int_equal(bar_r(DEVICE_CFG + 6, 2), VIRTIO_NET_S_LINK_UP);
}

static void transmit_keeps_header_and_frame(void **state)
{
	uint8_t *buf = gp(BUF_GPA, 4096), got[4096];
	uint16_t *avail = gp(TX_AVAIL, 6 + 2 * QSIZE);

	frame(buf, 112);
	*(struct virtq_desc *)gp(TX_DESC, 16) =
		(struct virtq_desc){ .addr = BUF_GPA, .len = 12, .flags = VIRTQ_DESC_F_NEXT, .next = 1 };
	*(struct virtq_desc *)gp(TX_DESC + 16, 16) =
		(struct virtq_desc){ .addr = BUF_GPA + 12, .len = 100 };
	avail[2] = 0;
	avail[1] = ++tx_next;
	bar_w(NOTIFY + 4, 1, 2);        /* kick queue 1 */
	assert_int_equal(recv(peer, got, sizeof(got), 0), 112);
	assert_memory_equal(got, buf, 112);
	assert_int_equal(used_idx(TX_USED), 1);
}

static void receive_merges_buffers(void **state)
{
	static uint8_t f[2512];

	frame(f, sizeof(f));
	for (unsigned k = 0; k < 3; k++)
		rx_offer(k, 1000);
	bar_w(NOTIFY, 0, 2);
	assert_int_equal(send(peer, f, sizeof(f), 0), (ssize_t)sizeof(f));
	run_loop();
	assert_int_equal(used_idx(RX_USED), 3);
	assert_int_equal(used_len(RX_USED, 0), 1000);
	assert_int_equal(used_len(RX_USED, 2), 512);
	/* num_buffers in the header, the rest as sent */
	assert_int_equal(*(uint16_t *)gp(BUF_GPA + 10, 2), 3);
	assert_memory_equal(gp(BUF_GPA + 12, 988), f + 12, 988);
	assert_memory_equal(gp(BUF_GPA + 4096, 1000), f + 1000, 1000);
	assert_memory_equal(gp(BUF_GPA + 8192, 512), f + 2000, 512);
	assert_int_equal(net.rx_frames, 1);
}

static void receive_waits_for_buffers(void **state)
{
	static uint8_t f[2512];

	frame(f, sizeof(f));
	rx_offer(0, 1000);
	bar_w(NOTIFY, 0, 2);
	assert_int_equal(send(peer, f, sizeof(f), 0), (ssize_t)sizeof(f));
	run_loop();
	assert_int_equal(used_idx(RX_USED), 0);         /* one buffer is not enough */
	rx_offer(1, 1000);
	rx_offer(2, 1000);
	bar_w(NOTIFY, 0, 2);                            /* the driver adds buffers and kicks */
	run_loop();
	assert_int_equal(used_idx(RX_USED), 3);
	assert_memory_equal(gp(BUF_GPA + 8192, 512), f + 2000, 512);
}

static void small_buffer_without_merging_drops(void **state)
{
	static uint8_t big[3000], small[200];

	frame(big, sizeof(big));
	frame(small, sizeof(small));
	rx_offer(0, 2048);
	bar_w(NOTIFY, 0, 2);
	assert_int_equal(send(peer, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(send(peer, small, sizeof(small), 0), (ssize_t)sizeof(small));
	run_loop();
	assert_int_equal(net.rx_dropped, 1);
	assert_int_equal(used_idx(RX_USED), 1);         /* the small one, in the same buffer */
	assert_int_equal(used_len(RX_USED, 0), 200);
	assert_memory_equal(gp(BUF_GPA + 12, 188), small + 12, 188);
}

static void frozen_device_writes_nothing(void **state)
{
	static uint8_t f[300];

	frame(f, sizeof(f));
	rx_offer(0, 4096);
	bar_w(NOTIFY, 0, 2);
	virtio_pci_freeze(&net.vp, true);
	assert_int_equal(send(peer, f, sizeof(f), 0), (ssize_t)sizeof(f));
	run_loop();
	assert_int_equal(used_idx(RX_USED), 0);
	virtio_pci_freeze(&net.vp, false);
	run_loop();
	assert_int_equal(used_idx(RX_USED), 1);
}

static void state_with_another_mac_refused(void **state)
{
	static uint8_t buf[8192];
	char err[200];
	ssize_t n = virtio_pci_save(&net.vp, buf, sizeof(buf));

	uint8_t mac[6];

	assert_true(n > 0);
	assert_int_equal(virtio_pci_load(&net.vp, buf, (size_t)n, err, sizeof(err)), n);
	/* the MAC is the device's configuration, checked before any state */
	memcpy(mac, net.cfg.mac, 6);
	assert_int_equal(virtio_net_check_config(&net, mac, 6, err, sizeof(err)), 0);
	mac[5] ^= 1;
	assert_int_equal(virtio_net_check_config(&net, mac, 6, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MAC"));
	assert_int_equal(virtio_net_check_config(&net, mac, 5, err, sizeof(err)), -1);
}

static void mac_spec(void **state)
{
	uint8_t mac[6];
	struct net_config c;

	assert_int_equal(net_parse_mac("52:54:00:ab:CD:01", mac), 0);
	assert_int_equal(mac[4], 0xcd);
	assert_int_equal(net_parse_mac("53:54:00:ab:cd:01", mac), -1);  /* multicast */
	assert_int_equal(net_parse_mac("52:54:00:ab:cd", mac), -1);
	assert_int_equal(net_parse_mac("52-54-00-ab-cd-01", mac), -1);
	assert_int_equal(net_spec_parse("tap,ifname=tap7,mac=02:00:00:00:00:01", &c), 0);
	assert_string_equal(c.ifname, "tap7");
	assert_true(c.mac_given);
	assert_int_equal(net_spec_parse("tap", &c), 1);
	assert_int_equal(net_spec_parse("tap,ifname=this-name-is-too-long", &c), 1);
	assert_int_equal(net_spec_parse("bridge,ifname=x", &c), 1);
}

/* Interrupts that come while their vector is masked (the entry, or the
 * whole function) wait in the PBA and go when unmasked; a masked vector
 * has no irqfd for a kernel data path to signal. */
static void msix_masking(void **state)
{
	uint8_t *ctl = net.vp.pci.config + net.vp.msix_cap + 2;
	const uint64_t pba = 0x5000, entry1_ctl = 0x4000 + 16 + 12;

	ctl[1] = 0x80 | 0x40;           /* MSI-X on, function masked */
	net.vp.pci.config_access(&net.vp.pci, net.vp.msix_cap + 2, 2, true);
	bar_w(0x16, TXQ_INDEX, 2);      /* queue_select */
	bar_w(0x1a, 1, 2);              /* queue_msix_vector */
	pthread_mutex_lock(&net.vp.lock);
	virtio_pci_signal(&net.vp, TXQ_INDEX);
	assert_int_equal(virtio_pci_queue_irqfd(&net.vp, TXQ_INDEX), -1);
	pthread_mutex_unlock(&net.vp.lock);
	assert_int_equal(bar_r(pba, 4), 1u << 1);
	bar_w(entry1_ctl, 0, 4);        /* the entry unmasked: still the function's mask */
	assert_int_equal(bar_r(pba, 4), 1u << 1);
	ctl[1] = 0x80;                  /* function unmasked: it goes */
	net.vp.pci.config_access(&net.vp.pci, net.vp.msix_cap + 2, 2, true);
	assert_int_equal(bar_r(pba, 4), 0);
	bar_w(entry1_ctl, 1, 4);        /* the entry masked */
	pthread_mutex_lock(&net.vp.lock);
	virtio_pci_signal(&net.vp, TXQ_INDEX);
	pthread_mutex_unlock(&net.vp.lock);
	assert_int_equal(bar_r(pba, 4), 1u << 1);
	bar_w(entry1_ctl, 0, 4);
	assert_int_equal(bar_r(pba, 4), 0);
}

static void vhost_spec(void **state)
{
	struct net_config c;

	assert_int_equal(net_spec_parse("tap,ifname=t", &c), 0);
	assert_int_equal(c.vhost, NET_VHOST_AUTO);
	assert_int_equal(net_spec_parse("tap,ifname=t,vhost=on", &c), 0);
	assert_int_equal(c.vhost, NET_VHOST_ON);
	assert_int_equal(net_spec_parse("tap,ifname=t,vhost=off", &c), 0);
	assert_int_equal(c.vhost, NET_VHOST_OFF);
	assert_int_equal(net_spec_parse("tap,ifname=t,vhost=yes", &c), 1);
	assert_int_equal(net_spec_parse("user,vhost=on", &c), 1);       /* a tap's key */
}

/* The vhost client's refusals (the kernel's data path itself runs in the
 * lab: tests/lab/scenarios/net.sh). */
static void vhost_client(void **state)
{
	struct vhost_net vh = { .fd = -1 };
	char err[200];

	assert_int_equal(vhost_net_open(&vh, "/nonexistent/vhost-net", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(vh.fd, -1);
	/* not a vhost device: VHOST_SET_OWNER fails, nothing is left open */
	assert_int_equal(vhost_net_open(&vh, "/dev/null", err, sizeof(err)), -1);
	assert_int_equal(vh.fd, -1);
	/* a kernel without event idx cannot serve a driver that negotiated it */
	vh.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MRG_RXBUF;
	assert_int_equal(vhost_net_ack(&vh, 1ull << VIRTIO_F_VERSION_1 |
				       1ull << VIRTIO_F_RING_EVENT_IDX, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "bit 29"));
	/* offloads are the tap's: not asked of the kernel */
	assert_int_equal(vhost_net_ack(&vh, 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_CSUM |
				       1ull << VIRTIO_NET_F_MRG_RXBUF, err, sizeof(err)),
			 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MRG_RXBUF);
}

static void hostfwd_spec(void **state)
{
	struct net_hostfwd f;
	struct net_config c;

	assert_int_equal(net_parse_hostfwd("tcp::2222-:22", &f), 0);
	assert_false(f.udp);
	assert_int_equal(f.host_port, 2222);
	assert_int_equal(f.guest_port, 22);
	assert_int_equal(f.host_addr, 0);
	assert_int_equal(ntohl(f.guest_addr), 0x0a00020f);     /* 10.0.2.15 */
	assert_int_equal(net_parse_hostfwd("udp:127.0.0.1:5353-10.0.2.16:53", &f), 0);
	assert_true(f.udp);
	assert_int_equal(ntohl(f.host_addr), 0x7f000001);
	assert_int_equal(ntohl(f.guest_addr), 0x0a000210);
	assert_int_equal(net_parse_hostfwd("tcp::0-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::70000-:22", &f), -1);
	assert_int_equal(net_parse_hostfwd("sctp::1-:2", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp::1:2", &f), -1);
	assert_int_equal(net_parse_hostfwd("tcp:999.1.1.1:1-:2", &f), -1);
	assert_int_equal(net_spec_parse("user,hostfwd=tcp::2222-:22,hostfwd=udp::53-:53", &c), 0);
	assert_int_equal(c.backend, NET_USER);
	assert_int_equal(c.nr_fwd, 2);
	assert_int_equal(net_spec_parse("user,ifname=tap0", &c), 1);          /* a tap's key */
	assert_int_equal(net_spec_parse("tap,ifname=t,hostfwd=tcp::1-:2", &c), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_has_mac_and_link, setup_mrg, teardown),
		cmocka_unit_test_setup_teardown(transmit_keeps_header_and_frame, setup_mrg, teardown),
		cmocka_unit_test_setup_teardown(receive_merges_buffers, setup_mrg, teardown),
		cmocka_unit_test_setup_teardown(receive_waits_for_buffers, setup_mrg, teardown),
		cmocka_unit_test_setup_teardown(small_buffer_without_merging_drops, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(frozen_device_writes_nothing, setup_mrg, teardown),
		cmocka_unit_test_setup_teardown(state_with_another_mac_refused, setup_mrg, teardown),
		cmocka_unit_test(mac_spec),
		cmocka_unit_test(hostfwd_spec),
		cmocka_unit_test(vhost_spec),
		cmocka_unit_test_setup_teardown(msix_masking, setup_mrg, teardown),
		cmocka_unit_test(vhost_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
