#include "block/disk_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

static int image_size(struct disk_image *img, const struct stat *st, char *err, int err_len)
{
	const char *path = img->cfg->path;

	if (S_ISREG(st->st_mode)) {
		img->size_bytes = (uint64_t)st->st_size;
	} else if (S_ISBLK(st->st_mode)) {
		img->is_block_device = true;
		if (ioctl(img->fd, BLKGETSIZE64, &img->size_bytes) < 0) {
			snprintf(err, err_len, "--disk path=%s: cannot read its size: %s", path,
				 strerror(errno));
			return -1;
		}
	} else {
		snprintf(err, err_len, "--disk path=%s: not a regular file or block device", path);
		return -1;
	}
	if (img->size_bytes == 0 || img->size_bytes % SECTOR_BYTES) {
		snprintf(err, err_len, "--disk path=%s: size %llu bytes is not a whole number of "
			 "512-byte sectors", path, (unsigned long long)img->size_bytes);
		return -1;
	}
	return 0;
}

int disk_image_open(struct disk_image *img, const struct disk_config *cfg, char *err,
		    int err_len)
{
	int flags = (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		    (cfg->cache_direct ? O_DIRECT : 0);
	struct stat st;

	memset(img, 0, sizeof(*img));
	img->cfg = cfg;
	err[0] = '\0';
	img->fd = open(cfg->path, flags);
	if (img->fd < 0 && errno == EINVAL && cfg->cache_direct) {
		snprintf(err, err_len, "--disk path=%s: cache=none needs O_DIRECT, which its "
			 "filesystem refuses (use cache=writeback)", cfg->path);
		return -1;
	}
	if (img->fd < 0) {
		int e = errno;
		/* a file we may read but not write: say how to use it anyway */
		bool hint = (e == EACCES || e == EROFS) && !cfg->readonly &&
			    access(cfg->path, R_OK) == 0;

		snprintf(err, err_len, "--disk path=%s: %s%s", cfg->path, strerror(e),
			 hint ? " (readonly=on opens it for reading only)" : "");
		return -1;
	}
	if (fstat(img->fd, &st) < 0 || image_size(img, &st, err, err_len)) {
		if (!err[0])
			snprintf(err, err_len, "--disk path=%s: %s", cfg->path, strerror(errno));
		disk_image_close(img);
		return -1;
	}
	img->dev = st.st_dev;
	img->ino = st.st_ino;
	if (S_ISBLK(st.st_mode)) {
		img->dev = 0;
		img->ino = (ino_t)st.st_rdev;   /* the device itself, whatever node names it */
	}
	return 0;
}

int disk_image_check_distinct(const struct disk_image *img, const struct disk_image *others,
			      unsigned n, char *err, int err_len)
{
	for (unsigned i = 0; i < n; i++) {
		if (others[i].dev == img->dev && others[i].ino == img->ino &&
		    others[i].is_block_device == img->is_block_device) {
			snprintf(err, err_len, "--disk path=%s: the same file as disk %u (%s); "
				 "two disks on one image would corrupt it", img->cfg->path, i,
				 others[i].cfg->path);
			return -1;
		}
	}
	return 0;
}

void disk_image_close(struct disk_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}
