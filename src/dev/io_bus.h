/* Port I/O dispatch: a small table of devices, filled before the vCPUs
 * start and read-only afterwards (so no lock). */
#ifndef MERIDIAN_IO_BUS_H
#define MERIDIAN_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define IO_BUS_MAX_DEVS 16

struct io_dev {
	const char *name;
	uint16_t base;
	uint16_t len;
	void *opaque;
	/* size is 1, 2 or 4; offset is relative to base */
	uint32_t (*read)(void *opaque, uint16_t offset, unsigned size);
	void (*write)(void *opaque, uint16_t offset, unsigned size, uint32_t value);
};

struct io_bus {
	struct io_dev devs[IO_BUS_MAX_DEVS];
	unsigned nr_devs;
};

/* Returns 0, or -1 when the range overlaps another device or the table is full. */
int io_bus_add(struct io_bus *bus, const struct io_dev *dev);
/* One access. Unclaimed reads return all ones, unclaimed writes are dropped. */
void io_bus_access(struct io_bus *bus, uint16_t port, bool is_write, void *data,
		   unsigned size);

#endif
