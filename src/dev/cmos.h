/* MC146818 CMOS RTC and NVRAM at ports 0x70/0x71. The clock reads the
 * host's time (UTC); the 128 bytes of NVRAM survive a guest reset, as on a
 * PC, because the machine (not the VM instance) owns this device. */
#ifndef MERIDIAN_CMOS_H
#define MERIDIAN_CMOS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "dev/device.h"

#define CMOS_PORT 0x70
#define CMOS_BYTES 128

struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[CMOS_BYTES];
	time_t (*now)(time_t *);    /* host clock; replaceable in tests */
};

void cmos_init(struct cmos *c);
uint8_t cmos_read(struct cmos *c, uint8_t reg);
void cmos_write(struct cmos *c, uint8_t reg, uint8_t value);
uint32_t cmos_io_read(void *opaque, uint16_t offset, unsigned size);
void cmos_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);

/* State (NVRAM and registers) for snapshots and migration. */
ssize_t cmos_save(struct cmos *c, uint8_t *buf, size_t cap);
ssize_t cmos_load(struct cmos *c, const uint8_t *buf, size_t len, char *err, int err_len);

/* Its state in a VM's device table. */
extern const struct device_ops cmos_device_ops;

#endif
