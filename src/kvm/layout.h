/* Where things go in guest physical memory (gpa). One place, so the e820
 * map, the ACPI tables and the loaders cannot disagree. */
#ifndef MERIDIAN_LAYOUT_H
#define MERIDIAN_LAYOUT_H

#define GDT_GPA            0x500ull
#define BOOT_STACK_GPA     0x8ff0ull
#define ZERO_PAGE_GPA      0x7000ull    /* struct boot_params */
#define PML4_GPA           0x9000ull
#define PDPT_GPA           0xa000ull
#define PD_GPA             0xb000ull    /* 4 pages: identity map of the first 4 GiB */
#define CMDLINE_GPA        0x20000ull
#define CMDLINE_MAX_BYTES  0x10000ull
#define MB_INFO_GPA        0x10000ull   /* multiboot information, module list, */
#define MB_INFO_END        0x90000ull   /* memory map and strings */
#define EBDA_GPA           0x9fc00ull   /* reserved up to 1 MiB */
#define LOW_RAM_END        0xa0000ull
#define ACPI_TABLES_GPA    0xe0000ull   /* RSDP must be in 0xe0000-0xfffff */
#define ACPI_TABLES_END    0x100000ull
#define KERNEL_LOAD_GPA    0x100000ull  /* protected-mode kernel, 1 MiB */

/* 32-bit MMIO hole: RAM above 3 GiB moves to 4 GiB and up. IOAPIC, LAPIC,
 * the KVM TSS and (later) PCI BARs live in the hole. */
#define MMIO_HOLE_GPA      0xc0000000ull
#define MMIO_HOLE_END      0x100000000ull
/* PCI memory windows (the root bridge's _CRS): the hole below the IOAPIC,
 * and 64 GiB at 512 GiB, above any RAM meridian gives a guest. */
#define PCI_MMIO32_GPA     MMIO_HOLE_GPA
#define PCI_MMIO32_END     0xe0000000ull
#define PCI_ECAM_GPA       0xe0000000ull   /* 256 MiB: buses 0-255 (MCFG) */
#define PCI_ECAM_END       0xf0000000ull
/* INTx: pin A of slot s is IOAPIC input PCI_INTX_GSI(s) (the DSDT's _PRT
 * says so); eight lines, shared by slots s and s + 8 ... */
#define PCI_INTX_GSI(slot) (16u + (unsigned)(slot) % 8u)
#define PCI_MMIO64_GPA     0x8000000000ull
#define PCI_MMIO64_END     0x9000000000ull
#define KVM_TSS_GPA        0xfffbd000ull
#define KVM_IDENTITY_GPA   0xfffbc000ull
#define IOAPIC_GPA         0xfec00000ull
#define LAPIC_GPA          0xfee00000ull

/* I/O ports */
#define PORT_ACPI_PM1_EVT  0x600        /* 4 bytes: status, enable */
#define PORT_ACPI_PM1_CNT  0x604        /* 2 bytes */
#define PORT_ACPI_PM_TMR   0x608        /* 4 bytes: 24-bit 3.579545 MHz counter */
#define ACPI_SCI_IRQ       9

#endif
