#include "dev/acpi_pm.h"

#include <string.h>
#include <time.h>

#include "boot/acpi.h"
#include "base/vmstate.h"

#define PM1_CNT_SCI_EN   (1u << 0)
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_CNT_SLP_EN   (1u << 13)
#define PM1_EVT_PWRBTN   (1u << 8)      /* status and enable bit of the power button */

void acpi_pm_init(struct acpi_pm *pm, vm_stop_fn stop, void *stop_ctx)
{
	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	pm->control = PM1_CNT_SCI_EN;   /* no SMI_CMD: always in ACPI mode */
	pm->stop = stop;
	pm->stop_ctx = stop_ctx;
}

/* Accesses may be 8, 16 or 32 bits wide; registers are 16 bits. */
static uint32_t reg16_read(uint16_t reg, uint16_t offset_in_reg, unsigned size)
{
	return (uint32_t)reg >> (8 * offset_in_reg);
}

/* The SCI is level-triggered: up while an enabled event's status is set.
 * Under pm->lock. */
static void update_sci(struct acpi_pm *pm)
{
	bool level = (pm->status & pm->enable) != 0;

	if (level != pm->sci_level && pm->set_sci)
		pm->set_sci(pm->sci_ctx, level);
	pm->sci_level = level;
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->status |= PM1_EVT_PWRBTN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

uint32_t acpi_pm_evt_read(void *opaque, uint16_t offset, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint32_t v;

	pthread_mutex_lock(&pm->lock);
	v = pm->status | ((uint32_t)pm->enable << 16);
	pthread_mutex_unlock(&pm->lock);
	return v >> (8 * offset);
}

void acpi_pm_evt_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct acpi_pm *pm = opaque;
	uint64_t wide = (uint64_t)value << (8 * offset);
	uint64_t mask = ((size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1)) << (8 * offset);

	pthread_mutex_lock(&pm->lock);
	if (mask & 0xffff)
		pm->status &= ~(uint16_t)(wide & mask);         /* write 1 to clear */
	if (mask & 0xffff0000)
		pm->enable = (uint16_t)((pm->enable & ~(mask >> 16)) | ((wide & mask) >> 16));
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

#define PM_TIMER_HZ 3579545ull

uint32_t acpi_pm_timer_ticks(uint64_t ns)
{
	/* split to avoid overflowing 64 bits for large uptimes */
	uint64_t s = ns / 1000000000ull, rem = ns % 1000000000ull;

	return (uint32_t)((s * PM_TIMER_HZ + rem * PM_TIMER_HZ / 1000000000ull) & 0xffffff);
}

uint32_t acpi_pm_tmr_read(void *opaque, uint16_t offset, unsigned size)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return acpi_pm_timer_ticks((uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec) >> (8 * offset);
}

uint32_t acpi_pm_cnt_read(void *opaque, uint16_t offset, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint32_t v;

	pthread_mutex_lock(&pm->lock);
	v = reg16_read(pm->control, offset, size);
	pthread_mutex_unlock(&pm->lock);
	return v;
}

void acpi_pm_cnt_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct acpi_pm *pm = opaque;
	uint16_t v;
	int off = 0;

	pthread_mutex_lock(&pm->lock);
	v = (uint16_t)(offset == 0 && size >= 2 ? value :
		       offset == 0 ? (pm->control & 0xff00) | (value & 0xff) :
		       (pm->control & 0x00ff) | ((value & 0xff) << 8));
	if ((v & PM1_CNT_SLP_EN) && PM1_CNT_SLP_TYP(v) == ACPI_S5_SLP_TYP)
		off = 1;
	pm->control = (v & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
	pthread_mutex_unlock(&pm->lock);
	if (off)
		pm->stop(pm->stop_ctx, VM_POWEROFF);
}

static const struct vmstate_field pm_fields[] = {
	VMSTATE_FIELD(struct acpi_pm, status), VMSTATE_FIELD(struct acpi_pm, enable),
	VMSTATE_FIELD(struct acpi_pm, control),
};
static const struct vmstate_desc pm_desc = {
	.name = "acpi-pm", .version = 1, .fields = pm_fields,
	.nr_fields = sizeof(pm_fields) / sizeof(pm_fields[0]),
};

ssize_t acpi_pm_save(struct acpi_pm *pm, uint8_t *buf, size_t cap)
{
	ssize_t n;

	pthread_mutex_lock(&pm->lock);
	n = vmstate_save(&pm_desc, pm, buf, cap);
	pthread_mutex_unlock(&pm->lock);
	return n;
}

ssize_t acpi_pm_load(struct acpi_pm *pm, const uint8_t *buf, size_t len, char *err, int err_len)
{
	ssize_t n;

	pthread_mutex_lock(&pm->lock);
	n = vmstate_load(&pm_desc, pm, buf, len, err, err_len);
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	return n;
}

/* --- in the device table --- */

static ssize_t device_save(void *dev, uint8_t *buf, size_t cap)
{
	return acpi_pm_save(dev, buf, cap);
}

static ssize_t device_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return acpi_pm_load(dev, buf, len, err, err_len);
}

const struct device_ops acpi_pm_device_ops = { .save = device_save, .load = device_load };
