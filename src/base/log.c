#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static bool quiet;

void log_set_quiet(bool q)
{
	quiet = q;
}

/* One write per line, so lines from vCPU threads do not interleave mid-line.
 * "\r\n" because the terminal may be in raw mode while the guest runs. */
static void log_line(const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "meridian: ");

	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}
