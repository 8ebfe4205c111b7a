/* Putting a bzImage, its initrd and command line, the zero page, the ACPI
 * tables and the boot page tables into guest memory. */
#ifndef MERIDIAN_LINUX_BOOT_H
#define MERIDIAN_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_file.h"
#include "boot/bzimage.h"
#include "boot/kernel_unpack.h"
#include "kvm/guest_mem.h"

struct linux_boot_plan {
	uint64_t initrd_gpa;
	uint64_t entry_gpa;     /* 64-bit entry point */
};

/* Checks that kernel, initrd and command line fit mem's layout (which need
 * not be mapped yet). Returns 0, or -1 with a reason in err. */
int linux_boot_plan(const struct bzimage *bz, const struct guest_mem *mem,
		    uint64_t initrd_bytes, const char *cmdline,
		    struct linux_boot_plan *plan, char *err, int err_len);

/* Writes everything into mapped guest memory, reading the kernel payload
 * and the initrd (NULL: none) from their files. With vmlinux (the payload
 * unpacked on the host) its segments are loaded instead and the guest
 * enters the kernel proper. Sets *entry_gpa. Returns 0 or -errno. */
int linux_boot_load(const struct guest_mem *mem, const struct bzimage *bz,
		    const struct linux_boot_plan *plan,
		    const struct boot_file *kernel, const struct boot_file *initrd,
		    const struct unpacked_kernel *vmlinux,
		    const char *cmdline, unsigned cpus, uint64_t *entry_gpa);

#endif
