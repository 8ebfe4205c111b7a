/* Multiboot v1 (the Multiboot Specification 0.6.96): loading a kernel
 * that carries a multiboot header, its modules, command line and memory
 * map, and entering it in 32-bit protected mode with EAX = 0x2BADB002 and
 * EBX = the multiboot information structure, as GRUB and QEMU do. */
#ifndef MERIDIAN_MULTIBOOT_H
#define MERIDIAN_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_file.h"
#include "kvm/guest_mem.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MB_MAX_SEGMENTS 16
#define MB_MAX_MODULES 16

/* A piece of the kernel file copied to guest memory; the rest of
 * mem_bytes beyond file_bytes is zeroed (bss). */
struct mb_segment {
	uint64_t file_offset;
	uint64_t file_bytes;
	uint64_t mem_bytes;
	uint64_t gpa;
};

struct multiboot_image {
	uint32_t header_flags;
	struct mb_segment seg[MB_MAX_SEGMENTS];
	unsigned nr_segments;
	uint32_t entry_gpa;
	uint64_t kernel_end_gpa;        /* first byte above every segment */
};

/* One module: a file and the string the kernel sees for it (QEMU's
 * "-initrd 'file args,file2'": path and arguments). */
struct mb_module {
	struct boot_file file;
	char *string;
	uint64_t gpa;                   /* set by multiboot_plan */
};

/* Reads the header (and, without the address fields, the 32-bit ELF
 * program headers) of f. Returns 0 or -1 with a reason in err. */
int multiboot_parse(const struct boot_file *f, struct multiboot_image *mb,
		    char *err, int err_len);

/* The same, on a file image in memory (the unit-testable part). */
int multiboot_parse_buffer(const uint8_t *file, size_t file_bytes, struct multiboot_image *mb,
			   char *err, int err_len);

/* Places the modules page-aligned after the kernel and checks that kernel,
 * modules and boot information fit mem's 32-bit RAM. Returns 0, -1 when
 * the kernel itself cannot be loaded, or -2 when the options (memory size,
 * modules, command line) do not fit; err says why (and, for -2, names the
 * option). */
int multiboot_plan(const struct multiboot_image *mb, const struct guest_mem *mem,
		   struct mb_module *mods, unsigned nr_mods, const char *cmdline,
		   char *err, int err_len);

/* Writes the multiboot information structure, module list, memory map and
 * strings at the boot information area of mem. Returns its gpa or 0 when it
 * does not fit. */
uint32_t multiboot_info_build(const struct guest_mem *mem, const struct mb_module *mods,
			      unsigned nr_mods, const char *cmdline);

/* Copies kernel and modules into mapped guest memory (after a successful
 * plan) and builds the information structure. Sets *mbi_gpa. Returns 0 or
 * -errno. */
int multiboot_load(const struct guest_mem *mem, const struct multiboot_image *mb,
		   const struct boot_file *kernel, const struct mb_module *mods,
		   unsigned nr_mods, const char *cmdline, uint32_t *mbi_gpa);

#endif
