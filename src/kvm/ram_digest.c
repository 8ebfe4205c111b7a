#include "kvm/ram_digest.h"

#include <xxhash.h>

int ram_digest_range_ok(uint64_t range_bytes)
{
	return range_bytes >= GUEST_PAGE_BYTES && range_bytes <= (1ull << 30) &&
	       !(range_bytes & (range_bytes - 1));
}

uint64_t ram_digest_count(const struct guest_mem *mem, uint64_t range_bytes)
{
	return (mem->total_bytes + range_bytes - 1) / range_bytes;
}

void ram_digest(const struct guest_mem *mem, uint64_t range_bytes, uint64_t first,
		uint64_t *out, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = (first + i) * range_bytes, len = range_bytes;

		if (off >= mem->total_bytes) {
			out[i] = 0;
			continue;
		}
		if (len > mem->total_bytes - off)
			len = mem->total_bytes - off;
		out[i] = XXH64(mem->base_hva + off, len, 0);
	}
}
