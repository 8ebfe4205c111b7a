/* Post-copy's messages, besides the migration stream itself.
 *
 * The return path, destination to source: fixed 16-byte messages
 *   u32 type, u32 count, u64 arg       (little-endian)
 *   PC_MSG_REQUEST      arg: first page (from RAM's start), count: pages (1..PC_MAX_REQUEST_PAGES)
 *   PC_MSG_RECV_BITMAP  arg: RAM pages, count 0; then the destination's
 *                       received-page bitmap (ceil(pages/64) u64 words)
 *                       and u64 XXH64 of those bytes: recovery, after a
 *                       broken link, so the source sends again what did
 *                       not arrive
 *   PC_MSG_RUNNING      the state is applied, the guest runs here (the
 *                       post-copy switch's confirmation); count 0, arg 0
 *   PC_MSG_DONE         every page is in; count 0, arg 0
 *
 * The page channel, source to destination: 16-byte headers
 *   u32 type, u32 0, u64 page          then 4096 bytes for PC_PAGE_DATA
 *   PC_PAGE_DATA, PC_PAGE_ZERO, PC_PAGE_END (no more pages; page 0)
 *
 * Every number is checked against the RAM the reader has before use: a
 * peer's bytes are hostile. */
#ifndef MERIDIAN_POSTCOPY_WIRE_H
#define MERIDIAN_POSTCOPY_WIRE_H

#include <stdint.h>

#include "migrate/page_set.h"

#define PC_MSG_BYTES 16
#define PC_MAX_REQUEST_PAGES 512u       /* 2 MiB: a huge page's worth */

enum pc_msg_type { PC_MSG_REQUEST = 1, PC_MSG_RECV_BITMAP = 2, PC_MSG_DONE = 3,
		   PC_MSG_RUNNING = 4 };
enum pc_page_type { PC_PAGE_DATA = 1, PC_PAGE_ZERO = 2, PC_PAGE_END = 3 };

struct pc_msg {
	uint32_t type, count;
	uint64_t arg;
};

void pc_msg_encode(const struct pc_msg *m, uint8_t out[PC_MSG_BYTES]);
/* A return-path message, checked against nr_pages of RAM. 0, or -1 with err. */
int pc_msg_decode(const uint8_t in[PC_MSG_BYTES], uint64_t nr_pages, struct pc_msg *m,
		  char *err, int err_len);
/* A page-channel header, checked the same way. 0, or -1 with err. */
int pc_page_decode(const uint8_t in[PC_MSG_BYTES], uint64_t nr_pages, uint32_t *type,
		   uint64_t *page, char *err, int err_len);
void pc_page_encode(uint32_t type, uint64_t page, uint8_t out[PC_MSG_BYTES]);

/* Whole messages over a descriptor (blocking; EINTR retried). 0, or -1
 * with err (the peer went away, a short read, a malformed message). */
int pc_write_all(int fd, const void *buf, uint64_t len, char *err, int err_len);
int pc_read_all(int fd, void *buf, uint64_t len, char *err, int err_len);
int pc_send_msg(int fd, uint32_t type, uint32_t count, uint64_t arg, char *err, int err_len);
int pc_recv_msg(int fd, uint64_t nr_pages, struct pc_msg *m, char *err, int err_len);

/* Recovery: the destination sends its received set (header included);
 * the source, having read a PC_MSG_RECV_BITMAP header for nr_pages,
 * reads the words into out (page_set_words(nr_pages) of them) and checks
 * their checksum. 0, or -1 with err. */
int pc_send_recv_bitmap(int fd, const struct page_set *received, char *err, int err_len);
int pc_recv_bitmap_words(int fd, uint64_t nr_pages, uint64_t *out, char *err, int err_len);

#endif
