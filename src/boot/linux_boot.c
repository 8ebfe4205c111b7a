#include "boot/linux_boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/boot_params.h"
#include "kvm/layout.h"
#include "boot/platform.h"

#define MIB (1024 * 1024)
#define ENTRY_64_OFFSET 0x200

int linux_boot_plan(const struct bzimage *bz, const struct guest_mem *mem,
		    uint64_t initrd_bytes, const char *cmdline,
		    struct linux_boot_plan *plan, char *err, int err_len)
{
	uint64_t low_end = guest_mem_low_end(mem);
	size_t cmdline_bytes = strlen(cmdline) + 1;
	uint32_t cmdline_max = bz->hdr.cmdline_size ? bz->hdr.cmdline_size : 255;

	memset(plan, 0, sizeof(*plan));
	if (cmdline_bytes - 1 > cmdline_max || cmdline_bytes > CMDLINE_MAX_BYTES) {
		snprintf(err, err_len, "--cmdline: %zu bytes, the kernel accepts at most %u",
			 cmdline_bytes - 1, cmdline_max);
		return -1;
	}
	if (bz->kernel_end_gpa > low_end ||
	    (initrd_bytes && bzimage_initrd_gpa(bz, mem, initrd_bytes, &plan->initrd_gpa))) {
		snprintf(err, err_len,
			 "--memory %lluM: too small for the kernel (needs %lluM) and initrd (%lluM)",
			 (unsigned long long)(mem->total_bytes / MIB),
			 (unsigned long long)((bz->kernel_end_gpa + MIB - 1) / MIB),
			 (unsigned long long)((initrd_bytes + MIB - 1) / MIB));
		return -1;
	}
	plan->entry_gpa = KERNEL_LOAD_GPA + ENTRY_64_OFFSET;
	return 0;
}

int linux_boot_load(const struct guest_mem *mem, const struct bzimage *bz,
		    const struct linux_boot_plan *plan,
		    const struct boot_file *kernel_file, const struct boot_file *initrd,
		    const struct unpacked_kernel *vmlinux,
		    const char *cmdline, unsigned cpus, uint64_t *entry_gpa)
{
	uint64_t initrd_bytes = initrd ? initrd->size_bytes : 0;
	size_t cmdline_bytes = strlen(cmdline) + 1;
	uint8_t *kernel = guest_mem_ptr(mem, KERNEL_LOAD_GPA, bz->payload_bytes);
	uint8_t *cmd = guest_mem_ptr(mem, CMDLINE_GPA, cmdline_bytes);
	struct boot_params *bp = guest_mem_ptr(mem, ZERO_PAGE_GPA, sizeof(*bp));
	struct linux_boot lb = {
		.hdr = &bz->hdr, .cmdline_gpa = CMDLINE_GPA,
		.cmdline_bytes = (uint32_t)(cmdline_bytes - 1),
		.initrd_gpa = plan->initrd_gpa, .initrd_bytes = initrd_bytes,
	};

	int r;

	if (!kernel || !cmd || !bp)
		return -ENOMEM;
	if (vmlinux) {
		char err[128];

		if (elf_load(mem, vmlinux->elf, vmlinux->elf_bytes, entry_gpa, err, sizeof(err)))
			return -ENOEXEC;
	} else {
		r = boot_file_read(kernel_file, bz->payload_offset, kernel, bz->payload_bytes);
		if (r)
			return r;
		*entry_gpa = plan->entry_gpa;
	}
	memcpy(cmd, cmdline, cmdline_bytes);
	if (initrd_bytes) {
		uint8_t *dst = guest_mem_ptr(mem, plan->initrd_gpa, initrd_bytes);

		if (!dst)
			return -ENOMEM;
		r = boot_file_read(initrd, 0, dst, initrd_bytes);
		if (r)
			return r;
	}
	r = platform_tables_write(mem, cpus, &lb.rsdp_gpa);
	if (r)
		return r;
	boot_params_build(bp, mem, &lb);
	return 0;
}
