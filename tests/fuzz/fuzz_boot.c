/* libFuzzer target: a hostile kernel file. Probes the format, parses the
 * bzImage header, unpacks the payload as lz4/zstd and loads the resulting
 * ELF into a small guest memory; nothing may crash or touch memory outside
 * what it owns. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"
#include "boot/kernel_unpack.h"
#include "kvm/guest_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct unpacked_kernel k;
	struct bzimage bz;
	uint64_t entry;
	char err[160];

	if (!mem.base_hva && guest_mem_map(&mem, 64 << 20))
		abort();
	kernel_probe(data, size);
	bzimage_parse(data, size, size, &bz, err, sizeof(err));
	/* the input as a payload, and as an ELF image */
	if (kernel_unpack_buffer(data, size, &k, err, sizeof(err)) == 0) {
		elf_load(&mem, k.elf, k.elf_bytes, &entry, err, sizeof(err));
		unpacked_kernel_free(&k);
	}
	elf_load(&mem, data, size, &entry, err, sizeof(err));
	return 0;
}
