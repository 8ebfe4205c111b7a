/* Device state described as data (after QEMU's vmstate): a device lists
 * its fields once, and the same list saves and loads them, so the two
 * cannot drift. A section is
 *   u8 name length, name, u32 version, u32 payload bytes, payload
 * with every field little-endian, in the order listed. Loading checks the
 * name, the version (only the one it knows) and the exact length. */
#ifndef MERIDIAN_VMSTATE_H
#define MERIDIAN_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vmstate_field {
	const char *name;
	size_t offset;
	uint32_t elem_bytes;    /* 1, 2, 4 or 8 */
	uint32_t count;         /* array elements; 1 for a scalar */
	bool boolean;           /* a bool: a stream's byte must be 0 or 1 */
};

#define VMSTATE_IS_BOOL(x) _Generic((x), bool: true, default: false)
#define VMSTATE_FIELD(type, member) \
	{ #member, offsetof(type, member), sizeof(((type *)0)->member), 1, \
	  VMSTATE_IS_BOOL(((type *)0)->member) }
#define VMSTATE_ARRAY(type, member) \
	{ #member, offsetof(type, member), sizeof(((type *)0)->member[0]), \
	  sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0]), \
	  VMSTATE_IS_BOOL(((type *)0)->member[0]) }

struct vmstate_desc {
	const char *name;
	uint32_t version;
	const struct vmstate_field *fields;
	unsigned nr_fields;
};

/* Bytes a section of desc takes. */
size_t vmstate_bytes(const struct vmstate_desc *desc);
/* Writes obj's section into buf. Returns its length, or -1 when cap is too small. */
ssize_t vmstate_save(const struct vmstate_desc *desc, const void *obj, uint8_t *buf, size_t cap);
/* Reads a section from buf into obj. Returns the bytes used, or -1 with
 * err naming what does not match (obj is then unchanged). */
ssize_t vmstate_load(const struct vmstate_desc *desc, void *obj, const uint8_t *buf, size_t len,
		     char *err, int err_len);

#endif
