/* The state a 64-bit Linux kernel expects at its 64-bit entry point
 * (boot protocol, "64-bit boot protocol"): long mode, paging with an
 * identity map, a flat GDT with __BOOT_CS=0x10 / __BOOT_DS=0x18, RSI
 * pointing at the zero page. No firmware runs. Multiboot kernels start in
 * 32-bit protected mode instead. */
#ifndef MERIDIAN_X86_ENTRY_H
#define MERIDIAN_X86_ENTRY_H

#include <stdint.h>

#include "kvm/guest_mem.h"

#define BOOT_CS_SELECTOR 0x10
#define BOOT_DS_SELECTOR 0x18
#define BOOT_CS32_SELECTOR 0x20

/* Writes the GDT and identity-mapping page tables (first 4 GiB, 2 MiB
 * pages) into guest memory. Returns 0 or -1 if memory is too small. */
int x86_write_boot_tables(const struct guest_mem *mem);

/* Sets regs, sregs, FPU and the LAPIC LINT pins of the boot vCPU so that it
 * starts at entry_gpa with RSI = zero_page_gpa. Returns 0 or -errno. */
int x86_setup_boot_vcpu(int vcpu_fd, uint64_t entry_gpa, uint64_t zero_page_gpa);

/* Multiboot's entry state: 32-bit protected mode, paging off, flat
 * segments, interrupts off, EAX and EBX as given. Returns 0 or -errno. */
int x86_setup_boot_vcpu_32(int vcpu_fd, uint32_t entry_gpa, uint32_t eax, uint32_t ebx);

/* Sets LINT0 to ExtINT and LINT1 to NMI (virtual wire), as firmware does. */
int x86_setup_lapic_lint(int vcpu_fd);

#endif
