#include "migrate/page_set.h"

#include <errno.h>
#include <stdlib.h>

uint64_t page_set_words(uint64_t nr_pages)
{
	return (nr_pages + 63) / 64;
}

int page_set_init(struct page_set *s, uint64_t nr_pages)
{
	s->nr_pages = nr_pages;
	s->words = calloc(page_set_words(nr_pages) ? page_set_words(nr_pages) : 1,
			  sizeof(*s->words));
	return s->words ? 0 : -ENOMEM;
}

void page_set_free(struct page_set *s)
{
	free((void *)s->words);
	s->words = NULL;
}

bool page_set_claim(struct page_set *s, uint64_t page)
{
	uint64_t bit = 1ull << (page % 64);

	if (page >= s->nr_pages)
		return false;
	return !(atomic_fetch_or(&s->words[page / 64], bit) & bit);
}

bool page_set_has(const struct page_set *s, uint64_t page)
{
	return page < s->nr_pages && (atomic_load(&s->words[page / 64]) >> (page % 64) & 1);
}

uint64_t page_set_count(const struct page_set *s)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < page_set_words(s->nr_pages); w++)
		n += (uint64_t)__builtin_popcountll(atomic_load(&s->words[w]));
	return n;
}

uint64_t page_set_next_missing(const struct page_set *s, uint64_t from)
{
	for (uint64_t p = from; p < s->nr_pages; ) {
		uint64_t missing = ~atomic_load(&s->words[p / 64]) >> (p % 64);

		if (missing) {
			p += (uint64_t)__builtin_ctzll(missing);
			return p < s->nr_pages ? p : s->nr_pages;
		}
		p = (p / 64 + 1) * 64;
	}
	return s->nr_pages;
}

void page_set_copy_words(const struct page_set *s, uint64_t *out)
{
	for (uint64_t w = 0; w < page_set_words(s->nr_pages); w++)
		out[w] = atomic_load(&s->words[w]);
}
