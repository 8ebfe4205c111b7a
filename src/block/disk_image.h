/* A disk image as virtio-blk serves it: a raw file or a host block device,
 * opened once per meridian run (it survives guest resets). Checked before
 * anything starts: it exists, it can be opened as asked (read-only, or
 * O_DIRECT for cache=none), its size is a whole number of 512-byte
 * sectors, and no two disks of one VM are the same file. */
#ifndef MERIDIAN_DISK_IMAGE_H
#define MERIDIAN_DISK_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/disk_config.h"

#define SECTOR_BYTES 512ull

struct disk_image {
	const struct disk_config *cfg;
	int fd;
	uint64_t size_bytes;
	bool is_block_device;
	dev_t dev;
	ino_t ino;
};

/* Opens cfg's image. Returns 0, or -1 with one line in err naming the
 * disk and what is wrong. */
int disk_image_open(struct disk_image *img, const struct disk_config *cfg, char *err,
		    int err_len);
/* -1 with err when img is the same file as any of others[0..n). */
int disk_image_check_distinct(const struct disk_image *img, const struct disk_image *others,
			      unsigned n, char *err, int err_len);
void disk_image_close(struct disk_image *img);

#endif
