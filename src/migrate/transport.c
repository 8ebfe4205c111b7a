#include "migrate/transport.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <unistd.h>

/* The URI's host and port into getaddrinfo's results. */
static struct addrinfo *resolve(const struct mig_uri *u, bool passive, char *err, int err_len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 }, *res = NULL;
	int r = getaddrinfo(u->host, u->port, &hints, &res);

	if (r) {
		snprintf(err, err_len, "%s: %s", u->text, gai_strerror(r));
		return NULL;
	}
	return res;
}

int mig_connect_tcp(const struct mig_uri *u, char *err, int err_len)
{
	struct addrinfo *res = resolve(u, false, err, err_len), *a;
	int fd = -1, e = 0;

	for (a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	if (res && fd < 0)
		snprintf(err, err_len, "%s: %s", u->text, strerror(e ? e : ECONNREFUSED));
	freeaddrinfo(res);
	return fd;
}

int mig_listen_tcp(const struct mig_uri *u, char *err, int err_len)
{
	struct addrinfo *res = resolve(u, true, err, err_len), *a;
	int fd = -1, e = 0, one = 1;

	for (a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 1) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	if (res && fd < 0)
		snprintf(err, err_len, "%s: %s", u->text, strerror(e));
	freeaddrinfo(res);
	return fd;
}

unsigned mig_tcp_unsent_bytes(int fd)
{
	int n = 0;

	return ioctl(fd, SIOCOUTQ, &n) < 0 || n < 0 ? 0 : (unsigned)n;
}

bool mig_read_refusal(int fd, bool prefix_read, char *why, int why_len)
{
	size_t prefix = strlen(MIG_FAIL), got = 0, want = prefix_read ? 0 : prefix;
	char buf[400];

	while (got < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) != 1)
			break;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	if (got < want || memcmp(buf, MIG_FAIL, want))
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(why, why_len, "%s", buf + want);
	return true;
}
