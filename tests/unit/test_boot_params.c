#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "boot/boot_file.h"
#include "boot/boot_params.h"
#include "boot/bzimage.h"
#include "kvm/layout.h"
#include "boot/linux_boot.h"

#define MIB (1ull << 20)
#define FAKE_PAYLOAD 8192

/* A file with a real setup header in front of a small payload. */
static uint8_t *fake_bzimage(size_t *size, uint16_t version, uint16_t xloadflags)
{
	struct setup_header h = {
		.setup_sects = 4, .boot_flag = 0xaa55, .header = 0x53726448,
		.version = version, .xloadflags = xloadflags,
		.pref_address = 16 * MIB, .init_size = 40 * MIB,
		.initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
		.kernel_alignment = 2 * MIB, .relocatable_kernel = 1,
	};
	uint8_t *f;

	*size = 5 * 512 + FAKE_PAYLOAD;
	f = calloc(1, *size);
	memcpy(f + 0x1f1, &h, sizeof(h));
	f[0x201] = 0x6a;        /* jump: header ends at 0x26c */
	for (size_t i = 5 * 512; i < *size; i++)
		f[i] = (uint8_t)i;
	return f;
}

/* An open file holding these bytes, as boot_file_open would give. */
static struct boot_file file_of(const void *bytes, size_t n)
{
	struct boot_file f = { .fd = memfd_create("boot", 0), .size_bytes = n };

	assert_true(f.fd >= 0);
	assert_int_equal(write(f.fd, bytes, n), (ssize_t)n);
	return f;
}

/* A parsed fake bzImage and the layout of mem_mib MiB of RAM. */
static uint8_t *parsed_fake(struct bzimage *bz, size_t *size, struct guest_mem *mem,
			    uint64_t mem_mib)
{
	uint8_t *f = fake_bzimage(size, 0x020f, XLF_KERNEL_64);
	char err[160];

	assert_int_equal(bzimage_parse(f, *size, *size, bz, err, sizeof(err)), 0);
	guest_mem_layout(mem, mem_mib * MIB);
	return f;
}

static void probe_tells_formats_apart(void **state)
{
	size_t size;
	uint8_t *bz = fake_bzimage(&size, 0x020f, XLF_KERNEL_64);
	uint8_t elf[64] = { 0x7f, 'E', 'L', 'F' };
	uint32_t mb[16] = { 0, 0x1badb002, 0, -(0x1badb002u) };
	uint8_t junk[1024] = { 'h', 'e', 'l', 'l', 'o' };

	assert_int_equal(kernel_probe(bz, size), KERNEL_BZIMAGE);
	assert_int_equal(kernel_probe(elf, sizeof(elf)), KERNEL_ELF);
	assert_int_equal(kernel_probe((uint8_t *)mb, sizeof(mb)), KERNEL_MULTIBOOT);
	assert_int_equal(kernel_probe(junk, sizeof(junk)), KERNEL_UNKNOWN);
	assert_int_equal(kernel_probe(junk, 3), KERNEL_UNKNOWN);
	free(bz);
}

static void parse_checks_protocol(void **state)
{
	struct bzimage bz;
	char err[128];
	size_t size;
	uint8_t *f = fake_bzimage(&size, 0x020a, XLF_KERNEL_64);

	assert_int_equal(bzimage_parse(f, size, size, &bz, err, sizeof(err)), -1);
	assert_string_equal(err, "boot protocol 2.10 is too old (need 2.12)");
	free(f);
	f = fake_bzimage(&size, 0x020f, 0);
	assert_int_equal(bzimage_parse(f, size, size, &bz, err, sizeof(err)), -1);
	assert_string_equal(err, "kernel has no 64-bit entry point");
	free(f);
	f = fake_bzimage(&size, 0x020f, XLF_KERNEL_64);
	assert_int_equal(bzimage_parse(f, 2000, 2000, &bz, err, sizeof(err)), -1);
	assert_int_equal(bzimage_parse(f, size, size, &bz, err, sizeof(err)), 0);
	assert_int_equal(bz.setup_bytes, 5 * 512);
	assert_int_equal(bz.payload_bytes, FAKE_PAYLOAD);
	assert_int_equal(bz.kernel_end_gpa, 56 * MIB);  /* pref_address + init_size */
	free(f);
}

