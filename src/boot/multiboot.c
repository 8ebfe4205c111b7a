#include "boot/multiboot.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/boot_params.h"
#include "kvm/layout.h"

#define MB_HEADER_MAGIC   0x1badb002u
#define MB_SEARCH_BYTES   8192
#define MB_FLAG_PAGE_ALIGN (1u << 0)    /* modules on 4 KiB boundaries: we always do */
#define MB_FLAG_MEMINFO    (1u << 1)    /* mem_* and mmap: we always give them */
#define MB_FLAG_VIDEO      (1u << 2)    /* a video mode: there is no display, ignored */
#define MB_FLAG_ADDRESS    (1u << 16)   /* load addresses in the header ("a.out kludge") */
#define MB_FLAGS_KNOWN     (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO)
#define MB_MAX_PHDRS      64
#define PAGE_BYTES        4096ull
#define FOUR_GIB          0x100000000ull

/* multiboot_info.flags */
#define MBI_MEM      (1u << 0)
#define MBI_CMDLINE  (1u << 2)
#define MBI_MODS     (1u << 3)
#define MBI_MMAP     (1u << 6)
#define MBI_LOADER   (1u << 9)

struct mb_info {
	uint32_t flags, mem_lower_kib, mem_upper_kib, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name, apm_table;
	uint32_t vbe_and_framebuffer[13];
} __attribute__((packed));

struct mb_mod_entry {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;          /* of the rest of the entry: 20 */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

/* A file seen through one read function, so the parser works the same on
 * a boot_file and on a buffer (unit tests, fuzzing). */
struct mb_reader {
	int (*read)(const void *ctx, uint64_t offset, void *dst, size_t len);
	const void *ctx;
	uint64_t size;
};

static int segment_add(struct multiboot_image *mb, uint64_t off, uint64_t file_bytes,
		       uint64_t mem_bytes, uint64_t gpa, char *err, int err_len)
{
	if (mb->nr_segments == MB_MAX_SEGMENTS) {
		snprintf(err, err_len, "more than %d loadable segments", MB_MAX_SEGMENTS);
		return -1;
	}
	if (gpa + mem_bytes > FOUR_GIB) {
		snprintf(err, err_len, "a segment (0x%llx+0x%llx) lies above 4 GiB",
			 (unsigned long long)gpa, (unsigned long long)mem_bytes);
		return -1;
	}
	mb->seg[mb->nr_segments++] = (struct mb_segment){
		.file_offset = off, .file_bytes = file_bytes, .mem_bytes = mem_bytes, .gpa = gpa };
	if (gpa + mem_bytes > mb->kernel_end_gpa)
		mb->kernel_end_gpa = gpa + mem_bytes;
	return 0;
}

/* The header's address fields: one segment from the header's own offset. */
static int parse_address_fields(const uint32_t *h, uint64_t header_off, uint64_t file_bytes,
				struct multiboot_image *mb, char *err, int err_len)
{
	uint32_t header_addr = h[3], load_addr = h[4], load_end = h[5], bss_end = h[6];
	uint64_t off, len;

	if (load_addr > header_addr || header_addr - load_addr > header_off) {
		snprintf(err, err_len, "multiboot header: load_addr 0x%x does not precede the header",
			 load_addr);
		return -1;
	}
	off = header_off - (header_addr - load_addr);
	len = load_end ? (uint64_t)load_end - load_addr : file_bytes - off;
	if (load_end && load_end < load_addr) {
		snprintf(err, err_len, "multiboot header: load_end_addr below load_addr");
		return -1;
	}
	if (len > file_bytes - off) {
		snprintf(err, err_len, "multiboot header: load_end_addr lies beyond the file");
		return -1;
	}
	if (bss_end && bss_end < load_addr + len) {
		snprintf(err, err_len, "multiboot header: bss_end_addr below the loaded image");
		return -1;
	}
	mb->entry_gpa = h[7];
	return segment_add(mb, off, len, bss_end ? bss_end - load_addr : len, load_addr,
			   err, err_len);
}

/* A 32-bit ELF: its PT_LOAD segments at their physical addresses. */
static int parse_elf32(const struct mb_reader *rd, const uint8_t *head, size_t head_bytes,
		       struct multiboot_image *mb, char *err, int err_len)
{
	Elf32_Phdr ph[MB_MAX_PHDRS];
	Elf32_Ehdr eh;

