#include "boot/boot_params.h"

#include <string.h>

#include "kvm/layout.h"

#define E820_RAM 1
#define E820_RESERVED 2
#define LOADER_TYPE_UNDEFINED 0xff

static unsigned e820_add(struct boot_e820_entry *e, unsigned n, unsigned max,
			 uint64_t addr, uint64_t size, uint32_t type)
{
	if (n >= max || size == 0)
		return n;
	e[n] = (struct boot_e820_entry){ .addr = addr, .size = size, .type = type };
	return n + 1;
}

unsigned e820_build(const struct guest_mem *mem, struct boot_e820_entry *e, unsigned max)
{
	uint64_t low_end = guest_mem_low_end(mem);
	unsigned n = 0;

	n = e820_add(e, n, max, 0, EBDA_GPA, E820_RAM);
	n = e820_add(e, n, max, EBDA_GPA, LOW_RAM_END - EBDA_GPA, E820_RESERVED);
	n = e820_add(e, n, max, ACPI_TABLES_GPA, ACPI_TABLES_END - ACPI_TABLES_GPA,
		     E820_RESERVED);
	if (low_end > KERNEL_LOAD_GPA)
		n = e820_add(e, n, max, KERNEL_LOAD_GPA, low_end - KERNEL_LOAD_GPA, E820_RAM);
	/* ECAM: reserved, so no one maps RAM or a BAR over it (and Linux
	 * checks the MCFG window is reserved before it uses it) */
	n = e820_add(e, n, max, PCI_ECAM_GPA, PCI_ECAM_END - PCI_ECAM_GPA, E820_RESERVED);
	if (mem->nr_regions > 1)
		n = e820_add(e, n, max, mem->regions[1].gpa, mem->regions[1].size_bytes,
			     E820_RAM);
	return n;
}

void boot_params_build(struct boot_params *bp, const struct guest_mem *mem,
		       const struct linux_boot *lb)
{
	memset(bp, 0, sizeof(*bp));
	bp->hdr = *lb->hdr;
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	/* No real-mode code runs, so there is no heap to speak of; say the
	 * setup code was loaded high, as every 64-bit loader does. */
	bp->hdr.loadflags |= LOADED_HIGH;
	bp->hdr.loadflags &= ~QUIET_FLAG;
	bp->hdr.cmd_line_ptr = (uint32_t)lb->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(lb->cmdline_gpa >> 32);
	bp->hdr.code32_start = KERNEL_LOAD_GPA;
	if (lb->initrd_bytes) {
		bp->hdr.ramdisk_image = (uint32_t)lb->initrd_gpa;
		bp->ext_ramdisk_image = (uint32_t)(lb->initrd_gpa >> 32);
		bp->hdr.ramdisk_size = (uint32_t)lb->initrd_bytes;
		bp->ext_ramdisk_size = (uint32_t)(lb->initrd_bytes >> 32);
	}
	bp->acpi_rsdp_addr = lb->rsdp_gpa;
	bp->e820_entries = e820_build(mem, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
}
