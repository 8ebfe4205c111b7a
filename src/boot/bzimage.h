/* Linux x86 boot protocol: recognising and loading a bzImage
 * (Documentation/arch/x86/boot.rst). */
#ifndef MERIDIAN_BZIMAGE_H
#define MERIDIAN_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <asm/bootparam.h>

#include "kvm/guest_mem.h"

enum kernel_format { KERNEL_UNKNOWN, KERNEL_BZIMAGE, KERNEL_ELF, KERNEL_MULTIBOOT };

struct bzimage {
	struct setup_header hdr;        /* copied from the file */
	size_t setup_bytes;             /* real-mode part, skipped */
	uint64_t payload_offset;        /* protected-mode kernel: file offset */
	uint64_t payload_bytes;
	uint64_t kernel_end_gpa;        /* first byte the kernel will not touch while booting */
};

enum kernel_format kernel_probe(const uint8_t *file, size_t size);

/* Validates the header in the file's first head_bytes (at least the setup
 * header); file_bytes is the whole file's size. Returns 0 or -1 with a
 * reason in err. */
int bzimage_parse(const uint8_t *head, size_t head_bytes, uint64_t file_bytes,
		  struct bzimage *bz, char *err, int err_len);

/* Where the initrd goes: the highest page-aligned address below both the
 * end of low RAM and the kernel's initrd_addr_max, above the kernel.
 * Returns 0 with *gpa set, or -1 when it does not fit. */
int bzimage_initrd_gpa(const struct bzimage *bz, const struct guest_mem *mem,
		       uint64_t initrd_bytes, uint64_t *gpa);

#endif
