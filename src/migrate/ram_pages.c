#include "migrate/ram_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "migrate/stream.h"

#define PAGE GUEST_PAGE_BYTES
#define RUN_BYTES (RAM_RUN_PAGES * PAGE)

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

static bool wanted(const uint64_t *bitmap, uint64_t page)
{
	return !bitmap || (bitmap[page / 64] >> (page % 64) & 1);
}

static void put_zero_run(struct ram_sender *s, uint64_t first, uint64_t run)
{
	s->st.zero_pages += run;
	if (!s->send_zero)
		return;
	mig_put_section(s->w, MIG_SEC_RAM_ZERO, 0, 1, 12);
	mig_put_u64(s->w, first);
	mig_put_u32(s->w, (uint32_t)run);
}

/* A zstd frame of the copy when it is smaller; false to send it plain. */
static bool put_zstd_run(struct ram_sender *s, uint64_t first, uint64_t run)
{
	size_t n;

	if (!s->zstd)
		s->zstd = ZSTD_createCCtx();
	if (!s->zbuf)
		s->zbuf = malloc(ZSTD_COMPRESSBOUND(RUN_BYTES));
	if (!s->zstd || !s->zbuf)
		return false;
	n = ZSTD_compressCCtx(s->zstd, s->zbuf, ZSTD_COMPRESSBOUND(RUN_BYTES), s->copy, run * PAGE,
			      s->zstd_level);
	if (ZSTD_isError(n) || n >= run * PAGE)
		return false;
	mig_put_section(s->w, MIG_SEC_RAM_ZSTD, 0, 1, (uint32_t)(12 + n));
	mig_put_u64(s->w, first);
	mig_put_u32(s->w, (uint32_t)run);
	mig_put_stable(s->w, s->zbuf, n);
	s->st.zstd_in_bytes += run * PAGE;
	s->st.zstd_out_bytes += n;
	return true;
}

static void put_data_run(struct ram_sender *s, uint64_t first, uint64_t run)
{
	s->st.normal_pages += run;
	if (s->zstd_level && put_zstd_run(s, first, run))
		return;
	mig_put_section(s->w, MIG_SEC_RAM, 0, 1, (uint32_t)(12 + run * PAGE));
	mig_put_u64(s->w, first);
	mig_put_u32(s->w, (uint32_t)run);
	mig_put_stable(s->w, s->copy, run * PAGE);
}

/* Up to RAM_RUN_PAGES wanted pages from page p on, all zero or all not (as
 * the first is). Zero pages are judged in guest RAM itself and never copied:
 * one written after the look is dirty again and goes in a later round. A
 * data run is copied into s->copy: the copy is what goes and what the
 * stream's checksum covers. */
static uint64_t take_run(struct ram_sender *s, const uint64_t *bitmap, uint64_t p, uint64_t end,
			 bool *zero)
{
	const uint8_t *ram = s->mem->base_hva;
	uint64_t run = 1;

	*zero = page_is_zero(ram + p * PAGE);
	while (p + run < end && run < RAM_RUN_PAGES && wanted(bitmap, p + run) &&
	       page_is_zero(ram + (p + run) * PAGE) == *zero)
		run++;
	if (!*zero)
		memcpy(s->copy, ram + p * PAGE, run * PAGE);
	return run;
}

void ram_put_pages(struct ram_sender *s, const uint64_t *bitmap, uint64_t first, uint64_t count)
{
	uint64_t pages = s->mem->total_bytes / PAGE, end = first + count, p = first;

	if (end > pages)
		end = pages;
	if (!s->copy)
		s->copy = malloc(RUN_BYTES);
	if (!s->copy) {
		s->w->error = s->w->error ? s->w->error : -12;  /* -ENOMEM */
		return;
	}
	while (p < end && !s->w->error) {
		uint64_t run;
		bool zero;

		if (!wanted(bitmap, p)) {
			p++;
			continue;
		}
		run = take_run(s, bitmap, p, end, &zero);
		if (zero)
			put_zero_run(s, p, run);
		else
			put_data_run(s, p, run);
		p += run;
	}
}

void ram_sender_free(struct ram_sender *s)
{
	ZSTD_freeCCtx(s->zstd);
	free(s->copy);
	free(s->zbuf);
	s->zstd = NULL;
	s->copy = s->zbuf = NULL;
}

static int get_zstd(struct mig_stream *r, uint8_t *dst, uint32_t count, uint32_t in_bytes,
		    char *err, int err_len)
{
	static uint8_t in[ZSTD_COMPRESSBOUND(RUN_BYTES)];
	size_t n;

	if (count > RAM_RUN_PAGES || in_bytes > sizeof(in)) {
		snprintf(err, err_len, "RAM: a compressed run of %u pages in %u bytes: corrupt stream",
			 count, in_bytes);
		return -2;
	}
	if (mig_get(r, in, in_bytes))
		return -1;
	n = ZSTD_decompress(dst, (size_t)count * PAGE, in, in_bytes);
	if (ZSTD_isError(n) || n != (size_t)count * PAGE) {
		snprintf(err, err_len, "RAM: a compressed run does not unpack to its %u pages (%s): "
			 "corrupt stream", count, ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
		return -2;
	}
	return 0;
}

int ram_get_section(struct mig_stream *r, const struct guest_mem *mem, uint32_t type,
		    uint32_t len, char *err, int err_len)
{
	uint64_t first, pages = mem->total_bytes / PAGE;
	uint32_t count;
	bool size_ok;

	if (len < 12 || mig_get_u64(r, &first) || mig_get_u32(r, &count))
		return -1;
	size_ok = type == MIG_SEC_RAM_ZERO ? len == 12 :
		  type == MIG_SEC_RAM ? (uint64_t)count * PAGE == len - 12 : len > 12;
	if (count == 0 || !size_ok || first > pages || count > pages - first) {
		snprintf(err, err_len, "RAM: pages %llu+%u do not fit this guest's RAM: corrupt stream",
			 (unsigned long long)first, count);
		return -2;
	}
	if (type == MIG_SEC_RAM_ZERO) {
		memset(mem->base_hva + first * PAGE, 0, (size_t)count * PAGE);
		return 0;
	}
	if (type == MIG_SEC_RAM_ZSTD)
		return get_zstd(r, mem->base_hva + first * PAGE, count, len - 12, err, err_len);
	return mig_get(r, mem->base_hva + first * PAGE, (size_t)count * PAGE);
}
