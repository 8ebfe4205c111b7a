/* libFuzzer target: a hostile kernel file. Probes the format, parses the
 * bzImage header, unpacks the payload as lz4/zstd and loads the resulting
 * ELF into a small guest memory, and parses and plans it as a multiboot
 * kernel; nothing may crash or touch memory outside what it owns, and every
 * segment a multiboot plan accepts must lie in guest RAM. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"
#include "boot/kernel_unpack.h"
#include "boot/multiboot.h"
#include "kvm/guest_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	struct unpacked_kernel k;
	struct bzimage bz;
	struct multiboot_image mb;
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
	if (multiboot_parse_buffer(data, size, &mb, err, sizeof(err)) == 0 &&
	    multiboot_plan(&mb, &mem, NULL, 0, "k", err, sizeof(err)) == 0) {
		for (unsigned i = 0; i < mb.nr_segments; i++)
			if (!guest_mem_ptr(&mem, mb.seg[i].gpa, mb.seg[i].mem_bytes))
				abort();
	}
	return 0;
}
