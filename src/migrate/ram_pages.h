/* Guest RAM in the migration stream: runs of up to RAM_RUN_PAGES pages,
 * each as one section:
 *
 *   MIG_SEC_RAM       u64 first page (from RAM's start), u32 count, the bytes
 *   MIG_SEC_RAM_ZERO  u64 first, u32 count: these pages are zero
 *   MIG_SEC_RAM_ZSTD  u64 first, u32 count, one zstd frame of count pages
 *
 * The sender copies each data run before it sends it (the guest may be
 * writing it: the copy is what goes, and a page changed meanwhile is dirty
 * again and goes in a later round); zero pages it judges in place. */
#ifndef MERIDIAN_RAM_PAGES_H
#define MERIDIAN_RAM_PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm/guest_mem.h"

struct mig_stream;

#define RAM_RUN_PAGES 256u

struct ram_stats {
	uint64_t normal_pages;          /* sent as data (plain or compressed) */
	uint64_t zero_pages;
	uint64_t zstd_in_bytes, zstd_out_bytes;
};

struct ram_sender {
	struct mig_stream *w;
	const struct guest_mem *mem;
	bool send_zero;         /* markers for zero pages (a fresh destination needs none) */
	int zstd_level;         /* 0: no compression */
	void *zstd;             /* ZSTD_CCtx, made on first use */
	uint8_t *copy;          /* one run */
	uint8_t *zbuf;          /* its compressed frame */
	struct ram_stats st;
};

/* Sends the pages of bitmap (NULL: all) in [first, first+count). */
void ram_put_pages(struct ram_sender *s, const uint64_t *bitmap, uint64_t first, uint64_t count);
void ram_sender_free(struct ram_sender *s);

/* One RAM section's payload (type MIG_SEC_RAM, _ZERO or _ZSTD) into mem.
 * Returns 0, -1 (short or malformed payload) or -2 with err. */
int ram_get_section(struct mig_stream *r, const struct guest_mem *mem, uint32_t type,
		    uint32_t len, char *err, int err_len);

#endif
