/* Unpacking a bzImage's compressed vmlinux on the host, so the guest
 * starts in the kernel proper instead of running its own decompressor
 * (which under nested virtualization costs a large part of the boot).
 * LZ4 (Debian's kernels) and zstd payloads; anything else is left to the
 * guest. */
#ifndef MERIDIAN_KERNEL_UNPACK_H
#define MERIDIAN_KERNEL_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_file.h"
#include "boot/bzimage.h"
#include "kvm/guest_mem.h"

struct unpacked_kernel {
	uint8_t *elf;           /* anonymous mapping, freed with unpacked_kernel_free */
	size_t elf_bytes;
};

/* Name of the payload's compression ("lz4", "zstd", "gzip", "xz", ...). */
const char *kernel_payload_format(const uint8_t *payload, size_t len);

/* Decompresses the payload of bz. Returns 0, -ENOTSUP for a format meridian
 * does not unpack, or another -errno (with a reason in err). */
int kernel_unpack(const struct boot_file *f, const struct bzimage *bz,
		  struct unpacked_kernel *out, char *err, int err_len);
void unpacked_kernel_free(struct unpacked_kernel *k);

/* Decompresses a payload already in memory (the unit-testable part). */
int kernel_unpack_buffer(const uint8_t *payload, size_t len, struct unpacked_kernel *out,
			 char *err, int err_len);

/* Copies the ELF's PT_LOAD segments to their physical addresses and sets
 * *entry_gpa. Every segment must lie in guest RAM. Returns 0 or -1 with a
 * reason in err. */
int elf_load(const struct guest_mem *mem, const uint8_t *elf, size_t elf_bytes,
	     uint64_t *entry_gpa, char *err, int err_len);

#endif
