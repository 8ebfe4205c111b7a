#include "boot/aml.h"

#include <string.h>

#define AML_ZERO      0x00
#define AML_ONE       0x01
#define AML_NAME      0x08
#define AML_BYTE      0x0a
#define AML_WORD      0x0b
#define AML_DWORD     0x0c
#define AML_QWORD     0x0e
#define AML_SCOPE     0x10
#define AML_BUFFER    0x11
#define AML_PACKAGE   0x12
#define AML_EXT       0x5b
#define AML_DEVICE    0x82      /* after AML_EXT */
#define AML_ROOT      0x5c      /* '\' */

/* ACPI 6.4, 6.4.3.5: large address space descriptors */
#define RES_WORD_ADDR   0x88
#define RES_DWORD_ADDR  0x87
#define RES_QWORD_ADDR  0x8a
#define RES_IO          0x47
#define RES_END         0x79
#define RES_TYPE_MEM    0
#define RES_TYPE_IO     1
#define RES_TYPE_BUS    2
#define RES_FIXED_MIN_MAX 0x0c  /* general flags: MaxFixed | MinFixed, producer */
#define RES_IO_ENTIRE   0x03
#define RES_MEM_RW      0x01    /* read-write, non-cacheable */

void aml_bytes(struct aml *a, const void *data, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, data, n);
	a->len += n;
}

static void byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		byte(a, (uint8_t)(v >> (8 * i)));
}

static void nameseg(struct aml *a, const char *seg)
{
	char s[4] = { '_', '_', '_', '_' };

	memcpy(s, seg, strnlen(seg, 4));
	aml_bytes(a, s, 4);
}

/* PkgLength for `body` bytes that follow it: the shortest encoding. */
static void pkglength(struct aml *a, size_t body)
{
	size_t n = body + 1;

	if (n < 0x40) {
		byte(a, (uint8_t)n);
		return;
	}
	for (unsigned extra = 1; extra <= 3; extra++) {
		n = body + 1 + extra;
		if (n < (1ul << (4 + 8 * extra))) {
			byte(a, (uint8_t)(extra << 6 | (n & 0xf)));
			le(a, n >> 4, extra);
			return;
		}
	}
	a->overflow = true;
}

static void integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		byte(a, AML_ZERO);
	else if (v == 1)
		byte(a, AML_ONE);
	else if (v <= 0xff)
		byte(a, AML_BYTE), le(a, v, 1);
	else if (v <= 0xffff)
		byte(a, AML_WORD), le(a, v, 2);
	else if (v <= 0xffffffff)
		byte(a, AML_DWORD), le(a, v, 4);
	else
		byte(a, AML_QWORD), le(a, v, 8);
}

void aml_name_int(struct aml *a, const char *seg, uint64_t value)
{
	byte(a, AML_NAME);
	nameseg(a, seg);
	integer(a, value);
}

/* "PNP0A03": three letters in 5 bits each, then four hex digits,
 * stored big-endian as a DWORD. */
void aml_name_eisaid(struct aml *a, const char *seg, const char *id)
{
	uint32_t v = (uint32_t)((id[0] - '@') & 0x1f) << 26 | (uint32_t)((id[1] - '@') & 0x1f) << 21 |
		     (uint32_t)((id[2] - '@') & 0x1f) << 16;

	for (int i = 3; i < 7; i++) {
		char c = id[i];

		v |= (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) << (4 * (6 - i));
	}
	byte(a, AML_NAME);
	nameseg(a, seg);
	byte(a, AML_DWORD);
	le(a, __builtin_bswap32(v), 4);
}

void aml_name_buffer(struct aml *a, const char *seg, const struct aml *body)
{
	uint8_t size[9];
	struct aml sz = { .buf = size, .cap = sizeof(size) };

	integer(&sz, body->len);
	byte(a, AML_NAME);
	nameseg(a, seg);
	byte(a, AML_BUFFER);
	pkglength(a, sz.len + body->len);
	aml_bytes(a, size, sz.len);
	aml_bytes(a, body->buf, body->len);
	a->overflow |= body->overflow;
}

void aml_device(struct aml *a, const char *seg, const struct aml *body)
{
	byte(a, AML_EXT);
	byte(a, AML_DEVICE);
	pkglength(a, 4 + body->len);
	nameseg(a, seg);
	aml_bytes(a, body->buf, body->len);
	a->overflow |= body->overflow;
}

void aml_scope_root(struct aml *a, const char *seg, const struct aml *body)
{
	byte(a, AML_SCOPE);
	pkglength(a, 5 + body->len);
	byte(a, AML_ROOT);
	nameseg(a, seg);
	aml_bytes(a, body->buf, body->len);
	a->overflow |= body->overflow;
}

/* An address space descriptor: granularity, min, max, translation, length,
 * each `width` bytes. */
static void address_space(struct aml *a, uint8_t tag, unsigned width, uint8_t type,
			  uint8_t type_flags, uint64_t min, uint64_t max)
{
	byte(a, tag);
	le(a, 3 + 5 * width, 2);
	byte(a, type);
	byte(a, RES_FIXED_MIN_MAX);
	byte(a, type_flags);
	le(a, 0, width);
	le(a, min, width);
	le(a, max, width);
	le(a, 0, width);
	le(a, max - min + 1, width);
}

void aml_res_bus_numbers(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDR, 2, RES_TYPE_BUS, 0, min, max);
}

void aml_res_io_fixed(struct aml *a, uint16_t port, uint8_t len)
{
	byte(a, RES_IO);
	byte(a, 0x01);          /* 16-bit decode */
	le(a, port, 2);
	le(a, port, 2);
	byte(a, 1);             /* alignment */
	byte(a, len);
}

void aml_res_io_window(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDR, 2, RES_TYPE_IO, RES_IO_ENTIRE, min, max);
}

void aml_res_mem32_window(struct aml *a, uint32_t min, uint32_t max)
{
	address_space(a, RES_DWORD_ADDR, 4, RES_TYPE_MEM, RES_MEM_RW, min, max);
}

void aml_res_mem64_window(struct aml *a, uint64_t min, uint64_t max)
{
	address_space(a, RES_QWORD_ADDR, 8, RES_TYPE_MEM, RES_MEM_RW, min, max);
}

void aml_res_end(struct aml *a)
{
	byte(a, RES_END);
	byte(a, 0);             /* checksum 0: "treated as correct" */
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	uint8_t d[12] = { 0x86, 9, 0, 1 /* read-write */ };

	memcpy(d + 4, &base, 4);
	memcpy(d + 8, &len, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_int(struct aml *a, uint64_t v)
{
	integer(a, v);
}

void aml_package(struct aml *a, unsigned n, const struct aml *elems)
{
	byte(a, AML_PACKAGE);
	pkglength(a, 1 + elems->len);
	byte(a, (uint8_t)n);
	aml_bytes(a, elems->buf, elems->len);
	if (elems->overflow)
		a->overflow = true;
}

void aml_name_package(struct aml *a, const char *seg, unsigned n, const struct aml *elems)
{
	byte(a, AML_NAME);
	nameseg(a, seg);
	aml_package(a, n, elems);
}
