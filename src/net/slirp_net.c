#include "net/slirp_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "net/virtio_net_hdr.h"
#include "base/thread.h"

#define MAX_POLL 256
#define MAX_TIMERS 8
#define FRAME_MAX 65536

struct slirp_timer {
	bool used, armed;
	int64_t expire_ms;
	SlirpTimerCb cb;
	void *cb_opaque;
};

struct slirp_net {
	Slirp *slirp;
	int fd;                         /* our end of the pair */
	int stop_fd;                    /* eventfd: the thread ends */
	pthread_t thread;
	struct pollfd pfd[MAX_POLL];
	int nfds;
	struct slirp_timer timers[MAX_TIMERS];
	bool guest_error_said;
	uint8_t frame[VIRTIO_NET_HDR_BYTES + FRAME_MAX];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* slirp -> guest: a header of zeros (no offloads) and the frame. A unix
 * datagram pair queues only a few frames (net.unix.max_dgram_qlen, 10):
 * when the device is behind, wait for it a while (slirp's own TCP would
 * otherwise back off for seconds); a device that does not read for a
 * second loses the frame, as slirp allows. */
static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_net *s = opaque;
	static const uint8_t hdr[VIRTIO_NET_HDR_BYTES];
	struct iovec iov[2] = { { (void *)hdr, sizeof(hdr) }, { (void *)buf, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	for (int tries = 0; tries < 20; tries++) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };

		if (sendmsg(s->fd, &m, MSG_DONTWAIT) >= 0 || errno != EAGAIN)
			break;
		poll(&p, 1, 50);
	}
	return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
	struct slirp_net *s = opaque;

	if (!s->guest_error_said)
		log_error("user networking: the guest sent %s (said once)", msg);
	s->guest_error_said = true;
}

static int64_t clock_get_ns(void *opaque) { return now_ns(); }

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_net *s = opaque;

	for (unsigned i = 0; i < MAX_TIMERS; i++)
		if (!s->timers[i].used) {
			s->timers[i] = (struct slirp_timer){ .used = true, .cb = cb,
							     .cb_opaque = cb_opaque };
			return &s->timers[i];
		}
	return NULL;
}

static void timer_free(void *timer, void *opaque)
{
	if (timer)
		((struct slirp_timer *)timer)->used = false;
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	if (t) {
		t->armed = true;
		t->expire_ms = expire_ms;
	}
}

static void register_poll_fd(int fd, void *opaque) { }
static void unregister_poll_fd(int fd, void *opaque) { }
static void notify(void *opaque) { }

static int add_poll(int fd, int events, void *opaque)
{
	struct slirp_net *s = opaque;
	short ev = 0;

	if (s->nfds == MAX_POLL)
		return -1;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	s->pfd[s->nfds] = (struct pollfd){ .fd = fd, .events = ev };
	return s->nfds++;
}

static int get_revents(int idx, void *opaque)
{
	struct slirp_net *s = opaque;
	short r;
	int out = 0;

	if (idx < 0 || idx >= s->nfds)
		return 0;
	r = s->pfd[idx].revents;
	if (r & POLLIN)
		out |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		out |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		out |= SLIRP_POLL_PRI;
	if (r & POLLERR)
		out |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		out |= SLIRP_POLL_HUP;
	return out;
}

static const SlirpCb callbacks = {
	.send_packet = send_packet, .guest_error = guest_error, .clock_get_ns = clock_get_ns,
	.timer_new = timer_new, .timer_free = timer_free, .timer_mod = timer_mod,
	.register_poll_fd = register_poll_fd, .unregister_poll_fd = unregister_poll_fd,
	.notify = notify,
};

/* guest -> slirp: every frame waiting on our end, header off */
static void from_guest(struct slirp_net *s)
{
	ssize_t n;

	while ((n = recv(s->fd, s->frame, sizeof(s->frame), MSG_DONTWAIT)) > 0)
		if (n > VIRTIO_NET_HDR_BYTES)
			slirp_input(s->slirp, s->frame + VIRTIO_NET_HDR_BYTES,
				    (int)(n - VIRTIO_NET_HDR_BYTES));
}

static void run_timers(struct slirp_net *s, uint32_t *timeout_ms)
{
	int64_t now = now_ns() / 1000000;

	for (unsigned i = 0; i < MAX_TIMERS; i++) {
		struct slirp_timer *t = &s->timers[i];

		if (!t->used || !t->armed)
			continue;
		if (t->expire_ms <= now) {
			t->armed = false;
			t->cb(t->cb_opaque);
		} else if ((uint64_t)(t->expire_ms - now) < *timeout_ms) {
			*timeout_ms = (uint32_t)(t->expire_ms - now);
		}
	}
}

static void *slirp_thread(void *arg)
{
	struct slirp_net *s = arg;

	for (;;) {
		uint32_t timeout = 1000;
		int r;

		s->nfds = 0;
		add_poll(s->fd, SLIRP_POLL_IN, s);
		add_poll(s->stop_fd, SLIRP_POLL_IN, s);
		slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
		run_timers(s, &timeout);
		r = poll(s->pfd, (nfds_t)s->nfds, (int)timeout);
		if (s->pfd[1].revents & POLLIN)
			break;
		slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
		if (s->pfd[0].revents & POLLIN)
			from_guest(s);
	}
	return NULL;
}

static int add_forwards(struct slirp_net *s, const struct net_config *cfg, char *err, int err_len)
{
	for (unsigned i = 0; i < cfg->nr_fwd; i++) {
		const struct net_hostfwd *f = &cfg->fwd[i];
		struct in_addr host = { f->host_addr }, guest = { f->guest_addr };

		if (slirp_add_hostfwd(s->slirp, f->udp, host, f->host_port, guest, f->guest_port) < 0)
			return snprintf(err, err_len, "user: hostfwd %s port %u: cannot listen there "
					"(in use?)", f->udp ? "udp" : "tcp", f->host_port), -1;
	}
	return 0;
}

struct slirp_net *slirp_net_start(const struct net_config *cfg, int *device_fd, char *err,
				  int err_len)
{
	SlirpConfig c = {
		.version = 1, .in_enabled = true,
		.vnetwork = { htonl(0x0a000200) }, .vnetmask = { htonl(0xffffff00) },
		.vhost = { htonl(0x0a000202) }, .vdhcp_start = { htonl(0x0a00020f) },
		.vnameserver = { htonl(0x0a000203) }, .vhostname = "meridian",
	};
	struct slirp_net *s = calloc(1, sizeof(*s));
	int sv[2] = { -1, -1 };

	if (!s)
		return snprintf(err, err_len, "out of memory"), NULL;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, err_len, "user: %s", strerror(errno));
		goto fail;
	}
	s->fd = sv[1];
	s->slirp = slirp_new(&c, &callbacks, s);
	if (!s->slirp) {
		snprintf(err, err_len, "user: libslirp would not start");
		goto fail;
	}
	if (add_forwards(s, cfg, err, err_len))
		goto fail;
	if (thread_start(&s->thread, ROLE_SLIRP, 0, slirp_thread, s)) {
		snprintf(err, err_len, "user: cannot start its thread");
		goto fail;
	}
	/* the device reads its end from the event loop: never block there */
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*device_fd = sv[0];
	return s;
fail:
	if (s->slirp)
		slirp_cleanup(s->slirp);
	if (sv[0] >= 0)
		close(sv[0]), close(sv[1]);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s);
	return NULL;
}

void slirp_net_stop(struct slirp_net *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (write(s->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(s->thread, NULL);
	slirp_cleanup(s->slirp);
	close(s->fd);
	close(s->stop_fd);
	free(s);
}
