/* Post-copy's return path and page channel (migrate/postcopy_wire.c) as a
 * hostile peer writes them: the first 4 bytes choose RAM's size (1 to
 * 65536 pages), the rest is read as a message stream. Whatever is
 * accepted must lie inside RAM: a request's pages, a page header's page,
 * a recovery bitmap's bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/le_bytes.h"
#include "migrate/postcopy_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t nr_pages, words[1024], page;
	struct pc_msg m;
	uint32_t type;
	char err[200];
	int fds[2];

	if (size < 4 + PC_MSG_BYTES)
		return 0;
	nr_pages = le_get(data, 4) % 65536 + 1;
	data += 4;
	size -= 4;
	if (!pc_page_decode(data, nr_pages, &type, &page, err, sizeof(err)) && type != PC_PAGE_END &&
	    page >= nr_pages)
		abort();
	if (size > 60000 || pipe(fds))
		return 0;
	if (write(fds[1], data, size) != (ssize_t)size)
		abort();
	close(fds[1]);
	while (!pc_recv_msg(fds[0], nr_pages, &m, err, sizeof(err))) {
		if (m.type == PC_MSG_REQUEST && (m.count == 0 || m.count > PC_MAX_REQUEST_PAGES ||
						 m.arg + m.count > nr_pages))
			abort();
		if (m.type != PC_MSG_RECV_BITMAP)
			continue;
		if (pc_recv_bitmap_words(fds[0], nr_pages, words, err, sizeof(err)))
			break;
		if (nr_pages % 64 && words[page_set_words(nr_pages) - 1] >> (nr_pages % 64))
			abort();
	}
	close(fds[0]);
	return 0;
}
