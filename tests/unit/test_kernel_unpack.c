#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <elf.h>
#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <cmocka.h>

#include "boot/kernel_unpack.h"

#define MIB (1u << 20)
#define CHUNK (8u << 20)

/* A vmlinux-like ELF: two PT_LOAD segments at 16 MiB and 20 MiB, the
 * second with bss, and a PT_NOTE that must be ignored. */
static uint8_t *fake_vmlinux(size_t *len)
{
	size_t text = 3 * MIB, data = 12345;
	uint8_t *e;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = 16 * MIB, .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 3,
	};
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_LOAD, .p_offset = 4096, .p_paddr = 16 * MIB,
		  .p_vaddr = 0xffffffff81000000ull, .p_filesz = text, .p_memsz = text },
		{ .p_type = PT_NOTE, .p_offset = 4096, .p_paddr = 0xdead0000, .p_filesz = 16,
		  .p_memsz = 16 },
		{ .p_type = PT_LOAD, .p_offset = 4096 + text, .p_paddr = 20 * MIB + 4096,
		  .p_filesz = data, .p_memsz = data + 50000 },
	};

	*len = 4096 + text + data;
	e = malloc(*len);
	for (size_t i = 0; i < *len; i++)
		e[i] = (uint8_t)(i * 7 + (i >> 12));    /* compressible, not constant */
	memcpy(e, &eh, sizeof(eh));
	memcpy(e + sizeof(eh), ph, sizeof(ph));
	return e;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

/* The kernel build's "lz4 -l" + size trailer. */
static uint8_t *lz4_legacy(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = 8 + len + len / 100 + 64 * (len / CHUNK + 1), pos = 4;
	uint8_t *out = malloc(cap);

	put_le32(out, 0x184c2102);
	for (size_t off = 0; off < len; off += CHUNK) {
		int n = LZ4_compress_default((const char *)in + off, (char *)out + pos + 4,
					     (int)(len - off < CHUNK ? len - off : CHUNK),
					     (int)(cap - pos - 4));
		assert_true(n > 0);
		put_le32(out + pos, (uint32_t)n);
		pos += 4 + (size_t)n;
	}
	put_le32(out + pos, (uint32_t)len);
	*out_len = pos + 4;
	return out;
}

static void lz4_round_trip_and_load(void **state)
{
	size_t elf_len, z_len;
	uint8_t *elf = fake_vmlinux(&elf_len);
	uint8_t *z = lz4_legacy(elf, elf_len, &z_len);
	struct unpacked_kernel k;
	struct guest_mem mem;
	uint64_t entry = 0;
	char err[128];
	uint8_t *bss;

	assert_string_equal(kernel_payload_format(z, z_len), "lz4");
	assert_int_equal(kernel_unpack_buffer(z, z_len, &k, err, sizeof(err)), 0);
	assert_int_equal(k.elf_bytes, elf_len);
	assert_memory_equal(k.elf, elf, elf_len);

	assert_int_equal(guest_mem_map(&mem, 64 * MIB), 0);
	memset(guest_mem_ptr(&mem, 20 * MIB, 2 * MIB), 0xee, 2 * MIB);  /* stale bss */
	assert_int_equal(elf_load(&mem, k.elf, k.elf_bytes, &entry, err, sizeof(err)), 0);
	assert_int_equal(entry, 16 * MIB);
	assert_memory_equal(guest_mem_ptr(&mem, 16 * MIB, 3 * MIB), elf + 4096, 3 * MIB);
	assert_memory_equal(guest_mem_ptr(&mem, 20 * MIB + 4096, 12345), elf + 4096 + 3 * MIB,
			    12345);
	bss = guest_mem_ptr(&mem, 20 * MIB + 4096 + 12345, 50000);
	for (int i = 0; i < 50000; i++)
		assert_int_equal(bss[i], 0);
	assert_int_equal(*(uint8_t *)guest_mem_ptr(&mem, 20 * MIB + 4096 + 62345, 1), 0xee);

	/* a segment beyond guest RAM is refused */
	guest_mem_unmap(&mem);
	assert_int_equal(guest_mem_map(&mem, 17 * MIB), 0);
	assert_int_equal(elf_load(&mem, k.elf, k.elf_bytes, &entry, err, sizeof(err)), -1);
	assert_string_equal(err, "ELF segment 0 (0x1000000+0x300000) is outside guest RAM");
	guest_mem_unmap(&mem);
	unpacked_kernel_free(&k);
	free(z);
	free(elf);
}

