/* One --disk: a virtio-blk device backed by a file. */
#ifndef MERIDIAN_DISK_CONFIG_H
#define MERIDIAN_DISK_CONFIG_H

#include <stdbool.h>

#include "config/limits.h"

struct disk_config {
	const char *path;
	bool readonly;
	bool cache_direct;              /* cache=none: O_DIRECT, the host page cache bypassed */
	char serial[DISK_SERIAL_MAX + 1];
};

#endif
