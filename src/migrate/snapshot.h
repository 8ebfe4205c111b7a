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

struct mig_stream;
struct guest_mem;
struct device_table;

/* What a destination must match of the machine; the devices' own
 * configurations are theirs (device_sections.h). */
struct snap_config {
	uint64_t mem_bytes;
	uint32_t cpus, tsc_khz;
	const char *cpu_spec;
};

/* The processor side of a VM (clock, irqchip, PIT, vCPUs: cpu_sections.c
 * through KVM; a unit test's fake without it). */
struct snap_vm_ops {
	/* its sections into the stream, the vCPUs stopped: 0 or -1 with err */
	int (*put_cpus)(void *ctx, struct mig_stream *w, char *err, int err_len);
	/* storage for what a load reads (NULL: out of memory), freed by load_end */
	void *(*load_begin)(void *ctx);
	/* a section that is not the machine's configuration, a device's or RAM:
	 * 0 taken, -1 malformed, 1 not one of its types */
	int (*get_cpu_section)(void *ctx, void *loaded, struct mig_stream *r, uint32_t type,
			       uint32_t id, uint32_t len);
	/* the stream was read whole and its checksum matched: into the VM */
	int (*apply_cpus)(void *ctx, void *loaded, char *err, int err_len);
	void (*load_end)(void *ctx, void *loaded);
};

/* A VM as a snapshot sees it: the narrow interface migration has to it. */
struct snap_vm {
	struct guest_mem *mem;
	struct device_table *devices;
	struct snap_config config;
	const struct snap_vm_ops *ops;
	void *ctx;
};

struct snapshot_stats {
	uint64_t bytes;
	struct ram_stats ram;
};

/* Returns 0, or -1 with err. zstd_level 0: RAM uncompressed. */
int snapshot_save(const struct snap_vm *vm, int fd, int zstd_level, struct snapshot_stats *st,
		  char *err, int err_len);
/* What a live migration's destination adds to a load (NULL: a file's):
 * sections that are not the snapshot's own (0 taken, -1 malformed, -2
 * refused with err, 1 not one of its types), and a step once the stream
 * is in and its checksum matched, before the state is applied (0 or -1
 * with err). */
struct snap_load_ext {
	int (*section)(void *ctx, struct mig_stream *r, uint32_t type, uint32_t len, char *err,
		       int err_len);
	/* rest: what the reader took in past the stream's end (the bytes
	 * that follow it on the connection) */
	int (*before_apply)(void *ctx, const void *rest, uint64_t rest_len, char *err,
			    int err_len);
	void *ctx;
};

int snapshot_load(const struct snap_vm *vm, int fd, const struct snap_load_ext *ext,
		  uint64_t *apply_ms, char *err, int err_len);

/* The parts, for live migration (precopy.c): header and configuration;
 * (pages: ram_pages.h); the final state once the vCPUs stopped (clock,
 * irqchip, PIT, vCPUs, devices). */
void snap_put_begin(struct mig_stream *w, const struct snap_vm *vm);
int snap_put_final(struct mig_stream *w, const struct snap_vm *vm, char *err, int err_len);

#endif
