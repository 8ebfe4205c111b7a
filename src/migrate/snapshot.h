/* The whole VM into a stream and back: the configuration it needs, RAM
 * (pages that are not zero), every vCPU, the in-kernel irqchip and PIT,
 * the clock (clock_xfer), and each device's state. Saving wants the vCPUs
 * paused; loading happens into a VM that is built but has not run, and
 * changes nothing the guest could see until the stream has been read to
 * its end and its checksum matched. */
#ifndef MERIDIAN_SNAPSHOT_H
#define MERIDIAN_SNAPSHOT_H

#include <stdint.h>

struct vm;

struct snapshot_stats {
	uint64_t bytes;
	uint64_t ram_pages, zero_pages;
};

/* Returns 0, or -1 with err. */
int snapshot_save(struct vm *vm, int fd, struct snapshot_stats *st, char *err, int err_len);
int snapshot_load(struct vm *vm, int fd, char *err, int err_len);

#endif
