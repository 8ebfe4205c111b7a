/* ACPI tables: RSDP, XSDT, FADT (+FACS), DSDT with \_S5 and the PCI root
 * bridge, MADT, MCFG (ECAM).
 * Fixed-hardware ACPI (not hardware-reduced): the PM1 event and control
 * blocks live at ports 0x600/0x604, so Linux powers off through
 * PM1a_CNT.SLP_EN and, later, sees the power button as a fixed event. */
#ifndef MERIDIAN_ACPI_H
#define MERIDIAN_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_S5_SLP_TYP 5       /* value of \_S5 that acpi_pm treats as soft-off */

struct acpi_config {
	unsigned cpus;          /* one MADT Local APIC entry per vCPU, APIC ID = index */
};

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];      /* "RSD PTR " */
	uint8_t checksum;       /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;       /* 2 */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* Builds the tables into buf, which the guest sees at base_gpa (RSDP first,
 * so base_gpa must be 16-byte aligned). Returns bytes used, or -1 when buf
 * is too small. *rsdp_gpa is set to base_gpa. */
long acpi_build(uint8_t *buf, size_t buf_bytes, uint64_t base_gpa,
		const struct acpi_config *cfg, uint64_t *rsdp_gpa);

/* Sum of bytes, mod 256: zero for a well-formed table. */
uint8_t acpi_checksum(const void *data, size_t len);

#endif