static void zstd_round_trip(void **state)
{
	size_t elf_len, cap;
	uint8_t *elf = fake_vmlinux(&elf_len), *z;
	struct unpacked_kernel k;
	char err[128];
	size_t n;

	cap = ZSTD_compressBound(elf_len) + 4;
	z = malloc(cap);
	n = ZSTD_compress(z, cap, elf, elf_len, 3);
	assert_false(ZSTD_isError(n));
	put_le32(z + n, (uint32_t)elf_len);
	assert_string_equal(kernel_payload_format(z, n + 4), "zstd");
	assert_int_equal(kernel_unpack_buffer(z, n + 4, &k, err, sizeof(err)), 0);
	assert_memory_equal(k.elf, elf, elf_len);
	unpacked_kernel_free(&k);
	free(z);
	free(elf);
}

static void corrupt_and_unsupported_payloads(void **state)
{
	size_t elf_len, z_len;
	uint8_t *elf = fake_vmlinux(&elf_len);
	uint8_t *z = lz4_legacy(elf, elf_len, &z_len);
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	struct unpacked_kernel k;
	char err[128];

	assert_int_equal(kernel_unpack_buffer(gz, sizeof(gz), &k, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "gzip-compressed kernel");
	/* wrong size trailer */
	put_le32(z + z_len - 4, (uint32_t)elf_len + 1);
	assert_int_equal(kernel_unpack_buffer(z, z_len, &k, err, sizeof(err)), -EINVAL);
	put_le32(z + z_len - 4, (uint32_t)elf_len);
	/* a chunk size pointing past the end */
	put_le32(z + 4, 0x7fffffff);
	assert_int_equal(kernel_unpack_buffer(z, z_len, &k, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "corrupt lz4 payload (chunk of 2147483647 bytes)");
	/* garbage inside a block */
	free(z);
	z = lz4_legacy(elf, elf_len, &z_len);
	memset(z + 100, 0xff, 64);
	assert_int_equal(kernel_unpack_buffer(z, z_len, &k, err, sizeof(err)), -EINVAL);
	/* truncated */
	assert_int_equal(kernel_unpack_buffer(z, 6, &k, err, sizeof(err)), -EINVAL);
	assert_null(k.elf);
	free(z);
	free(elf);
}

static void elf_headers_are_checked(void **state)
{
	size_t elf_len;
	uint8_t *elf = fake_vmlinux(&elf_len);
	struct guest_mem mem;
	uint64_t entry;
	char err[128];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(*eh));

	assert_int_equal(guest_mem_map(&mem, 64 * MIB), 0);
	eh->e_phnum = 60000;            /* table beyond the file */
	assert_int_equal(elf_load(&mem, elf, elf_len, &entry, err, sizeof(err)), -1);
	eh->e_phnum = 3;
	ph[0].p_filesz = elf_len;       /* segment beyond the file */
	assert_int_equal(elf_load(&mem, elf, elf_len, &entry, err, sizeof(err)), -1);
	assert_string_equal(err, "ELF segment 0 is malformed");
	ph[0].p_filesz = 3 * MIB;
	eh->e_machine = EM_386;
	assert_int_equal(elf_load(&mem, elf, elf_len, &entry, err, sizeof(err)), -1);
	assert_string_equal(err, "not a 64-bit x86 ELF kernel");
	assert_int_equal(elf_load(&mem, elf, 10, &entry, err, sizeof(err)), -1);
	guest_mem_unmap(&mem);
	free(elf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lz4_round_trip_and_load),
		cmocka_unit_test(zstd_round_trip),
		cmocka_unit_test(corrupt_and_unsupported_payloads),
		cmocka_unit_test(elf_headers_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
