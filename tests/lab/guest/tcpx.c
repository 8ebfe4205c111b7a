/* tcpx: TCP for the network scenarios, in L1 and in the guest alike
 * (busybox nc cannot be told to close after EOF everywhere).
 *   tcpx send HOST PORT FILE     connect, send FILE, close
 *   tcpx recv PORT FILE          accept one connection, store it to FILE
 *   tcpx serve PORT FILE         accept one connection, send FILE, close
 *   tcpx get HOST PORT FILE      connect, store what comes to FILE
 *   tcpx blast HOST PORT MIB     connect, send MIB MiB from memory, wait for the
 *                                close: L2-NETBENCH mib=N secs=S mbps=X (bench/net)
 *   tcpx source PORT             accept one, send 64-bit counters forever
 *   tcpx sink HOST PORT          connect, check the counters as they come:
 *       L2-NET ok mib=N (every 4 MiB) | L2-NET MISMATCH at=BYTES | L2-NET closed mib=N
 * Prints a line and exits 1 on any error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	perror(what);
	exit(1);
}

static int dial(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("socket");
	for (int i = 0; i < 100; i++) {         /* the listener may come up late */
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		usleep(100000);
	}
	return die("connect");
}

static int accept_one(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), fd;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		die("listen");
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(l);
	return fd;
}

static void copy(int in, int out)
{
	static char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0, w; done < n; done += w)
			if ((w = write(out, buf + done, (size_t)(n - done))) <= 0)
				die("write");
	if (n < 0)
		die("read");
}

static void source(int fd)
{
	static uint64_t buf[8192];
	uint64_t next = 0;

	for (;;) {
		for (unsigned i = 0; i < 8192; i++)
			buf[i] = next++;
		for (size_t done = 0; done < sizeof(buf);) {
			ssize_t w = write(fd, (char *)buf + done, sizeof(buf) - done);

			if (w <= 0)
				exit(0);        /* the sink went away */
			done += (size_t)w;
		}
	}
}

static void sink(int fd)
{
	static unsigned char buf[1 << 16];
	uint64_t at = 0;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++, at++) {
			uint64_t word = at / 8;

			if (buf[i] != (unsigned char)(word >> (8 * (at % 8)))) {
				printf("L2-NET MISMATCH at=%llu\n", (unsigned long long)at);
				exit(1);
			}
		}
		if (at / (4 << 20) != (at - (uint64_t)n) / (4 << 20))
			printf("L2-NET ok mib=%llu\n", (unsigned long long)(at >> 20));
	}
	printf("L2-NET closed mib=%llu\n", (unsigned long long)(at >> 20));
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "send")) {
		FILE *f = fopen(argv[4], "r");
		int fd = dial(argv[2], argv[3]);

		if (!f)
			die(argv[4]);
		copy(fileno(f), fd);
		shutdown(fd, SHUT_WR);
		while (read(fd, argv[1], 1) > 0)
			;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "recv")) {
		FILE *f = fopen(argv[3], "w");
		int fd = accept_one(argv[2]);

		if (!f)
			die(argv[3]);
		copy(fd, fileno(f));
		return fclose(f) ? 1 : 0;
	}
	if (argc == 4 && !strcmp(argv[1], "serve")) {
		FILE *f = fopen(argv[3], "r");
		int fd = accept_one(argv[2]);

		if (!f)
			die(argv[3]);
		copy(fileno(f), fd);
		/* done when the peer has it all and closes (a guest that powers
		 * off at once would cut the tail off otherwise) */
		shutdown(fd, SHUT_WR);
		while (read(fd, argv[1], 1) > 0)
			;
		return close(fd) ? 1 : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "get")) {
		FILE *f = fopen(argv[4], "w");
		int fd = dial(argv[2], argv[3]);

		if (!f)
			die(argv[4]);
		copy(fd, fileno(f));
		return fclose(f) ? 1 : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "blast")) {
		static char buf[1 << 16];
		long mib = atol(argv[4]);
		int fd = dial(argv[2], argv[3]);
		struct timespec t0, t1;
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < mib * 16; i++)
			for (size_t done = 0; done < sizeof(buf);) {
				ssize_t w = write(fd, buf + done, sizeof(buf) - done);

				if (w <= 0)
					die("write");
				done += (size_t)w;
			}
		shutdown(fd, SHUT_WR);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("L2-NETBENCH mib=%ld secs=%.3f mbps=%.1f\n", mib, secs, (double)mib * 8.388608 / secs);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "source"))
		source(accept_one(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "sink")) {
		sink(dial(argv[2], argv[3]));
		return 0;
	}
	fprintf(stderr, "usage: tcpx send HOST PORT FILE | recv PORT FILE | serve PORT FILE | "
		"get HOST PORT FILE | source PORT | sink HOST PORT\n");
	return 2;
}
