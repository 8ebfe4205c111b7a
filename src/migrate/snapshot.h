/* The whole VM into a stream and back: the configuration it needs, RAM
 * (pages that are not zero), every vCPU, the in-kernel irqchip and PIT,
 * the clock (clock_xfer), and each device's state. Saving wants the vCPUs
 * paused; loading happens into a VM that is built but has not run, and
 * changes nothing the guest could see until the stream has been read to
 * its end and its checksum matched. */
#ifndef MERIDIAN_SNAPSHOT_H
#define MERIDIAN_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "migrate/ram_pages.h"

struct vm;
struct mig_stream;
struct guest_mem;

struct snapshot_stats {
	uint64_t bytes;
	struct ram_stats ram;
};

/* Returns 0, or -1 with err. zstd_level 0: RAM uncompressed. */
int snapshot_save(struct vm *vm, int fd, int zstd_level, struct snapshot_stats *st, char *err,
		  int err_len);
int snapshot_load(struct vm *vm, int fd, uint64_t *apply_ms, char *err, int err_len);

/* The parts, for live migration (precopy.c): header and configuration;
 * (pages: ram_pages.h); the final state once the vCPUs stopped (clock,
 * irqchip, PIT, vCPUs, devices). */
void snap_put_begin(struct mig_stream *w, struct vm *vm);
int snap_put_final(struct mig_stream *w, struct vm *vm, char *err, int err_len);

#endif