	if (head_bytes < sizeof(eh) || memcmp(head, ELFMAG, SELFMAG)) {
		snprintf(err, err_len, "multiboot header without load addresses, and not an ELF file");
		return -1;
	}
	memcpy(&eh, head, sizeof(eh));
	if (eh.e_ident[EI_CLASS] == ELFCLASS64) {
		snprintf(err, err_len, "a 64-bit ELF: multiboot v1 starts kernels in 32-bit mode "
			 "(link it as 32-bit ELF, or give the header load addresses)");
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386 ||
	    eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MB_MAX_PHDRS ||
	    rd->read(rd->ctx, eh.e_phoff, ph, eh.e_phnum * sizeof(Elf32_Phdr))) {
		snprintf(err, err_len, "not a valid 32-bit x86 ELF file");
		return -1;
	}
	mb->entry_gpa = eh.e_entry;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > rd->size ||
		    ph[i].p_filesz > rd->size - ph[i].p_offset) {
			snprintf(err, err_len, "ELF segment %u is malformed", i);
			return -1;
		}
		/* An entry given as a virtual address: the physical one, as QEMU does. */
		if (ph[i].p_vaddr != ph[i].p_paddr && eh.e_entry >= ph[i].p_vaddr &&
		    eh.e_entry - ph[i].p_vaddr < ph[i].p_memsz)
			mb->entry_gpa = eh.e_entry - ph[i].p_vaddr + ph[i].p_paddr;
		if (segment_add(mb, ph[i].p_offset, ph[i].p_filesz, ph[i].p_memsz, ph[i].p_paddr,
				err, err_len))
			return -1;
	}
	if (!mb->nr_segments) {
		snprintf(err, err_len, "the ELF file has nothing to load");
		return -1;
	}
	return 0;
}

static int parse(const struct mb_reader *rd, const uint8_t *head, size_t head_bytes,
		 struct multiboot_image *mb, char *err, int err_len)
{
	size_t limit = head_bytes < MB_SEARCH_BYTES ? head_bytes : MB_SEARCH_BYTES;

	memset(mb, 0, sizeof(*mb));
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		uint32_t h[8] = { 0 };

		memcpy(h, head + off, off + sizeof(h) <= head_bytes ? sizeof(h) : 12);
		if (h[0] != MB_HEADER_MAGIC || h[0] + h[1] + h[2] != 0)
			continue;
		mb->header_flags = h[1];
		if (h[1] & 0xffff & ~MB_FLAGS_KNOWN) {
			snprintf(err, err_len, "the multiboot header asks for features meridian does "
				 "not provide (flags 0x%x)", h[1] & 0xffff & ~MB_FLAGS_KNOWN);
			return -1;
		}
		if (h[1] & MB_FLAG_ADDRESS) {
			if (off + sizeof(h) > head_bytes) {
				snprintf(err, err_len, "multiboot header: address fields cut off");
				return -1;
			}
			return parse_address_fields(h, off, rd->size, mb, err, err_len);
		}
		return parse_elf32(rd, head, head_bytes, mb, err, err_len);
	}
	snprintf(err, err_len, "no multiboot header in the first %d bytes", MB_SEARCH_BYTES);
	return -1;
}

static int read_file(const void *ctx, uint64_t offset, void *dst, size_t len)
{
	return boot_file_read(ctx, offset, dst, len);
}

int multiboot_parse(const struct boot_file *f, struct multiboot_image *mb,
		    char *err, int err_len)
{
	struct mb_reader rd = { .read = read_file, .ctx = f, .size = f->size_bytes };

	return parse(&rd, f->head, f->head_bytes, mb, err, err_len);
}

struct buffer { const uint8_t *data; size_t bytes; };

