#include "dev/balloon_pages.h"

#include <errno.h>
#include <stdlib.h>

int balloon_pages_init(struct balloon_pages *b, uint64_t nr_pages)
{
	b->map = calloc((nr_pages + 63) / 64, 8);
	b->nr_pages = nr_pages;
	b->count = 0;
	return b->map ? 0 : -ENOMEM;
}

void balloon_pages_free(struct balloon_pages *b)
{
	free(b->map);
	b->map = NULL;
	b->count = 0;
}

bool balloon_pages_add(struct balloon_pages *b, uint64_t page)
{
	uint64_t bit = 1ull << (page % 64);

	if (page >= b->nr_pages || (b->map[page / 64] & bit))
		return false;
	b->map[page / 64] |= bit;
	b->count++;
	return true;
}

bool balloon_pages_remove(struct balloon_pages *b, uint64_t page)
{
	uint64_t bit = 1ull << (page % 64);

	if (page >= b->nr_pages || !(b->map[page / 64] & bit))
		return false;
	b->map[page / 64] &= ~bit;
	b->count--;
	return true;
}
