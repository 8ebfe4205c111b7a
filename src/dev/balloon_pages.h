/* Which guest RAM pages are in the balloon: a bit per page (counted from
 * RAM's start), so a page inflated twice or deflated without having been
 * inflated (a confused or hostile driver) changes nothing twice. */
#ifndef MERIDIAN_BALLOON_PAGES_H
#define MERIDIAN_BALLOON_PAGES_H

#include <stdbool.h>
#include <stdint.h>

struct balloon_pages {
	uint64_t *map;
	uint64_t nr_pages;      /* RAM pages */
	uint64_t count;         /* of them in the balloon */
};

int balloon_pages_init(struct balloon_pages *b, uint64_t nr_pages);
void balloon_pages_free(struct balloon_pages *b);
/* true when page was not in the balloon and now is (false also for a page
 * beyond RAM) */
bool balloon_pages_add(struct balloon_pages *b, uint64_t page);
/* true when page was in the balloon and now is not */
bool balloon_pages_remove(struct balloon_pages *b, uint64_t page);

#endif
