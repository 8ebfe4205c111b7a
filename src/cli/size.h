#ifndef MERIDIAN_SIZE_H
#define MERIDIAN_SIZE_H

#include <stdint.h>

/* Parse "256M", "1G", "4096K", "1048576" (bytes) into *bytes.
 * Returns 0, or -1 with a reason in err (e.g. "unknown size suffix 'Q'"). */
int parse_size_bytes(const char *text, uint64_t *bytes, char *err, int err_len);

#endif
