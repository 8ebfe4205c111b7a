#include "kvm/kvm_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MAX_VALUES 1024         /* a histogram's buckets: more is not believed */

/* Reads exactly len bytes at off, or fails. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int kvm_stats_open(int obj_fd)
{
	int fd = ioctl(obj_fd, KVM_GET_STATS_FD, NULL);

	return fd < 0 ? -errno : fd;
}

int kvm_stats_foreach(int fd, kvm_stat_fn fn, void *ctx)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d = NULL;
	uint64_t *values = NULL;
	size_t desc_bytes;
	int err;

	err = read_at(fd, &h, sizeof(h), 0);
	if (err)
		goto out;
	desc_bytes = sizeof(*d) + h.name_size;
	d = malloc(desc_bytes + 1);
	values = malloc(MAX_VALUES * sizeof(*values));
	err = !d || !values ? -ENOMEM : 0;
	for (uint32_t i = 0; !err && i < h.num_desc; i++) {
		err = read_at(fd, d, desc_bytes, (off_t)(h.desc_offset + i * desc_bytes));
		if (err)
			break;
		((char *)d)[desc_bytes] = '\0';         /* the name ends, whatever KVM sent */
		if (d->size == 0 || d->size > MAX_VALUES)
			continue;
		err = read_at(fd, values, d->size * sizeof(*values), (off_t)(h.data_offset + d->offset));
		if (!err)
			fn(ctx, d->name, values, d->size);
	}
out:
	free(d);
	free(values);
	return err;
}
