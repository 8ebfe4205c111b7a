#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <string.h>

#include "kvm/layout.h"
#include "boot/multiboot.h"

#define MB_MAGIC 0x1badb002u

static uint8_t file[16384];
static char err[256];

/* A header at off with the address fields (flag 16). */
static void put_aout_header(size_t off, uint32_t flags, uint32_t header_addr, uint32_t load_addr,
			    uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint32_t h[8] = { MB_MAGIC, flags, -(MB_MAGIC + flags), header_addr, load_addr,
			  load_end, bss_end, entry };

	memcpy(file + off, h, sizeof(h));
}

static void address_fields_give_one_segment(void **state)
{
	struct multiboot_image mb;

	memset(file, 0, sizeof(file));
	/* header at file offset 0x40, which is loaded at 0x100040 */
	put_aout_header(0x40, 1u << 16, 0x100040, 0x100000, 0x102000, 0x105000, 0x100080);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), 0);
	assert_int_equal(mb.nr_segments, 1);
	assert_int_equal(mb.seg[0].file_offset, 0);
	assert_int_equal(mb.seg[0].file_bytes, 0x2000);
	assert_int_equal(mb.seg[0].mem_bytes, 0x5000);
	assert_int_equal(mb.seg[0].gpa, 0x100000);
	assert_int_equal(mb.entry_gpa, 0x100080);
	assert_int_equal(mb.kernel_end_gpa, 0x105000);
}

static void address_fields_are_checked(void **state)
{
	struct multiboot_image mb;

	memset(file, 0, sizeof(file));
	/* load_end beyond the end of the file */
	put_aout_header(0, 1u << 16, 0x100000, 0x100000, 0x100000 + sizeof(file) + 1, 0, 0x100000);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "beyond the file"));
	/* load_addr after the header's own address */
	put_aout_header(0, 1u << 16, 0x100000, 0x100010, 0, 0, 0x100000);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "load_addr"));
	/* bss_end below the loaded part */
	put_aout_header(0, 1u << 16, 0x100000, 0x100000, 0x101000, 0x100800, 0x100000);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bss_end_addr"));
}

static void unknown_required_flags_are_refused(void **state)
{
	struct multiboot_image mb;

	memset(file, 0, sizeof(file));
	put_aout_header(0, (1u << 16) | (1u << 5), 0x100000, 0x100000, 0, 0, 0x100000);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "flags 0x20"));
}

static void no_header_no_kernel(void **state)
{
	struct multiboot_image mb;

	memset(file, 0, sizeof(file));
	/* a header past the first 8 KiB does not count */
	put_aout_header(8192, 1u << 16, 0x100000, 0x100000, 0, 0, 0x100000);
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no multiboot header"));
	/* a bad checksum neither */
	put_aout_header(0, 1u << 16, 0x100000, 0x100000, 0, 0, 0x100000);
	file[8]++;
	assert_int_equal(multiboot_parse_buffer(file, sizeof(file), &mb, err, sizeof(err)), -1);
}

/* A 32-bit ELF with one PT_LOAD (vaddr 0xc0100000 -> paddr 0x100000) and
 * the header in its first page. */
static size_t make_elf32(int elf_class)
{
	Elf32_Ehdr eh = {
		.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
		.e_entry = 0xc0100020, .e_phoff = sizeof(Elf32_Ehdr), .e_ehsize = sizeof(Elf32_Ehdr),
		.e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 2,
	};
	Elf32_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xc0100000, .p_paddr = 0x100000,
		  .p_filesz = 0x800, .p_memsz = 0x3000 },
		{ .p_type = PT_NOTE, .p_offset = 0, .p_filesz = 0, .p_memsz = 0 },
	};
	uint32_t h[3] = { MB_MAGIC, 3, -(MB_MAGIC + 3) };

	memset(file, 0, sizeof(file));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = (unsigned char)elf_class;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), ph, sizeof(ph));
	memcpy(file + 0x1000, h, sizeof(h));
	return 0x1800;
}

static void elf32_segments_at_physical_addresses(void **state)
{
	struct multiboot_image mb;
	size_t n = make_elf32(ELFCLASS32);

	assert_int_equal(multiboot_parse_buffer(file, n, &mb, err, sizeof(err)), 0);
	assert_int_equal(mb.nr_segments, 1);
	assert_int_equal(mb.seg[0].gpa, 0x100000);
	assert_int_equal(mb.seg[0].file_offset, 0x1000);
	assert_int_equal(mb.seg[0].mem_bytes, 0x3000);
	/* the virtual entry point is translated, as QEMU does */
	assert_int_equal(mb.entry_gpa, 0x100020);
}

