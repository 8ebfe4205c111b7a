/* Little-endian values of n bytes (1-8) at p: guest-visible registers,
 * configuration spaces and file headers, read and written byte by byte so
 * that alignment never matters. */
#ifndef MERIDIAN_LE_BYTES_H
#define MERIDIAN_LE_BYTES_H

#include <stdint.h>

static inline uint64_t le_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void le_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
