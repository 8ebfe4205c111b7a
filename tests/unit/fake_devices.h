/* Two fake devices for the device table's tests (device sections,
 * snapshots, their fuzzer): a disk whose size is its configuration and
 * its position its state, and a port with a byte of state only. */
#ifndef MERIDIAN_FAKE_DEVICES_H
#define MERIDIAN_FAKE_DEVICES_H

#include <stdint.h>
#include <stdio.h>

#include "base/le_bytes.h"
#include "dev/device.h"

/* A fake disk: its size is configuration, its position state. */
struct fake_disk {
	uint64_t sectors, position;
};

static ssize_t disk_save_config(void *dev, uint8_t *buf, size_t cap)
{
	le_put(buf, ((struct fake_disk *)dev)->sectors, 8);
	return 8;
}

static int disk_check_config(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	struct fake_disk *d = dev;

	if (len != 8 || le_get(buf, 8) != d->sectors)
		return snprintf(err, err_len, "the saved disk has %llu sectors, this one %llu",
				len == 8 ? (unsigned long long)le_get(buf, 8) : 0ull,
				(unsigned long long)d->sectors), -1;
	return 0;
}

static ssize_t disk_save(void *dev, uint8_t *buf, size_t cap)
{
	le_put(buf, ((struct fake_disk *)dev)->position, 8);
	return 8;
}

static ssize_t disk_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	if (len != 8)
		return snprintf(err, err_len, "%zu bytes of state, 8 expected", len), -1;
	((struct fake_disk *)dev)->position = le_get(buf, 8);
	return 8;
}

static const struct device_ops disk_ops = {
	.save_config = disk_save_config, .check_config = disk_check_config,
	.save = disk_save, .load = disk_load,
};

/* A fake serial port: state only (a byte of scratch). */
static ssize_t port_save(void *dev, uint8_t *buf, size_t cap)
{
	buf[0] = *(uint8_t *)dev;
	return 1;
}

static ssize_t port_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	if (len != 1)
		return snprintf(err, err_len, "%zu bytes of state, 1 expected", len), -1;
	*(uint8_t *)dev = buf[0];
	return 1;
}

static const struct device_ops port_ops = { .save = port_save, .load = port_load };

#endif
