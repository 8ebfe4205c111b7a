/* The zero page (struct boot_params) and the e820 memory map. */
#ifndef MERIDIAN_BOOT_PARAMS_H
#define MERIDIAN_BOOT_PARAMS_H

#include <stdint.h>
#include <asm/bootparam.h>

#include "kvm/guest_mem.h"

struct linux_boot {
	const struct setup_header *hdr; /* from the bzImage */
	uint64_t cmdline_gpa;
	uint32_t cmdline_bytes;         /* without the NUL */
	uint64_t initrd_gpa;
	uint64_t initrd_bytes;          /* 0: no initrd */
	uint64_t rsdp_gpa;
};

/* Fills e820 entries for mem: low RAM, the reserved BIOS area with the ACPI
 * tables, RAM from 1 MiB, RAM above 4 GiB. Returns the number of entries. */
unsigned e820_build(const struct guest_mem *mem, struct boot_e820_entry *e, unsigned max);

/* Fills *bp from scratch for a 64-bit boot. */
void boot_params_build(struct boot_params *bp, const struct guest_mem *mem,
		       const struct linux_boot *lb);

#endif
