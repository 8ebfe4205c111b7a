#include "migrate/postcopy_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/le_bytes.h"

static void put16(uint32_t a, uint32_t b, uint64_t c, uint8_t out[PC_MSG_BYTES])
{
	le_put(out, a, 4);
	le_put(out + 4, b, 4);
	le_put(out + 8, c, 8);
}

void pc_msg_encode(const struct pc_msg *m, uint8_t out[PC_MSG_BYTES])
{
	put16(m->type, m->count, m->arg, out);
}

void pc_page_encode(uint32_t type, uint64_t page, uint8_t out[PC_MSG_BYTES])
{
	put16(type, 0, page, out);
}

int pc_msg_decode(const uint8_t in[PC_MSG_BYTES], uint64_t nr_pages, struct pc_msg *m,
		  char *err, int err_len)
{
	m->type = (uint32_t)le_get(in, 4);
	m->count = (uint32_t)le_get(in + 4, 4);
	m->arg = le_get(in + 8, 8);
	switch (m->type) {
	case PC_MSG_REQUEST:
		if (m->count == 0 || m->count > PC_MAX_REQUEST_PAGES)
			return snprintf(err, err_len, "page request for %u pages (1 to %u)", m->count,
					PC_MAX_REQUEST_PAGES), -1;
		if (m->arg >= nr_pages || m->count > nr_pages - m->arg)
			return snprintf(err, err_len, "page request for pages %llu+%u, past RAM's %llu",
					(unsigned long long)m->arg, m->count,
					(unsigned long long)nr_pages), -1;
		return 0;
	case PC_MSG_RECV_BITMAP:
		if (m->arg != nr_pages || m->count)
			return snprintf(err, err_len, "received-page bitmap of %llu pages; RAM has %llu",
					(unsigned long long)m->arg, (unsigned long long)nr_pages), -1;
		return 0;
	case PC_MSG_DONE:
	case PC_MSG_RUNNING:
		if (m->count || m->arg)
			return snprintf(err, err_len, "malformed post-copy message type %u", m->type), -1;
		return 0;
	}
	return snprintf(err, err_len, "unknown post-copy message type %u", m->type), -1;
}

int pc_page_decode(const uint8_t in[PC_MSG_BYTES], uint64_t nr_pages, uint32_t *type,
		   uint64_t *page, char *err, int err_len)
{
	uint32_t pad = (uint32_t)le_get(in + 4, 4);

	*type = (uint32_t)le_get(in, 4);
	*page = le_get(in + 8, 8);
	if (*type != PC_PAGE_DATA && *type != PC_PAGE_ZERO && *type != PC_PAGE_END)
		return snprintf(err, err_len, "unknown post-copy page type %u", *type), -1;
	if (pad || (*type == PC_PAGE_END && *page))
		return snprintf(err, err_len, "malformed post-copy page header"), -1;
	if (*type != PC_PAGE_END && *page >= nr_pages)
		return snprintf(err, err_len, "page %llu past RAM's %llu pages",
				(unsigned long long)*page, (unsigned long long)nr_pages), -1;
	return 0;
}

/* The whole of len, reading or writing, across short transfers and EINTR. */
static int all_of(int fd, uint8_t *p, uint64_t len, bool writing, char *err, int err_len)
{
	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return snprintf(err, err_len, "post-copy link: %s", n < 0 ? strerror(errno) :
					writing ? "closed" : "closed by the peer"), -1;
		p += n;
		len -= (uint64_t)n;
	}
	return 0;
}

int pc_write_all(int fd, const void *buf, uint64_t len, char *err, int err_len)
{
	return all_of(fd, (uint8_t *)buf, len, true, err, err_len);
}

int pc_read_all(int fd, void *buf, uint64_t len, char *err, int err_len)
{
	return all_of(fd, buf, len, false, err, err_len);
}

int pc_send_msg(int fd, uint32_t type, uint32_t count, uint64_t arg, char *err, int err_len)
{
	uint8_t b[PC_MSG_BYTES];

	pc_msg_encode(&(struct pc_msg){ .type = type, .count = count, .arg = arg }, b);
	return pc_write_all(fd, b, sizeof(b), err, err_len);
}

int pc_recv_msg(int fd, uint64_t nr_pages, struct pc_msg *m, char *err, int err_len)
{
	uint8_t b[PC_MSG_BYTES];

	if (pc_read_all(fd, b, sizeof(b), err, err_len))
		return -1;
	return pc_msg_decode(b, nr_pages, m, err, err_len);
}

int pc_send_recv_bitmap(int fd, const struct page_set *received, char *err, int err_len)
{
	uint64_t words = page_set_words(received->nr_pages), sum;
	uint64_t *w = malloc((words + 1) * sizeof(*w));
	int r;

	if (!w)
		return snprintf(err, err_len, "out of memory"), -1;
	page_set_copy_words(received, w);
	for (uint64_t i = 0; i < words; i++)
		le_put((uint8_t *)&w[i], w[i], 8);
	sum = XXH64(w, words * 8, 0);
	le_put((uint8_t *)&w[words], sum, 8);
	r = pc_send_msg(fd, PC_MSG_RECV_BITMAP, 0, received->nr_pages, err, err_len);
	if (!r)
		r = pc_write_all(fd, w, (words + 1) * 8, err, err_len);
	free(w);
	return r;
}

int pc_recv_bitmap_words(int fd, uint64_t nr_pages, uint64_t *out, char *err, int err_len)
{
	uint64_t words = page_set_words(nr_pages);
	uint8_t sum[8];

	if (pc_read_all(fd, out, words * 8, err, err_len) || pc_read_all(fd, sum, 8, err, err_len))
		return -1;
	if (XXH64(out, words * 8, 0) != le_get(sum, 8))
		return snprintf(err, err_len, "received-page bitmap: checksum mismatch"), -1;
	for (uint64_t i = 0; i < words; i++)
		out[i] = le_get((const uint8_t *)&out[i], 8);
	/* bits past RAM's end are no pages at all */
	if (nr_pages % 64 && out[words - 1] >> (nr_pages % 64))
		return snprintf(err, err_len, "received-page bitmap: pages past RAM's end"), -1;
	return 0;
}