static void e820_small_and_large(void **state)
{
	struct boot_e820_entry e[8];
	struct guest_mem mem;
	unsigned n;

	guest_mem_layout(&mem, 256 * MIB);
	n = e820_build(&mem, e, 8);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, EBDA_GPA);
	assert_int_equal(e[0].type, 1);
	assert_int_equal(e[1].type, 2);
	assert_int_equal(e[2].addr, ACPI_TABLES_GPA);
	assert_int_equal(e[2].type, 2);
	assert_int_equal(e[3].addr, MIB);
	assert_int_equal(e[3].size, 255 * MIB);
	assert_int_equal(e[3].type, 1);
	assert_int_equal(e[4].addr, PCI_ECAM_GPA);              /* ECAM, reserved */
	assert_int_equal(e[4].size, 256 * MIB);
	assert_int_equal(e[4].type, 2);

	guest_mem_layout(&mem, 6ull << 30);
	n = e820_build(&mem, e, 8);
	assert_int_equal(n, 6);
	assert_int_equal(e[3].addr + e[3].size, MMIO_HOLE_GPA);
	assert_int_equal(e[5].addr, 4ull << 30);
	assert_int_equal(e[5].size, (6ull << 30) - MMIO_HOLE_GPA);
	/* never more than the table holds */
	assert_int_equal(e820_build(&mem, e, 2), 2);
}

