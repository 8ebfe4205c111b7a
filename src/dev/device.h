/* The device table: every device of a VM instance that has state or a
 * lifetime of its own, under a stable instance id ("uart.0",
 * "virtio-blk.1"). The VM builds, freezes and destroys devices by walking
 * it; snapshots and migration save and load them by walking it, and name
 * each device in the stream by its id. A guest reset destroys the
 * instance's table and builds a new one with the instance.
 *
 * Adding a device kind: a `struct device_kind` in the device's file
 * (how many from the configuration, how to create one) and one line in
 * vm/board.c's list. docs/architecture.md, "Adding a device". */
#ifndef MERIDIAN_DEVICE_H
#define MERIDIAN_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "block/disk_image.h"
#include "config/vm_config.h"
#include "dev/virtio_pci.h"
#include "net/netdev.h"

#define DEVICE_ID_MAX 32        /* "virtio-balloon.0" and a NUL, with room */
#define DEVICE_TABLE_MAX (4 + 4 + MAX_DISKS + MAX_NETS)

/* What the VM and migration do to a device. Every operation may be NULL:
 * nothing to do (no state, no configuration to match, nothing in flight). */
struct device_ops {
	/* Frozen: no new requests from the guest's queues, and the ones in
	 * flight finished, so the device writes no guest RAM; false thaws. */
	void (*freeze)(void *dev, bool frozen);
	/* The configuration a destination must match (disk size, MAC): saved
	 * at the stream's start, so a guest that does not fit is refused
	 * before any RAM travels. check_config says why in one line (-1). */
	ssize_t (*save_config)(void *dev, uint8_t *buf, size_t cap);
	int (*check_config)(void *dev, const uint8_t *buf, size_t len, char *err, int err_len);
	/* The state: saved with the vCPUs paused and the device frozen;
	 * loaded into a device that has not run. Load returns the bytes used,
	 * or -1 with err (the device then unchanged). */
	ssize_t (*save)(void *dev, uint8_t *buf, size_t cap);
	ssize_t (*load)(void *dev, const uint8_t *buf, size_t len, char *err, int err_len);
	/* Dirty logging turned on or off: a kernel data path that writes
	 * guest RAM unseen by KVM's dirty log (vhost) stops while it is on. */
	void (*dirty_logging)(void *dev, bool on);
	/* Host backends (taps) taken after an incoming migration, waiting up
	 * to wait_ms for the source to let them go; released when the guest
	 * went to a destination. Attach returns 0, or -1 after one line. */
	int (*attach)(void *dev, unsigned wait_ms);
	void (*release)(void *dev);
	void (*destroy)(void *dev);     /* and frees it */
};

struct device {
	char id[DEVICE_ID_MAX];
	const struct device_ops *ops;
	void *dev;                      /* the device's own struct */
};

struct device_table {
	struct device entry[DEVICE_TABLE_MAX];
	unsigned n;
};

/* What a VM lends a device it creates. */
struct device_host {
	struct virtio_host virtio;
	const struct vm_config *cfg;
	const struct disk_image *disks;         /* --disk, opened, in order */
	struct netdev *nets;               /* --net's backends, in order (the machine's) */
	/* the next PCI BAR: below 4 GiB, or (high) above RAM; 0 when full */
	uint64_t (*take_bar)(void *ctx, bool high);
	/* puts a PCI device on the bus; 0 or -ENOSPC */
	int (*plug)(void *ctx, struct pci_device *pci);
	/* the event loop has news from a device (the balloon moved) */
	void (*wake)(void *ctx);
	void *ctx;
};

/* A kind of device the configuration asks for, count times. create
 * builds instance index and fills dev (id set by the caller); 0, or
 * -errno, or -ECANCELED after saying why in one line. */
struct device_kind {
	const char *type;
	unsigned (*count)(const struct vm_config *cfg);
	int (*create)(const struct device_host *host, unsigned index, struct device *dev);
};

/* Adds an entry "TYPE.INDEX". 0, or -ENOSPC (table full) / -EEXIST. */
int device_table_add(struct device_table *t, const char *type, unsigned index,
		     const struct device_ops *ops, void *dev);
struct device *device_table_find(struct device_table *t, const char *id);
/* The device struct of id, or NULL. */
void *device_table_get(struct device_table *t, const char *id);
void device_table_freeze(struct device_table *t, bool frozen);
void device_table_dirty_logging(struct device_table *t, bool on);
/* 0, or -1 after the first backend that could not be attached said why. */
int device_table_attach(struct device_table *t, unsigned wait_ms);
void device_table_release(struct device_table *t);
/* Destroys every entry, the last added first, and empties the table. */
void device_table_destroy(struct device_table *t);

#endif
