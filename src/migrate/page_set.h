/* A set of guest pages that threads add to at once (post-copy's
 * destination: the pages requested from the source, the pages placed in
 * guest RAM). page_set_claim is the one way in: exactly one caller wins
 * each page, so a page is never requested twice, nor placed twice. */
#ifndef MERIDIAN_PAGE_SET_H
#define MERIDIAN_PAGE_SET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct page_set {
	_Atomic uint64_t *words;
	uint64_t nr_pages;
};

/* Empty, for pages [0, nr_pages). 0 or -ENOMEM. */
int page_set_init(struct page_set *s, uint64_t nr_pages);
void page_set_free(struct page_set *s);
/* Adds page; true for the one caller that added it (false: it was in,
 * or page is out of range). */
bool page_set_claim(struct page_set *s, uint64_t page);
bool page_set_has(const struct page_set *s, uint64_t page);
uint64_t page_set_count(const struct page_set *s);
/* The first page at or after from that is not in the set; nr_pages if none. */
uint64_t page_set_next_missing(const struct page_set *s, uint64_t from);
/* Its words (nr_pages bits, from page 0) into out: a snapshot for the
 * recovery handshake. */
void page_set_copy_words(const struct page_set *s, uint64_t *out);
uint64_t page_set_words(uint64_t nr_pages);

#endif
