/* A digest of guest RAM, range by range, to compare two copies of one
 * guest exactly (a migration's source and destination, a snapshot and its
 * restore): x-meridian-query-ram-digest. Ranges are counted from RAM's
 * start across the memory slots, as migration counts pages. */
#ifndef MERIDIAN_RAM_DIGEST_H
#define MERIDIAN_RAM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "kvm/guest_mem.h"

#define RAM_DIGEST_DEFAULT_RANGE_BYTES (2ull << 20)

/* Is range_bytes usable: a power of two from one page to 1 GiB. */
int ram_digest_range_ok(uint64_t range_bytes);
/* How many ranges of range_bytes cover mem (the last may be short). */
uint64_t ram_digest_count(const struct guest_mem *mem, uint64_t range_bytes);
/* XXH64 (seed 0) of count ranges from range first on into out[0..count);
 * a range past RAM's end gives 0. */
void ram_digest(const struct guest_mem *mem, uint64_t range_bytes, uint64_t first,
		uint64_t *out, uint64_t count);

#endif
