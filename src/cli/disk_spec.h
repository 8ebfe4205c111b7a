/* `--disk path=FILE[,readonly=on|off][,serial=ID][,cache=none|writeback]`:
 * one virtio-blk disk per option, in the order given. */
#ifndef MERIDIAN_DISK_SPEC_H
#define MERIDIAN_DISK_SPEC_H

#include <stdbool.h>

#define MAX_DISKS 8
#define DISK_SERIAL_MAX 20      /* VIRTIO_BLK_ID_BYTES: GET_ID answers at most this */

struct disk_config {
	const char *path;
	bool readonly;
	bool cache_direct;              /* cache=none: O_DIRECT, the host page cache bypassed */
	char serial[DISK_SERIAL_MAX + 1];
};

/* Parses one --disk value. Returns 0, or 1 after printing one line that
 * names the bad part. The path points into text, which must outlive cfg. */
int disk_spec_parse(char *text, struct disk_config *disk);

#endif
