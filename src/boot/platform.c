#include "boot/platform.h"

#include <errno.h>

#include "boot/acpi.h"
#include "kvm/layout.h"
#include "boot/x86_entry.h"

int platform_tables_write(const struct guest_mem *mem, unsigned cpus, uint64_t *rsdp_gpa)
{
	uint8_t *acpi = guest_mem_ptr(mem, ACPI_TABLES_GPA, ACPI_TABLES_END - ACPI_TABLES_GPA);
	struct acpi_config acpi_cfg = { .cpus = cpus };
	uint64_t rsdp;

	if (!acpi)
		return -ENOMEM;
	if (acpi_build(acpi, ACPI_TABLES_END - ACPI_TABLES_GPA, ACPI_TABLES_GPA,
		       &acpi_cfg, &rsdp) < 0)
		return -ENOSPC;
	if (rsdp_gpa)
		*rsdp_gpa = rsdp;
	return x86_write_boot_tables(mem) ? -ENOMEM : 0;
}
