/* The event loop: epoll over the fds of the console, signals and wake-ups.
 * Runs on the main thread; vCPUs have threads of their own. */
#ifndef MERIDIAN_EVLOOP_H
#define MERIDIAN_EVLOOP_H

#include <stdint.h>

struct ev_handler {
	int fd;
	void (*cb)(struct ev_handler *h, uint32_t events);
	void *opaque;
};

struct evloop {
	int epfd;
};

int evloop_init(struct evloop *loop);
void evloop_destroy(struct evloop *loop);
int evloop_add(struct evloop *loop, struct ev_handler *h, uint32_t events);
int evloop_mod(struct evloop *loop, struct ev_handler *h, uint32_t events);
void evloop_del(struct evloop *loop, struct ev_handler *h);
/* Waits up to timeout_ms (-1: forever) and dispatches. Returns events seen or -errno. */
int evloop_run_once(struct evloop *loop, int timeout_ms);

#endif