static int read_buffer(const void *ctx, uint64_t offset, void *dst, size_t len)
{
	const struct buffer *b = ctx;

	if (offset > b->bytes || len > b->bytes - offset)
		return -EIO;
	memcpy(dst, b->data + offset, len);
	return 0;
}

int multiboot_parse_buffer(const uint8_t *file, size_t file_bytes, struct multiboot_image *mb,
			   char *err, int err_len)
{
	struct buffer b = { file, file_bytes };
	struct mb_reader rd = { .read = read_buffer, .ctx = &b, .size = file_bytes };

	return parse(&rd, file, file_bytes, mb, err, err_len);
}

static int overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a < b + b_len && b < a + a_len;
}

/* RAM the kernel may be loaded into: conventional memory below the EBDA
 * and low RAM from 1 MiB, but not the boot information area. */
static int kernel_segment_ok(const struct mb_segment *s, uint64_t low_end)
{
	int in_ram = s->gpa + s->mem_bytes <= EBDA_GPA ||
		     (s->gpa >= KERNEL_LOAD_GPA && s->gpa + s->mem_bytes <= low_end);

	return in_ram && !overlaps(s->gpa, s->mem_bytes, MB_INFO_GPA, MB_INFO_END - MB_INFO_GPA);
}

static size_t info_bytes(const struct mb_module *mods, unsigned nr_mods, const char *cmdline);

int multiboot_plan(const struct multiboot_image *mb, const struct guest_mem *mem,
		   struct mb_module *mods, unsigned nr_mods, const char *cmdline,
		   char *err, int err_len)
{
	uint64_t low_end = guest_mem_low_end(mem);
	uint64_t next = (mb->kernel_end_gpa + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);

	for (unsigned i = 0; i < mb->nr_segments; i++) {
		const struct mb_segment *s = &mb->seg[i];

		if (!kernel_segment_ok(s, low_end)) {
			snprintf(err, err_len, "the kernel loads at 0x%llx-0x%llx, outside the RAM "
				 "it may use (below 0x%llx or 1 MiB-%llu MiB, not 0x%llx-0x%llx)",
				 (unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->mem_bytes),
				 (unsigned long long)EBDA_GPA, (unsigned long long)(low_end >> 20),
				 (unsigned long long)MB_INFO_GPA, (unsigned long long)MB_INFO_END);
			return -1;
		}
	}
	if (next < KERNEL_LOAD_GPA)
		next = KERNEL_LOAD_GPA;
	for (unsigned i = 0; i < nr_mods; i++) {
		mods[i].gpa = next;
		next += (mods[i].file.size_bytes + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);
		if (next > low_end) {
			snprintf(err, err_len, "--memory %lluM: too small for the kernel and its "
				 "modules (they need %lluM below the 3 GiB hole)",
				 (unsigned long long)(mem->total_bytes >> 20),
				 (unsigned long long)((next + (1 << 20) - 1) >> 20));
			return -2;
		}
	}
	if (info_bytes(mods, nr_mods, cmdline) > MB_INFO_END - MB_INFO_GPA) {
		snprintf(err, err_len, "--cmdline and --initrd: the command line and module names "
			 "do not fit in %llu KiB", (unsigned long long)((MB_INFO_END - MB_INFO_GPA) >> 10));
		return -2;
	}
	return 0;
}

/* Bump allocation in the boot information area. */
struct info_area {
	uint8_t *base;
	uint64_t gpa;
	size_t used, cap;
};

static uint32_t area_put(struct info_area *a, const void *data, size_t len)
{
	size_t at = (a->used + 7) & ~(size_t)7;

	if (at > a->cap || len > a->cap - at)
		return 0;
	memcpy(a->base + at, data, len);
	a->used = at + len;
	return (uint32_t)(a->gpa + at);
}

#define E820_MAX 8

static size_t info_bytes(const struct mb_module *mods, unsigned nr_mods, const char *cmdline)
{
	size_t n = sizeof(struct mb_info) + nr_mods * sizeof(struct mb_mod_entry) +
		   E820_MAX * sizeof(struct mb_mmap_entry) + strlen(cmdline) + 64;

	for (unsigned i = 0; i < nr_mods; i++)
		n += strlen(mods[i].string) + 8;
	return n;
}

