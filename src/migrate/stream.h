/* The migration stream (snapshot files and live migration):
 *
 *   "MRDNSNAP" u32 version
 *   sections: u32 type, u32 id, u32 version, u32 payload bytes, payload
 *   the end section: type MIG_SEC_END, payload = u64 XXH64 (seed 0) of every byte before it
 *
 * All little-endian. A reader checks the magic, the version, each
 * section's length against what is left, and the checksum at the end.
 * (XXH64, not CRC-32: every byte goes through it on both sides, and it
 * is several times faster, 8 times under the lab's TCG; version 1 had
 * CRC-32.) Writer and reader buffer over a file descriptor (a file or a
 * socket). */
#ifndef MERIDIAN_STREAM_H
#define MERIDIAN_STREAM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define XXH_STATIC_LINKING_ONLY         /* XXH64_state_t's layout: it lives in the struct */
#include <xxhash.h>

#define MIG_MAGIC "MRDNSNAP"
#define MIG_STREAM_VERSION 3     /* 3: devices named by instance id */

enum mig_section {
	MIG_SEC_CONFIG = 1,     /* what the destination must match */
	MIG_SEC_RAM = 2,        /* a run of pages */
	MIG_SEC_VCPU = 3,       /* id: vCPU index */
	MIG_SEC_IRQCHIP = 4,
	MIG_SEC_PIT = 5,
	MIG_SEC_CLOCK = 6,
	MIG_SEC_DEVICE = 7,     /* a device's state (device_sections.h) */
	MIG_SEC_RAM_ZERO = 8,   /* a run of pages that are zero now */
	MIG_SEC_RAM_ZSTD = 9,   /* a run of pages, one zstd frame */
	MIG_SEC_DEVICE_CONFIG = 10,     /* what a device needs of the destination */
	MIG_SEC_POSTCOPY_ADVISE = 11,   /* u32 flags (1: a fast page connection), u32 0 */
	MIG_SEC_POSTCOPY_SWITCH = 12,   /* u64 RAM pages, the owed pages' bitmap (postcopy_dest.h) */
	MIG_SEC_END = 0xffffffffu,
};

#define MIG_MAX_SECTION_BYTES (64u << 20)

struct mig_stream {
	int fd;
	uint8_t buf[1 << 16];
	size_t len, pos;        /* writer: bytes buffered; reader: buffered and consumed */
	XXH64_state_t sum;      /* of every byte so far */
	uint64_t bytes;         /* in all */
	int error;              /* first errno, or -EPROTO for a broken stream */
	/* writer: at most this many bytes a second (0: no limit), on
	 * average over any stretch (mig_pace); may change while it writes */
	_Atomic uint64_t max_bytes_per_s;
	uint64_t pace_us;       /* when what went so far is due at that rate */
};

/* The bandwidth cap as a pace: *due_us is when the bytes sent so far
 * would have gone out at limit bytes/s. Adds bytes to it and returns how
 * long the sender must sleep first (0: go on). Time the sender spent
 * idle is not banked (a burst after a pause is one share of
 * MIG_PACE_SLACK_US at most), and a single write larger than the cap's
 * 100 ms share waits its full time too. Pure, for tests. */
#define MIG_PACE_SLACK_US 10000u
uint64_t mig_pace(uint64_t *due_us, uint64_t now_us, uint64_t bytes, uint64_t limit);

void mig_writer_init(struct mig_stream *w, int fd);
void mig_put(struct mig_stream *w, const void *data, size_t len);
/* The same for bytes that do not change while it runs (a copy): large
 * ones go to the descriptor directly, without the buffer's copy. */
void mig_put_stable(struct mig_stream *w, const void *data, size_t len);
void mig_put_u32(struct mig_stream *w, uint32_t v);
void mig_put_u64(struct mig_stream *w, uint64_t v);
/* What is buffered, to the descriptor now. */
void mig_flush(struct mig_stream *w);
/* Writes the magic and version. */
void mig_put_header(struct mig_stream *w);
/* A section header; its payload follows with mig_put. */
void mig_put_section(struct mig_stream *w, uint32_t type, uint32_t id, uint32_t version,
		     uint32_t payload_bytes);
/* The end section and a flush. Returns 0 or the first error (-errno). */
int mig_put_end(struct mig_stream *w);

void mig_reader_init(struct mig_stream *r, int fd);
/* Exactly len bytes, or -1 (truncated stream or read error). */
int mig_get(struct mig_stream *r, void *data, size_t len);
int mig_get_u32(struct mig_stream *r, uint32_t *v);
int mig_get_u64(struct mig_stream *r, uint64_t *v);
/* Checks magic and version; -1 with err. */
int mig_get_header(struct mig_stream *r, char *err, int err_len);
/* The next section's header. For MIG_SEC_END also checks the checksum and
 * returns 1. Returns 0, 1 (end), or -1 with err. */
int mig_get_section(struct mig_stream *r, uint32_t *type, uint32_t *id, uint32_t *version,
		    uint32_t *payload_bytes, char *err, int err_len);

#endif
