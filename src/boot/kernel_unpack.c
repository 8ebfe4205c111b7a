#include "boot/kernel_unpack.h"

#include <elf.h>
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>

#include "base/le_bytes.h"

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_CHUNK_BYTES (8u << 20)
#define MAX_VMLINUX_BYTES (512u << 20)

const char *kernel_payload_format(const uint8_t *p, size_t len)
{
	if (len >= 4 && le_get(p, 4) == LZ4_LEGACY_MAGIC)
		return "lz4";
	if (len >= 4 && le_get(p, 4) == ZSTD_MAGICNUMBER)
		return "zstd";
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip";
	if (len >= 6 && !memcmp(p, "\xfd" "7zXZ", 6))
		return "xz";
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return "lzma";
	if (len >= 3 && !memcmp(p, "BZh", 3))
		return "bzip2";
	if (len >= 4 && !memcmp(p, "\x89LZO", 4))
		return "lzo";
	return "unknown";
}

static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The kernel's "lz4 -l" stream: magic, then chunks of [le32 size][block],
 * each block at most 8 MiB decompressed; the build appends the total size
 * as a final le32 (which we also use to size the output). */
static int unlz4_legacy(const uint8_t *in, size_t len, uint8_t *out, size_t out_bytes,
			char *err, int err_len)
{
	size_t pos = 4, done = 0;

	while (len - pos > 4) {
		uint32_t chunk = (uint32_t)le_get(in + pos, 4);
		int n;

		pos += 4;
		if (chunk == LZ4_LEGACY_MAGIC)
			continue;       /* concatenated streams */
		if (chunk > len - pos || chunk > (uint32_t)LZ4_compressBound(LZ4_LEGACY_CHUNK_BYTES)) {
			snprintf(err, err_len, "corrupt lz4 payload (chunk of %u bytes)", chunk);
			return -EINVAL;
		}
		n = LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)chunk,
					(int)(out_bytes - done < LZ4_LEGACY_CHUNK_BYTES ?
					      out_bytes - done : LZ4_LEGACY_CHUNK_BYTES));
		if (n < 0) {
			snprintf(err, err_len, "corrupt lz4 payload");
			return -EINVAL;
		}
		pos += chunk;
		done += (size_t)n;
	}
	if (done != out_bytes) {
		snprintf(err, err_len, "lz4 payload gave %zu bytes, expected %zu", done, out_bytes);
		return -EINVAL;
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t len, uint8_t *out, size_t out_bytes,
		  char *err, int err_len)
{
	size_t frame = ZSTD_findFrameCompressedSize(in, len);
	size_t n;

	if (ZSTD_isError(frame)) {
		snprintf(err, err_len, "corrupt zstd payload");
		return -EINVAL;
	}
	n = ZSTD_decompress(out, out_bytes, in, frame);
	if (ZSTD_isError(n) || n != out_bytes) {
		snprintf(err, err_len, "corrupt zstd payload");
		return -EINVAL;
	}
	return 0;
}

int kernel_unpack_buffer(const uint8_t *payload, size_t len, struct unpacked_kernel *out,
			 char *err, int err_len)
{
	const char *fmt = kernel_payload_format(payload, len);
	size_t out_bytes;
	int r;

	memset(out, 0, sizeof(*out));
	if (strcmp(fmt, "lz4") && strcmp(fmt, "zstd")) {
		snprintf(err, err_len, "%s-compressed kernel", fmt);
		return -ENOTSUP;
	}
	if (len < 8) {
		snprintf(err, err_len, "truncated %s payload", fmt);
		return -EINVAL;
	}
	out_bytes = (uint32_t)le_get(payload + len - 4, 4);    /* the build's size trailer */
	if (out_bytes == 0 || out_bytes > MAX_VMLINUX_BYTES) {
		snprintf(err, err_len, "implausible uncompressed kernel size %zu", out_bytes);
		return -EINVAL;
	}
	out->elf = map_anon(out_bytes);
	if (!out->elf) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	out->elf_bytes = out_bytes;
	if (!strcmp(fmt, "lz4"))
		r = unlz4_legacy(payload, len, out->elf, out_bytes, err, err_len);
	else
		r = unzstd(payload, len, out->elf, out_bytes, err, err_len);
	if (r)
		unpacked_kernel_free(out);
	return r;
}

int kernel_unpack(const struct boot_file *f, const struct bzimage *bz,
		  struct unpacked_kernel *out, char *err, int err_len)
{
	uint64_t off = bz->payload_offset + bz->hdr.payload_offset;
	size_t len = bz->hdr.payload_length;
	uint8_t *payload;
	int r;

	memset(out, 0, sizeof(*out));
	if (!len) {
		snprintf(err, err_len, "bzImage does not say where its payload is");
		return -ENOTSUP;
	}
	if (off + len > f->size_bytes || off < bz->payload_offset) {
		snprintf(err, err_len, "bzImage payload lies outside the file");
		return -EINVAL;
	}
	payload = map_anon(len);
	if (!payload) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	r = boot_file_read(f, off, payload, len);
	if (r)
		snprintf(err, err_len, "reading the payload: %s", strerror(-r));
	else
		r = kernel_unpack_buffer(payload, len, out, err, err_len);
	munmap(payload, len);
	return r;
}

void unpacked_kernel_free(struct unpacked_kernel *k)
{
	if (k->elf)
		munmap(k->elf, k->elf_bytes);
	k->elf = NULL;
}

int elf_load(const struct guest_mem *mem, const uint8_t *elf, size_t elf_bytes,
	     uint64_t *entry_gpa, char *err, int err_len)
{
	Elf64_Ehdr eh;

	if (elf_bytes < sizeof(eh)) {
		snprintf(err, err_len, "not an ELF kernel");
		return -1;
	}
	memcpy(&eh, elf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff > elf_bytes || eh.e_phnum > (elf_bytes - eh.e_phoff) / sizeof(Elf64_Phdr)) {
		snprintf(err, err_len, "not a 64-bit x86 ELF kernel");
		return -1;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > elf_bytes ||
		    ph.p_filesz > elf_bytes - ph.p_offset) {
			snprintf(err, err_len, "ELF segment %u is malformed", i);
			return -1;
		}
		dst = guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz);
		if (!dst) {
			snprintf(err, err_len, "ELF segment %u (0x%llx+0x%llx) is outside guest RAM",
				 i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
			return -1;
		}
		memcpy(dst, elf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	*entry_gpa = eh.e_entry;
	return 0;
}
