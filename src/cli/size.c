#include "cli/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int parse_size_bytes(const char *text, uint64_t *bytes, char *err, int err_len)
{
	char *end;
	unsigned long long value;
	unsigned shift = 0;

	if (!isdigit((unsigned char)text[0])) {
		snprintf(err, err_len, "not a size (expected a number with K/M/G suffix)");
		return -1;
	}
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno) {
		snprintf(err, err_len, "number out of range");
		return -1;
	}
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default:
		snprintf(err, err_len, "unknown size suffix '%s'", end);
		return -1;
	}
	if (*end && end[1] != '\0' && !((end[1] == 'i' || end[1] == 'B') && end[2] == '\0') &&
	    !(end[1] == 'i' && end[2] == 'B' && end[3] == '\0')) {
		snprintf(err, err_len, "unknown size suffix '%s'", end);
		return -1;
	}
	if (shift && value > (UINT64_MAX >> shift)) {
		snprintf(err, err_len, "number out of range");
		return -1;
	}
	*bytes = (uint64_t)value << shift;
	return 0;
}
