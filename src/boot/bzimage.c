#include "boot/bzimage.h"

#include <stdio.h>
#include <string.h>

#include "kvm/layout.h"

#define SETUP_HEADER_OFFSET 0x1f1
#define HDRS_MAGIC 0x53726448   /* "HdrS" */
#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_SEARCH_BYTES 8192
#define MIN_PROTOCOL 0x020c     /* 2.12: 64-bit entry, xloadflags */
#define PAGE_SIZE 4096ull

enum kernel_format kernel_probe(const uint8_t *file, size_t size)
{
	uint32_t magic;

	if (size >= 0x206) {
		memcpy(&magic, file + 0x202, 4);
		if (magic == HDRS_MAGIC)
			return KERNEL_BZIMAGE;
	}
	/* Before ELF: a multiboot kernel is usually an ELF file too, and its
	 * header is what says how it wants to be started. */
	for (size_t off = 0; off + 12 <= size && off < MULTIBOOT_SEARCH_BYTES; off += 4) {
		uint32_t h[3];

		memcpy(h, file + off, sizeof(h));
		if (h[0] == MULTIBOOT_MAGIC && h[0] + h[1] + h[2] == 0)
			return KERNEL_MULTIBOOT;
	}
	if (size >= 4 && !memcmp(file, "\177ELF", 4))
		return KERNEL_ELF;
	return KERNEL_UNKNOWN;
}

int bzimage_parse(const uint8_t *file, size_t size, uint64_t file_bytes,
		  struct bzimage *bz, char *err, int err_len)
{
	size_t hdr_end;
	unsigned setup_sects;

	memset(bz, 0, sizeof(*bz));
	if (kernel_probe(file, size) != KERNEL_BZIMAGE) {
		snprintf(err, err_len, "not a bzImage (no HdrS signature)");
		return -1;
	}
	/* The header's own length is in the byte at 0x201 (jump offset). */
	hdr_end = 0x202 + file[0x201];
	if (hdr_end > size || hdr_end - SETUP_HEADER_OFFSET > sizeof(bz->hdr))
		hdr_end = SETUP_HEADER_OFFSET + sizeof(bz->hdr);
	if (hdr_end > size) {
		snprintf(err, err_len, "truncated bzImage header");
		return -1;
	}
	memcpy(&bz->hdr, file + SETUP_HEADER_OFFSET, hdr_end - SETUP_HEADER_OFFSET);
	if (bz->hdr.version < MIN_PROTOCOL) {
		snprintf(err, err_len, "boot protocol %u.%02u is too old (need 2.12)",
			 bz->hdr.version >> 8, bz->hdr.version & 0xff);
		return -1;
	}
	if (!(bz->hdr.xloadflags & XLF_KERNEL_64)) {
		snprintf(err, err_len, "kernel has no 64-bit entry point");
		return -1;
	}
	setup_sects = bz->hdr.setup_sects ? bz->hdr.setup_sects : 4;
	bz->setup_bytes = (setup_sects + 1) * 512ul;
	if (bz->setup_bytes >= file_bytes) {
		snprintf(err, err_len, "truncated bzImage (setup %zu bytes, file %llu)",
			 bz->setup_bytes, (unsigned long long)file_bytes);
		return -1;
	}
	bz->payload_offset = bz->setup_bytes;
	bz->payload_bytes = file_bytes - bz->setup_bytes;
	/* The decompressor runs at pref_address (relocatable kernels move there)
	 * and needs init_size bytes from it. */
	bz->kernel_end_gpa = KERNEL_LOAD_GPA + bz->payload_bytes;
	if (bz->hdr.pref_address + bz->hdr.init_size > bz->kernel_end_gpa)
		bz->kernel_end_gpa = bz->hdr.pref_address + bz->hdr.init_size;
	return 0;
}

int bzimage_initrd_gpa(const struct bzimage *bz, const struct guest_mem *mem,
		       uint64_t initrd_bytes, uint64_t *gpa)
{
	uint64_t top = guest_mem_low_end(mem);
	uint64_t max = bz->hdr.initrd_addr_max ? bz->hdr.initrd_addr_max : 0x37ffffff;
	uint64_t start;

	if (top > max + 1)
		top = max + 1;
	if (initrd_bytes > top)
		return -1;
	start = (top - initrd_bytes) & ~(PAGE_SIZE - 1);
	if (start < bz->kernel_end_gpa)
		return -1;
	*gpa = start;
	return 0;
}
