#include "dev/io_bus.h"

#include <string.h>

int io_bus_add(struct io_bus *bus, const struct io_dev *dev)
{
	if (bus->nr_devs >= IO_BUS_MAX_DEVS)
		return -1;
	for (unsigned i = 0; i < bus->nr_devs; i++) {
		const struct io_dev *d = &bus->devs[i];

		if (dev->base < d->base + d->len && d->base < dev->base + dev->len)
			return -1;
	}
	bus->devs[bus->nr_devs++] = *dev;
	return 0;
}

static struct io_dev *io_bus_find(struct io_bus *bus, uint16_t port)
{
	for (unsigned i = 0; i < bus->nr_devs; i++) {
		struct io_dev *d = &bus->devs[i];

		if (port >= d->base && port - d->base < d->len)
			return d;
	}
	return NULL;
}

void io_bus_access(struct io_bus *bus, uint16_t port, bool is_write, void *data,
		   unsigned size)
{
	struct io_dev *d = io_bus_find(bus, port);
	uint32_t value = 0;

	if (size != 1 && size != 2 && size != 4)
		return;
	if (is_write) {
		memcpy(&value, data, size);
		if (d && d->write)
			d->write(d->opaque, port - d->base, size, value);
		return;
	}
	value = (d && d->read) ? d->read(d->opaque, port - d->base, size) : 0xffffffffu;
	memcpy(data, &value, size);
}
