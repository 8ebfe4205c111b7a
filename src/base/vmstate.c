#include "base/vmstate.h"

#include <stdio.h>
#include <string.h>

#include "base/le_bytes.h"

static size_t payload_bytes(const struct vmstate_desc *desc)
{
	size_t n = 0;

	for (unsigned i = 0; i < desc->nr_fields; i++)
		n += (size_t)desc->fields[i].elem_bytes * desc->fields[i].count;
	return n;
}

size_t vmstate_bytes(const struct vmstate_desc *desc)
{
	return 1 + strlen(desc->name) + 4 + 4 + payload_bytes(desc);
}

ssize_t vmstate_save(const struct vmstate_desc *desc, const void *obj, uint8_t *buf, size_t cap)
{
	size_t name_len = strlen(desc->name), at;

	if (cap < vmstate_bytes(desc) || name_len > 255)
		return -1;
	buf[0] = (uint8_t)name_len;
	memcpy(buf + 1, desc->name, name_len);
	at = 1 + name_len;
	le_put(buf + at, desc->version, 4);
	le_put(buf + at + 4, payload_bytes(desc), 4);
	at += 8;
	for (unsigned i = 0; i < desc->nr_fields; i++) {
		const struct vmstate_field *f = &desc->fields[i];
		const uint8_t *src = (const uint8_t *)obj + f->offset;

		for (uint32_t e = 0; e < f->count; e++, at += f->elem_bytes) {
			uint64_t v = 0;

			memcpy(&v, src + (size_t)e * f->elem_bytes, f->elem_bytes);  /* host is LE */
			le_put(buf + at, v, f->elem_bytes);
		}
	}
	return (ssize_t)at;
}

/* A bool's byte other than 0 or 1 (a value C's bool cannot hold): one line. */
static int bad_bool(const struct vmstate_desc *desc, const uint8_t *p, char *err, int err_len)
{
	for (unsigned i = 0; i < desc->nr_fields; i++) {
		const struct vmstate_field *f = &desc->fields[i];

		for (uint32_t e = 0; e < f->count; e++, p += f->elem_bytes)
			if (f->boolean && *p > 1)
				return snprintf(err, err_len, "%s: field %s is %u, not a boolean",
						desc->name, f->name, *p), -1;
	}
	return 0;
}

ssize_t vmstate_load(const struct vmstate_desc *desc, void *obj, const uint8_t *buf, size_t len,
		     char *err, int err_len)
{
	size_t name_len = strlen(desc->name), at = 1 + name_len, payload = payload_bytes(desc);
	uint32_t version, got_payload;

	if (len < at + 8 || buf[0] != name_len || memcmp(buf + 1, desc->name, name_len)) {
		snprintf(err, err_len, "expected the %s section, found something else", desc->name);
		return -1;
	}
	version = (uint32_t)le_get(buf + at, 4);
	got_payload = (uint32_t)le_get(buf + at + 4, 4);
	at += 8;
	if (version != desc->version) {
		snprintf(err, err_len, "%s: version %u, this meridian reads version %u", desc->name,
			 version, desc->version);
		return -1;
	}
	if (got_payload != payload || len - at < payload) {
		snprintf(err, err_len, "%s: %u bytes of state (%zu here), %zu present", desc->name,
			 got_payload, payload, len - at);
		return -1;
	}
	if (bad_bool(desc, buf + at, err, err_len))
		return -1;
	for (unsigned i = 0; i < desc->nr_fields; i++) {
		const struct vmstate_field *f = &desc->fields[i];
		uint8_t *dst = (uint8_t *)obj + f->offset;

		for (uint32_t e = 0; e < f->count; e++, at += f->elem_bytes) {
			uint64_t v = le_get(buf + at, f->elem_bytes);

			memcpy(dst + (size_t)e * f->elem_bytes, &v, f->elem_bytes);
		}
	}
	return (ssize_t)at;
}
