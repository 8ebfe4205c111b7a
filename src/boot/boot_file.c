#include "boot/boot_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

int boot_file_read(const struct boot_file *f, uint64_t offset, void *dst, size_t len)
{
	uint8_t *p = dst;

	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;    /* the file shrank under us */
		p += n;
		offset += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int boot_file_open(struct boot_file *f, const char *option, const char *path)
{
	struct stat st;
	int r;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		log_error("%s %s: %s", option, path, strerror(errno));
		return -1;
	}
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("%s %s: not a regular file", option, path);
		goto err;
	}
	if (st.st_size == 0) {
		log_error("%s %s: file is empty", option, path);
		goto err;
	}
	f->size_bytes = (uint64_t)st.st_size;
	f->head_bytes = f->size_bytes < BOOT_FILE_HEAD_BYTES ? f->size_bytes : BOOT_FILE_HEAD_BYTES;
	f->head = malloc(f->head_bytes);
	if (!f->head) {
		log_error("%s %s: out of memory", option, path);
		goto err;
	}
	r = boot_file_read(f, 0, f->head, f->head_bytes);
	if (r) {
		log_error("%s %s: %s", option, path, strerror(-r));
		goto err;
	}
	return 0;
err:
	boot_file_close(f);
	return -1;
}

void boot_file_close(struct boot_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->head);
	f->head = NULL;
	f->fd = -1;
}
