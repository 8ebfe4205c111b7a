/* What every guest finds in memory in place of firmware, whatever its
 * boot protocol: the ACPI tables and the boot GDT and page tables. */
#ifndef MERIDIAN_PLATFORM_H
#define MERIDIAN_PLATFORM_H

#include <stdint.h>

#include "kvm/guest_mem.h"

/* Writes them into mapped guest memory; sets *rsdp_gpa (may be NULL).
 * Returns 0 or -errno. */
int platform_tables_write(const struct guest_mem *mem, unsigned cpus, uint64_t *rsdp_gpa);

#endif
