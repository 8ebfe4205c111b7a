#include "dev/cmos.h"

#include "base/vmstate.h"

#include <string.h>

#define REG_SECONDS 0x00
#define REG_MINUTES 0x02
#define REG_HOURS   0x04
#define REG_WEEKDAY 0x06
#define REG_DAY     0x07
#define REG_MONTH   0x08
#define REG_YEAR    0x09
#define REG_A       0x0a
#define REG_B       0x0b
#define REG_C       0x0c
#define REG_D       0x0d
#define REG_CENTURY 0x32

#define REG_A_DIVIDER_32K 0x26
#define REG_B_24H   0x02
#define REG_B_BINARY 0x04
#define REG_D_VRT   0x80        /* battery good */

void cmos_init(struct cmos *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->now = time;
	c->ram[REG_A] = REG_A_DIVIDER_32K;
	c->ram[REG_B] = REG_B_24H;
	c->ram[REG_D] = REG_D_VRT;
}

static uint8_t encode(const struct cmos *c, int v)
{
	if (c->ram[REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int clock_field(const struct cmos *c, uint8_t reg, uint8_t *out)
{
	time_t t = c->now(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SECONDS: *out = encode(c, tm.tm_sec); break;
	case REG_MINUTES: *out = encode(c, tm.tm_min); break;
	case REG_HOURS:
		if (c->ram[REG_B] & REG_B_24H) {
			*out = encode(c, tm.tm_hour);
		} else {
			int h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;

			*out = encode(c, h) | (tm.tm_hour >= 12 ? 0x80 : 0);
		}
		break;
	case REG_WEEKDAY: *out = encode(c, tm.tm_wday + 1); break;
	case REG_DAY: *out = encode(c, tm.tm_mday); break;
	case REG_MONTH: *out = encode(c, tm.tm_mon + 1); break;
	case REG_YEAR: *out = encode(c, tm.tm_year % 100); break;
	case REG_CENTURY: *out = encode(c, (tm.tm_year + 1900) / 100); break;
	default: return 0;
	}
	return 1;
}

uint8_t cmos_read(struct cmos *c, uint8_t reg)
{
	uint8_t v;

	reg &= CMOS_BYTES - 1;
	pthread_mutex_lock(&c->lock);
	if (!clock_field(c, reg, &v))
		v = c->ram[reg];
	if (reg == REG_C)
		c->ram[REG_C] = 0;      /* interrupt flags clear on read */
	pthread_mutex_unlock(&c->lock);
	return v;
}

void cmos_write(struct cmos *c, uint8_t reg, uint8_t value)
{
	reg &= CMOS_BYTES - 1;
	pthread_mutex_lock(&c->lock);
	switch (reg) {
	case REG_C:
	case REG_D:
		break;                  /* read-only */
	case REG_A:
		c->ram[reg] = value & 0x7f;     /* UIP is read-only, always 0 */
		break;
	default:
		/* Clock registers accept the write but keep following the host
		 * clock: the guest's wall time comes from kvmclock anyway. */
		c->ram[reg] = value;
	}
	pthread_mutex_unlock(&c->lock);
}

uint32_t cmos_io_read(void *opaque, uint16_t offset, unsigned size)
{
	struct cmos *c = opaque;

	if (offset == 0)
		return 0xff;
	return cmos_read(c, c->index);
}

void cmos_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct cmos *c = opaque;

	if (offset == 0)
		c->index = value & 0x7f;        /* bit 7 is the NMI mask */
	else
		cmos_write(c, c->index, (uint8_t)value);
}

static const struct vmstate_field cmos_fields[] = {
	VMSTATE_FIELD(struct cmos, index), VMSTATE_ARRAY(struct cmos, ram),
};
static const struct vmstate_desc cmos_desc = {
	.name = "cmos", .version = 1, .fields = cmos_fields,
	.nr_fields = sizeof(cmos_fields) / sizeof(cmos_fields[0]),
};

ssize_t cmos_save(struct cmos *c, uint8_t *buf, size_t cap)
{
	ssize_t n;

	pthread_mutex_lock(&c->lock);
	n = vmstate_save(&cmos_desc, c, buf, cap);
	pthread_mutex_unlock(&c->lock);
	return n;
}

ssize_t cmos_load(struct cmos *c, const uint8_t *buf, size_t len, char *err, int err_len)
{
	ssize_t n;

	pthread_mutex_lock(&c->lock);
	n = vmstate_load(&cmos_desc, c, buf, len, err, err_len);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* --- in the device table --- */

static ssize_t device_save(void *dev, uint8_t *buf, size_t cap)
{
	return cmos_save(dev, buf, cap);
}

static ssize_t device_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return cmos_load(dev, buf, len, err, err_len);
}

const struct device_ops cmos_device_ops = { .save = device_save, .load = device_load };
