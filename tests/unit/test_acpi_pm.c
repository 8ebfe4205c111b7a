#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dev/acpi_pm.h"

static enum vm_stop_reason stopped;

static void record_stop(void *ctx, enum vm_stop_reason reason)
{
	stopped = reason;
}

static void poweroff_needs_slp_en_and_s5(void **state)
{
	struct acpi_pm pm;

	stopped = VM_RUNNING;
	acpi_pm_init(&pm, record_stop, NULL);
	assert_int_equal(acpi_pm_cnt_read(&pm, 0, 2) & 1, 1);          /* SCI_EN: ACPI mode */
	acpi_pm_cnt_write(&pm, 0, 2, 5 << 10);                          /* SLP_TYP alone */
	assert_int_equal(stopped, VM_RUNNING);
	acpi_pm_cnt_write(&pm, 0, 2, (3 << 10) | (1 << 13));            /* S3: not soft-off */
	assert_int_equal(stopped, VM_RUNNING);
	acpi_pm_cnt_write(&pm, 0, 2, (5 << 10) | (1 << 13));
	assert_int_equal(stopped, VM_POWEROFF);
	assert_int_equal(acpi_pm_cnt_read(&pm, 0, 2) & (1 << 13), 0);  /* SLP_EN reads 0 */
}

static void poweroff_by_byte_writes(void **state)
{
	struct acpi_pm pm;

	stopped = VM_RUNNING;
	acpi_pm_init(&pm, record_stop, NULL);
	acpi_pm_cnt_write(&pm, 1, 1, ((5 << 10) | (1 << 13)) >> 8);     /* high byte only */
	assert_int_equal(stopped, VM_POWEROFF);
}

static void status_is_write_one_to_clear(void **state)
{
	struct acpi_pm pm;

	acpi_pm_init(&pm, record_stop, NULL);
	pm.status = 0x0101;
	acpi_pm_evt_write(&pm, 0, 2, 0x0100);
	assert_int_equal(acpi_pm_evt_read(&pm, 0, 2) & 0xffff, 0x0001);
	acpi_pm_evt_write(&pm, 2, 2, 0x0120);                           /* enable register */
	assert_int_equal(acpi_pm_evt_read(&pm, 2, 2) & 0xffff, 0x0120);
	assert_int_equal(acpi_pm_evt_read(&pm, 0, 2) & 0xffff, 0x0001);
	acpi_pm_evt_write(&pm, 0, 4, 0xffff0000);                       /* dword: both */
	assert_int_equal(acpi_pm_evt_read(&pm, 0, 4), 0xffff0001);
}

static void pm_timer_counts_at_3579545_hz(void **state)
{
	assert_int_equal(acpi_pm_timer_ticks(0), 0);
	assert_int_equal(acpi_pm_timer_ticks(1000000000ull), 3579545 & 0xffffff);
	assert_int_equal(acpi_pm_timer_ticks(1000ull), 3);              /* 3.58 ticks per us */
	/* wraps at 24 bits: 2^24 ticks is about 4.687 s */
	assert_int_equal(acpi_pm_timer_ticks(5000000000ull), (5 * 3579545ull) & 0xffffff);
	/* a year of uptime still computes without overflow */
	assert_int_equal(acpi_pm_timer_ticks(31536000ull * 1000000000ull),
			 (uint32_t)((31536000ull * 3579545ull) & 0xffffff));
}

static int sci_level = -1;

static void record_sci(void *ctx, bool level)
{
	sci_level = level;
}

/* QMP system_powerdown: PWRBTN_STS, and the SCI once the guest enabled it;
 * clearing the status (write 1) drops the SCI. */
static void power_button_raises_sci(void **state)
{
	struct acpi_pm pm;

	acpi_pm_init(&pm, NULL, NULL);
	pm.set_sci = record_sci;
	acpi_pm_power_button(&pm);
	assert_int_equal(acpi_pm_evt_read(&pm, 0, 2) & 0x100, 0x100);
	assert_int_equal(sci_level, -1);                /* not enabled: no SCI */
	acpi_pm_evt_write(&pm, 2, 2, 0x100);            /* PWRBTN_EN */
	assert_int_equal(sci_level, 1);
	acpi_pm_evt_write(&pm, 0, 2, 0x100);            /* the guest acknowledges */
	assert_int_equal(sci_level, 0);
	assert_int_equal(acpi_pm_evt_read(&pm, 0, 2) & 0x100, 0);
	acpi_pm_power_button(&pm);                      /* enabled now: at once */
	assert_int_equal(sci_level, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(poweroff_needs_slp_en_and_s5),
		cmocka_unit_test(poweroff_by_byte_writes),
		cmocka_unit_test(status_is_write_one_to_clear),
		cmocka_unit_test(pm_timer_counts_at_3579545_hz),
		cmocka_unit_test(power_button_raises_sci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
