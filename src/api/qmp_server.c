#include "api/qmp_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUEUED_BYTES (1u << 20)

struct qmp_client {
	struct qmp_server *server;
	struct ev_handler h;
	struct qmp_session session;
	char *out;                      /* replies the socket did not take yet */
	size_t out_len;
	bool dead;
	struct qmp_client *next;
};

static void client_kill(struct qmp_client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	evloop_del(c->server->loop, &c->h);
	shutdown(c->h.fd, SHUT_RDWR);
}

/* Sends what can go now; keeps the rest (and watches for room). */
static void client_flush(struct qmp_client *c)
{
	while (c->out_len && !c->dead) {
		ssize_t n = send(c->h.fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			client_kill(c);
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (!c->dead)
		evloop_mod(c->server->loop, &c->h, EPOLLIN | (c->out_len ? EPOLLOUT : 0));
}

static void client_write(void *ctx, const char *line, size_t len)
{
	struct qmp_client *c = ctx;
	char *grown;

	if (c->dead)
		return;
	if (c->out_len + len > MAX_QUEUED_BYTES) {
		client_kill(c);         /* it does not read what it asked for */
		return;
	}
	grown = realloc(c->out, c->out_len + len);
	if (!grown) {
		client_kill(c);
		return;
	}
	c->out = grown;
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	client_flush(c);
}

static void on_client(struct ev_handler *h, uint32_t events)
{
	struct qmp_client *c = h->opaque;
	char buf[16384];
	ssize_t n;

	if (events & EPOLLOUT)
		client_flush(c);
	if (c->dead || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_kill(c);
		return;
	}
	qmp_session_input(&c->session, buf, (size_t)n);
}

static void on_accept(struct ev_handler *h, uint32_t events)
{
	struct qmp_server *s = h->opaque;
	struct qmp_client *c;
	int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (s->nr_clients >= QMP_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);              /* full: the client sees the connection end */
		return;
	}
	c->server = s;
	c->h = (struct ev_handler){ .fd = fd, .cb = on_client, .opaque = c };
	if (evloop_add(s->loop, &c->h, EPOLLIN)) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	s->clients = c;
	s->nr_clients++;
	if (qmp_session_init(&c->session, s->target, client_write, c))
		client_kill(c);
}

void qmp_server_reap(struct qmp_server *s)
{
	struct qmp_client **link = &s->clients;

	while (*link) {
		struct qmp_client *c = *link;

		if (!c->dead) {
			link = &c->next;
			continue;
		}
		*link = c->next;
		qmp_session_destroy(&c->session);
		close(c->h.fd);
		free(c->out);
		free(c);
		s->nr_clients--;
	}
}

void qmp_server_event(struct qmp_server *s, const char *name, struct json_object *data)
{
	struct json_object *ev = json_object_new_object(), *ts = json_object_new_object();
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	json_object_object_add(ev, "event", json_object_new_string(name));
	if (data)
		json_object_object_add(ev, "data", data);
	json_object_object_add(ts, "seconds", json_object_new_int64(now.tv_sec));
	json_object_object_add(ts, "microseconds", json_object_new_int64(now.tv_nsec / 1000));
	json_object_object_add(ev, "timestamp", ts);
	for (struct qmp_client *c = s ? s->clients : NULL; c; c = c->next)
		if (!c->dead && c->session.negotiated)
			qmp_session_send(&c->session, ev);
	json_object_put(ev);
}

/* An existing path: a stale socket goes, anything else stays. */
static int clear_path(const char *path, char *err, int err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, err_len, "--api %s: %s", path,
							strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_len, "--api %s: exists and is not a socket (not replacing it)", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	if (r == 0) {
		snprintf(err, err_len, "--api %s: another process is serving this socket", path);
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, err_len, "--api %s: cannot remove the stale socket: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int qmp_server_open(struct qmp_server *s, const char *path, struct evloop *loop,
		    struct qmp_target *target, char *err, int err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, r;

	memset(s, 0, sizeof(*s));
	s->listen_h.fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "--api %s: longer than a socket path may be (%zu bytes)",
			 path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (clear_path(path, err, err_len))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, err_len, "--api %s: socket: %s", path, strerror(errno));
		return -1;
	}
	/* 0600 from the start: no moment in which others could connect */
	old_mask = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (r < 0 || listen(fd, 16) < 0) {
		snprintf(err, err_len, "--api %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	strcpy(s->path, path);
	s->loop = loop;
	s->target = target;
	s->listen_h = (struct ev_handler){ .fd = fd, .cb = on_accept, .opaque = s };
	if (evloop_add(loop, &s->listen_h, EPOLLIN)) {
		snprintf(err, err_len, "--api %s: %s", path, strerror(errno));
		qmp_server_close(s);
		return -1;
	}
	return 0;
}

void qmp_server_close(struct qmp_server *s)
{
	if (s->listen_h.fd < 0)
		return;
	for (struct qmp_client *c = s->clients; c; c = c->next)
		client_kill(c);
	qmp_server_reap(s);
	evloop_del(s->loop, &s->listen_h);
	close(s->listen_h.fd);
	unlink(s->path);
	s->listen_h.fd = -1;
}
