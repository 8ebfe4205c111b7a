#include "base/evloop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EVLOOP_MAX_EVENTS 16

int evloop_init(struct evloop *loop)
{
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void evloop_destroy(struct evloop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

static int ctl(struct evloop *loop, int op, struct ev_handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(loop->epfd, op, h->fd, &ev) < 0 ? -errno : 0;
}

int evloop_add(struct evloop *loop, struct ev_handler *h, uint32_t events)
{
	return ctl(loop, EPOLL_CTL_ADD, h, events);
}

int evloop_mod(struct evloop *loop, struct ev_handler *h, uint32_t events)
{
	return ctl(loop, EPOLL_CTL_MOD, h, events);
}

void evloop_del(struct evloop *loop, struct ev_handler *h)
{
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event events[EVLOOP_MAX_EVENTS];
	int n = epoll_wait(loop->epfd, events, EVLOOP_MAX_EVENTS, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct ev_handler *h = events[i].data.ptr;

		h->cb(h, events[i].events);
	}
	return n;
}