static void plan_reports_too_little_memory(void **state)
{
	struct linux_boot_plan plan;
	struct guest_mem mem;
	struct bzimage bz;
	char err[160];
	size_t size;
	uint8_t *f = parsed_fake(&bz, &size, &mem, 32);

	assert_int_equal(linux_boot_plan(&bz, &mem, 3 * MIB, "console=ttyS0", &plan,
					 err, sizeof(err)), -1);
	assert_string_equal(err,
		"--memory 32M: too small for the kernel (needs 56M) and initrd (3M)");
	/* kernel fits, initrd does not */
	guest_mem_layout(&mem, 58 * MIB);
	assert_int_equal(linux_boot_plan(&bz, &mem, 3 * MIB, "", &plan, err, sizeof(err)), -1);
	guest_mem_layout(&mem, 256 * MIB);
	assert_int_equal(linux_boot_plan(&bz, &mem, 3 * MIB + 5, "", &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.initrd_gpa % 4096, 0);
	assert_true(plan.initrd_gpa + 3 * MIB + 5 <= 256 * MIB);
	assert_true(plan.initrd_gpa >= 56 * MIB);
	assert_int_equal(plan.entry_gpa, KERNEL_LOAD_GPA + 0x200);
	free(f);
}

static void plan_checks_cmdline_length(void **state)
{
	struct linux_boot_plan plan;
	struct guest_mem mem;
	struct bzimage bz;
	char err[160], cmdline[3000];
	size_t size;
	uint8_t *f = parsed_fake(&bz, &size, &mem, 256);

	memset(cmdline, 'a', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = 0;
	assert_int_equal(linux_boot_plan(&bz, &mem, 0, cmdline, &plan, err, sizeof(err)), -1);
	assert_string_equal(err, "--cmdline: 2999 bytes, the kernel accepts at most 2047");
	free(f);
}

static void load_fills_zero_page(void **state)
{
	struct linux_boot_plan plan;
	struct guest_mem mem;
	struct bzimage bz;
	struct boot_params *bp;
	uint8_t initrd[10000];
	char err[160];
	size_t size;
	uint8_t *f = fake_bzimage(&size, 0x020f, XLF_KERNEL_64);
	uint64_t *pml4, *pd;

	memset(initrd, 0x5a, sizeof(initrd));
	assert_int_equal(bzimage_parse(f, size, size, &bz, err, sizeof(err)), 0);
	assert_int_equal(guest_mem_map(&mem, 128 * MIB), 0);
	assert_int_equal(linux_boot_plan(&bz, &mem, sizeof(initrd), "console=ttyS0 quiet",
					 &plan, err, sizeof(err)), 0);
	struct boot_file kf = file_of(f, size), inf = file_of(initrd, sizeof(initrd));

	uint64_t entry = 0;

	assert_int_equal(linux_boot_load(&mem, &bz, &plan, &kf, &inf, NULL, "console=ttyS0 quiet",
					 2, &entry), 0);
	assert_int_equal(entry, KERNEL_LOAD_GPA + 0x200);

	assert_memory_equal(guest_mem_ptr(&mem, KERNEL_LOAD_GPA, FAKE_PAYLOAD),
			    f + 5 * 512, FAKE_PAYLOAD);
	assert_string_equal(guest_mem_ptr(&mem, CMDLINE_GPA, 1), "console=ttyS0 quiet");
	assert_memory_equal(guest_mem_ptr(&mem, plan.initrd_gpa, sizeof(initrd)),
			    initrd, sizeof(initrd));

	bp = guest_mem_ptr(&mem, ZERO_PAGE_GPA, sizeof(*bp));
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_true(bp->hdr.loadflags & LOADED_HIGH);
	assert_int_equal(bp->hdr.cmd_line_ptr, CMDLINE_GPA);
	assert_int_equal(bp->hdr.ramdisk_image, plan.initrd_gpa);
	assert_int_equal(bp->hdr.ramdisk_size, sizeof(initrd));
	assert_int_equal(bp->acpi_rsdp_addr, ACPI_TABLES_GPA);
	assert_memory_equal(guest_mem_ptr(&mem, ACPI_TABLES_GPA, 8), "RSD PTR ", 8);
	assert_int_equal(bp->e820_entries, 5);
	assert_int_equal(bp->e820_table[3].addr + bp->e820_table[3].size, 128 * MIB);

	/* identity map: PML4[0] -> PDPT, PD entry 8 maps 16 MiB with 2 MiB pages */
	pml4 = guest_mem_ptr(&mem, PML4_GPA, 4096);
	pd = guest_mem_ptr(&mem, PD_GPA, 4 * 4096);
	assert_int_equal(pml4[0] & ~0xfffull, PDPT_GPA);
	assert_int_equal(pd[8], (16 * MIB) | 0x83);
	assert_int_equal(pd[2047], (2047ull << 21) | 0x83);
	guest_mem_unmap(&mem);
	boot_file_close(&kf);
	boot_file_close(&inf);
	free(f);
}

static void load_fails_when_the_file_shrank(void **state)
{
	struct linux_boot_plan plan;
	struct guest_mem mem;
	struct bzimage bz;
	char err[160];
	size_t size;
	uint8_t *f = fake_bzimage(&size, 0x020f, XLF_KERNEL_64);
	struct boot_file kf = file_of(f, size - 100);   /* header says more */

	assert_int_equal(bzimage_parse(f, size, size, &bz, err, sizeof(err)), 0);
	assert_int_equal(guest_mem_map(&mem, 128 * MIB), 0);
	assert_int_equal(linux_boot_plan(&bz, &mem, 0, "", &plan, err, sizeof(err)), 0);
	uint64_t entry;

	assert_int_equal(linux_boot_load(&mem, &bz, &plan, &kf, NULL, NULL, "", 1, &entry), -EIO);
	guest_mem_unmap(&mem);
	boot_file_close(&kf);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_tells_formats_apart),
		cmocka_unit_test(parse_checks_protocol),
		cmocka_unit_test(e820_small_and_large),
		cmocka_unit_test(plan_reports_too_little_memory),
		cmocka_unit_test(plan_checks_cmdline_length),
		cmocka_unit_test(load_fills_zero_page),
		cmocka_unit_test(load_fails_when_the_file_shrank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
