/* ACPI fixed-hardware PM1 event and control registers (FADT PM1a_EVT_BLK,
 * PM1a_CNT_BLK). Writing SLP_EN with the \_S5 sleep type powers off. */
#ifndef MERIDIAN_ACPI_PM_H
#define MERIDIAN_ACPI_PM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/lifecycle.h"
#include "dev/device.h"

struct acpi_pm {
	pthread_mutex_t lock;
	uint16_t status, enable, control;
	vm_stop_fn stop;
	void *stop_ctx;
	void (*set_sci)(void *ctx, bool level);        /* the SCI line (NULL: none) */
	void *sci_ctx;
	bool sci_level;
};

void acpi_pm_init(struct acpi_pm *pm, vm_stop_fn stop, void *stop_ctx);
/* The fixed power button is pressed (QMP system_powerdown): PWRBTN_STS,
 * and the SCI when the guest enabled the event. */
void acpi_pm_power_button(struct acpi_pm *pm);
uint32_t acpi_pm_evt_read(void *opaque, uint16_t offset, unsigned size);
void acpi_pm_evt_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);
uint32_t acpi_pm_cnt_read(void *opaque, uint16_t offset, unsigned size);
void acpi_pm_cnt_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);
/* The PM timer: 24 bits at 3.579545 MHz from a monotonic clock (ns). */
uint32_t acpi_pm_timer_ticks(uint64_t monotonic_ns);
uint32_t acpi_pm_tmr_read(void *opaque, uint16_t offset, unsigned size);

/* State for snapshots and migration. */
ssize_t acpi_pm_save(struct acpi_pm *pm, uint8_t *buf, size_t cap);
ssize_t acpi_pm_load(struct acpi_pm *pm, const uint8_t *buf, size_t len, char *err, int err_len);

/* Its state in a VM's device table. */
extern const struct device_ops acpi_pm_device_ops;

#endif