uint32_t multiboot_info_build(const struct guest_mem *mem, const struct mb_module *mods,
			      unsigned nr_mods, const char *cmdline)
{
	struct info_area a = { .base = guest_mem_ptr(mem, MB_INFO_GPA, MB_INFO_END - MB_INFO_GPA),
			       .gpa = MB_INFO_GPA, .cap = MB_INFO_END - MB_INFO_GPA };
	struct mb_mod_entry mod_list[MB_MAX_MODULES];
	struct mb_mmap_entry mmap[E820_MAX];
	struct boot_e820_entry e820[E820_MAX];
	unsigned n_e820 = e820_build(mem, e820, E820_MAX);
	struct mb_info info = { .flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER };
	uint32_t mbi;

	if (!a.base || nr_mods > MB_MAX_MODULES)
		return 0;
	mbi = area_put(&a, &info, sizeof(info));       /* filled in last */
	info.mem_lower_kib = EBDA_GPA >> 10;
	info.mem_upper_kib = (uint32_t)((guest_mem_low_end(mem) - KERNEL_LOAD_GPA) >> 10);
	info.cmdline = area_put(&a, cmdline, strlen(cmdline) + 1);
	info.boot_loader_name = area_put(&a, "meridian", sizeof("meridian"));
	for (unsigned i = 0; i < n_e820; i++)
		mmap[i] = (struct mb_mmap_entry){ .size = sizeof(mmap[i]) - 4, .addr = e820[i].addr,
						  .len = e820[i].size, .type = e820[i].type };
	info.mmap_length = n_e820 * sizeof(mmap[0]);
	info.mmap_addr = area_put(&a, mmap, info.mmap_length);
	for (unsigned i = 0; i < nr_mods; i++)
		mod_list[i] = (struct mb_mod_entry){
			.mod_start = (uint32_t)mods[i].gpa,
			.mod_end = (uint32_t)(mods[i].gpa + mods[i].file.size_bytes),
			.string = area_put(&a, mods[i].string, strlen(mods[i].string) + 1) };
	if (nr_mods) {
		info.flags |= MBI_MODS;
		info.mods_count = nr_mods;
		info.mods_addr = area_put(&a, mod_list, nr_mods * sizeof(mod_list[0]));
	}
	if (!mbi || !info.cmdline || !info.boot_loader_name || !info.mmap_addr ||
	    (nr_mods && !info.mods_addr))
		return 0;
	for (unsigned i = 0; i < nr_mods; i++)
		if (!mod_list[i].string)
			return 0;
	memcpy(a.base + (mbi - MB_INFO_GPA), &info, sizeof(info));
	return mbi;
}

int multiboot_load(const struct guest_mem *mem, const struct multiboot_image *mb,
		   const struct boot_file *kernel, const struct mb_module *mods,
		   unsigned nr_mods, const char *cmdline, uint32_t *mbi_gpa)
{
	int r;

	for (unsigned i = 0; i < mb->nr_segments; i++) {
		const struct mb_segment *s = &mb->seg[i];
		uint8_t *dst = guest_mem_ptr(mem, s->gpa, s->mem_bytes);

		if (!dst)
			return -ENOMEM;
		r = boot_file_read(kernel, s->file_offset, dst, s->file_bytes);
		if (r)
			return r;
		memset(dst + s->file_bytes, 0, s->mem_bytes - s->file_bytes);
	}
	for (unsigned i = 0; i < nr_mods; i++) {
		uint8_t *dst = guest_mem_ptr(mem, mods[i].gpa, mods[i].file.size_bytes);

		if (!dst)
			return -ENOMEM;
		r = boot_file_read(&mods[i].file, 0, dst, mods[i].file.size_bytes);
		if (r)
			return r;
	}
	*mbi_gpa = multiboot_info_build(mem, mods, nr_mods, cmdline);
	return *mbi_gpa ? 0 : -ENOSPC;
}
