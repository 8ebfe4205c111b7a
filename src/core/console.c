#include "core/console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/log.h"

#define CTRL_A 0x01

/* One terminal per process: the saved state is global so that the fatal
 * signal handler, which has no context pointer, can restore it. */
static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

static void restore_terminal(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = 0;
	}
}

static void fatal_signal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void enter_raw_mode(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return;
	termios_saved = 1;
	atexit(restore_terminal);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
	raw = saved_termios;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

int console_open(struct console *c, const struct vm_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = -1;
	c->in_fd = -1;
	switch (cfg->console) {
	case CONSOLE_NONE:
		break;
	case CONSOLE_FILE:
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			log_error("--console file=%s: %s", cfg->console_path, strerror(errno));
			return -1;
		}
		c->out_owned = true;
		break;
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		c->in_fd = STDIN_FILENO;
		if (isatty(STDIN_FILENO)) {
			c->tty = true;
			enter_raw_mode();
		}
		break;
	}
	return 0;
}

void console_close(struct console *c)
{
	if (c->tty)
		restore_terminal();
	if (c->out_owned)
		close(c->out_fd);
	c->out_fd = -1;
}

void console_write(struct console *c, uint8_t byte)
{
	ssize_t r;

	if (c->out_fd < 0)
		return;
	do {
		r = write(c->out_fd, &byte, 1);
	} while (r < 0 && errno == EINTR);
}

/* Filters the escape sequence out of the bytes just read at inbuf[from..]. */
static int filter_escape(struct console *c, size_t from)
{
	size_t out = from;
	int quit = 0;

	for (size_t i = from; i < c->in_len; i++) {
		uint8_t b = c->inbuf[i];

		if (c->escape) {
			c->escape = false;
			if (b == 'x' || b == 'X') {
				quit = 1;
				continue;
			}
			if (b != CTRL_A)
				continue;       /* unknown escape: dropped */
		} else if (b == CTRL_A) {
			c->escape = true;
			continue;
		}
		c->inbuf[out++] = b;
	}
	c->in_len = out;
	return quit;
}

int console_read_input(struct console *c)
{
	size_t from = c->in_len;
	ssize_t n;

	if (c->in_fd < 0 || c->in_eof || c->in_len == sizeof(c->inbuf))
		return 0;
	n = read(c->in_fd, c->inbuf + c->in_len, sizeof(c->inbuf) - c->in_len);
	if (n < 0)
		return 0;
	if (n == 0) {
		c->in_eof = true;
		return 0;
	}
	c->in_len += (size_t)n;
	return c->tty ? filter_escape(c, from) : 0;
}

void console_consume(struct console *c, size_t n)
{
	memmove(c->inbuf, c->inbuf + n, c->in_len - n);
	c->in_len -= n;
}