static void elf_segment_beyond_file_is_refused(void **state)
{
	struct multiboot_image mb;
	size_t n = make_elf32(ELFCLASS32);

	assert_int_equal(multiboot_parse_buffer(file, n - 1, &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed"));
}

static void elf64_is_refused_with_a_reason(void **state)
{
	struct multiboot_image mb;
	size_t n = make_elf32(ELFCLASS64);

	assert_int_equal(multiboot_parse_buffer(file, n, &mb, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64-bit ELF"));
}

static struct mb_module module(const char *string, uint64_t bytes)
{
	return (struct mb_module){ .file = { .fd = -1, .size_bytes = bytes }, .string = (char *)string };
}

static void plan_places_modules_after_the_kernel(void **state)
{
	struct multiboot_image mb;
	struct guest_mem mem;
	struct mb_module mods[2] = { module("a.bin x=1", 5000), module("b.bin", 10) };

	make_elf32(ELFCLASS32);
	assert_int_equal(multiboot_parse_buffer(file, 0x1800, &mb, err, sizeof(err)), 0);
	guest_mem_layout(&mem, 64ull << 20);
	assert_int_equal(multiboot_plan(&mb, &mem, mods, 2, "k exit=3", err, sizeof(err)), 0);
	assert_int_equal(mods[0].gpa, 0x103000);
	assert_int_equal(mods[1].gpa, 0x105000);      /* 5000 bytes take two pages */
	/* does not fit: a module larger than RAM */
	mods[1].file.size_bytes = 64ull << 20;
	assert_int_equal(multiboot_plan(&mb, &mem, mods, 2, "k", err, sizeof(err)), -2);
	assert_non_null(strstr(err, "--memory 64M: too small"));
}

static void plan_refuses_kernel_outside_ram(void **state)
{
	struct multiboot_image mb;
	struct guest_mem mem;

	memset(file, 0, sizeof(file));
	/* over the boot information area */
	put_aout_header(0, 1u << 16, MB_INFO_GPA, MB_INFO_GPA, 0, 0, MB_INFO_GPA);
	assert_int_equal(multiboot_parse_buffer(file, 4096, &mb, err, sizeof(err)), 0);
	guest_mem_layout(&mem, 64ull << 20);
	assert_int_equal(multiboot_plan(&mb, &mem, NULL, 0, "k", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the RAM"));
	/* above the end of RAM */
	put_aout_header(0, 1u << 16, 64u << 20, 64u << 20, 0, 0, 64u << 20);
	assert_int_equal(multiboot_parse_buffer(file, 4096, &mb, err, sizeof(err)), 0);
	assert_int_equal(multiboot_plan(&mb, &mem, NULL, 0, "k", err, sizeof(err)), -1);
}

struct mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

/* the memory map's fields are packed: read them without alignment */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void info_structure_as_the_spec_says(void **state)
{
	struct guest_mem mem;
	struct mb_module mods[2] = { module("a.bin x=1", 5000), module("b.bin", 10) };
	struct mbi mbi;
	uint32_t gpa, list[8];
	uint8_t mmap[24];

	assert_int_equal(guest_mem_map(&mem, 64ull << 20), 0);
	mods[0].gpa = 0x200000;
	mods[1].gpa = 0x202000;
	gpa = multiboot_info_build(&mem, mods, 2, "/k exit=3");
	assert_int_not_equal(gpa, 0);
	memcpy(&mbi, guest_mem_ptr(&mem, gpa, sizeof(mbi)), sizeof(mbi));
	/* memory, command line, modules, memory map, boot loader name */
	assert_int_equal(mbi.flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(mbi.mem_lower, 639);
	assert_int_equal(mbi.mem_upper, 63 * 1024);
	assert_string_equal(guest_mem_ptr(&mem, mbi.cmdline, 1), "/k exit=3");
	assert_string_equal(guest_mem_ptr(&mem, mbi.boot_loader_name, 1), "meridian");
	assert_int_equal(mbi.mods_count, 2);
	memcpy(list, guest_mem_ptr(&mem, mbi.mods_addr, sizeof(list)), sizeof(list));
	assert_int_equal(list[0], 0x200000);
	assert_int_equal(list[1], 0x200000 + 5000);
	assert_string_equal(guest_mem_ptr(&mem, list[2], 1), "a.bin x=1");
	assert_int_equal(list[4], 0x202000);
	assert_string_equal(guest_mem_ptr(&mem, list[6], 1), "b.bin");
	/* memory map: 24-byte entries whose size field says 20; first is low RAM */
	assert_int_equal(mbi.mmap_length % 24, 0);
	memcpy(mmap, guest_mem_ptr(&mem, mbi.mmap_addr, 24), 24);
	assert_int_equal(rd32(mmap), 20);
	assert_int_equal(rd64(mmap + 4), 0);
	assert_int_equal(rd64(mmap + 12), EBDA_GPA);
	assert_int_equal(rd32(mmap + 20), 1);
	guest_mem_unmap(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_fields_give_one_segment),
		cmocka_unit_test(address_fields_are_checked),
		cmocka_unit_test(unknown_required_flags_are_refused),
		cmocka_unit_test(no_header_no_kernel),
		cmocka_unit_test(elf32_segments_at_physical_addresses),
		cmocka_unit_test(elf_segment_beyond_file_is_refused),
		cmocka_unit_test(elf64_is_refused_with_a_reason),
		cmocka_unit_test(plan_places_modules_after_the_kernel),
		cmocka_unit_test(plan_refuses_kernel_outside_ram),
		cmocka_unit_test(info_structure_as_the_spec_says),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
