/* The host side of the guest's serial console: output to stdout or a file,
 * input from stdin with the terminal in raw mode (restored on every exit
 * path, fatal signals included). On a terminal, Ctrl-A x quits and
 * Ctrl-A Ctrl-A sends a Ctrl-A. */
#ifndef MERIDIAN_CONSOLE_H
#define MERIDIAN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/vm_config.h"

#define CONSOLE_INBUF_BYTES 4096

struct console {
	int out_fd;             /* -1: output dropped */
	int in_fd;              /* -1: no input */
	bool out_owned;         /* we opened out_fd */
	bool tty;               /* in_fd is a terminal we put in raw mode */
	bool escape;            /* last input byte was Ctrl-A */
	bool in_eof;
	uint8_t inbuf[CONSOLE_INBUF_BYTES];
	size_t in_len;
};

/* Returns 0, or -1 after printing why (e.g. the console file cannot be opened). */
int console_open(struct console *c, const struct vm_config *cfg);
void console_close(struct console *c);
void console_write(struct console *c, uint8_t byte);
/* Reads what stdin has into inbuf. Returns 1 when the operator asked to
 * quit (Ctrl-A x), 0 otherwise; sets in_eof at end of input. */
int console_read_input(struct console *c);
/* Drops the first n bytes of inbuf (they were delivered). */
void console_consume(struct console *c, size_t n);

#endif
