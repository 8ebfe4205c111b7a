/* Just enough of an AML (ACPI Machine Language) writer for meridian's
 * DSDT: names with integers, EISA IDs, buffers and packages, devices and scopes,
 * and the resource descriptors of a PCI root bridge's _CRS. Each writer
 * appends to an aml buffer; an overflow is remembered and reported once
 * at the end (aml.overflow), so callers need not check every step. */
#ifndef MERIDIAN_AML_H
#define MERIDIAN_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

void aml_bytes(struct aml *a, const void *data, size_t n);
/* Name (SEG, integer): a 4-character name segment */
void aml_name_int(struct aml *a, const char *seg, uint64_t value);
/* Name (SEG, EisaId ("PNP0A03")) */
void aml_name_eisaid(struct aml *a, const char *seg, const char *id);
/* Name (SEG, Buffer () { body }) */
void aml_name_buffer(struct aml *a, const char *seg, const struct aml *body);
/* An integer data object (Zero, One, BytePrefix ... QWordPrefix) */
void aml_int(struct aml *a, uint64_t v);
/* Package (n) { elems } and Name (SEG, Package (n) { elems }): elems holds
 * n data objects already encoded */
void aml_package(struct aml *a, unsigned n, const struct aml *elems);
void aml_name_package(struct aml *a, const char *seg, unsigned n, const struct aml *elems);
/* Device (SEG) { body } */
void aml_device(struct aml *a, const char *seg, const struct aml *body);
/* Scope (\SEG) { body } */
void aml_scope_root(struct aml *a, const char *seg, const struct aml *body);

/* Resource descriptors for a ResourceTemplate (end it with aml_res_end).
 * All are producer, fixed minimum and maximum, positive decode. */
void aml_res_bus_numbers(struct aml *a, uint16_t min, uint16_t max);
void aml_res_io_fixed(struct aml *a, uint16_t port, uint8_t len);       /* IO (Decode16) */
void aml_res_io_window(struct aml *a, uint16_t min, uint16_t max);      /* WordIO */
void aml_res_mem32_window(struct aml *a, uint32_t min, uint32_t max);   /* DWordMemory */
void aml_res_mem64_window(struct aml *a, uint64_t min, uint64_t max);   /* QWordMemory */
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);   /* Memory32Fixed, RW */
void aml_res_end(struct aml *a);

#endif
