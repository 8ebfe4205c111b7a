/* libFuzzer target: the dirty-page bookkeeping against a model. The input
 * is a program for a simulated KVM and meridian: KVM pushes pages into a
 * vCPU's dirty ring (any slot, any offset: entries for no RAM must be
 * skipped) and resets what was collected, meridian harvests into its
 * bitmap, and asks for KVM_CLEAR_DIRTY_LOG spans. After every harvest
 * each page KVM pushed and meridian has not taken yet is in the bitmap,
 * no page it never pushed is, and the entries taken are exactly those
 * pushed since. Every span covers the pages asked for, inside one slot,
 * 64-page aligned (or to the slot's end).
 *
 * KVM may also push into a full ring, as Linux 6.1 does on shadow page
 * tables (issue 26: it writes over the oldest entries). Then pages can be
 * lost, and the ring must say so (overflowed) by the last harvest and
 * reset, the moment a migration decides on its last pages: a page lost
 * without overflowed set fails, and so does overflowed set when KVM never
 * overflowed and the ring was never full. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/dirty_log.h"

#define RING 16u
#define SLOT0_PAGES 200u
#define SLOT1_PAGES 100u
#define PAGES (SLOT0_PAGES + SLOT1_PAGES)

struct sim {
	struct kvm_dirty_gfn gfns[RING];
	uint32_t dirty_index, reset_index;      /* KVM's */
	uint64_t bitmap[(PAGES + 63) / 64];     /* meridian's */
	uint8_t pushed[PAGES];                  /* the model: pushed, not yet taken */
	uint8_t ever[PAGES];                    /* pushed at some time */
	uint32_t taken_unreset;                 /* harvested since the last reset */
	int overflowed;                         /* KVM wrote over an entry */
	int was_full;                           /* the ring was full at some time */
};

static int bit(const uint64_t *map, uint64_t page)
{
	return map[page / 64] >> (page % 64) & 1;
}

/* KVM: a vCPU wrote a page; into a full ring only when over (it exits
 * before, but Linux 6.1 can push a burst past the end) */
static void kvm_push(struct sim *s, uint32_t slot, uint64_t offset, int over)
{
	struct kvm_dirty_gfn *e = &s->gfns[s->dirty_index % RING];

	if (s->dirty_index - s->reset_index >= RING) {
		if (!over)
			return;
		s->overflowed = 1;
	}
	e->slot = slot;
	e->offset = offset;
	e->flags = KVM_DIRTY_GFN_F_DIRTY;
	s->dirty_index++;
	if (s->dirty_index - s->reset_index >= RING)
		s->was_full = 1;
	if (slot == 0 && offset < SLOT0_PAGES)
		s->pushed[offset] = s->ever[offset] = 1;
	else if (slot == 1 && offset < SLOT1_PAGES)
		s->pushed[SLOT0_PAGES + offset] = s->ever[SLOT0_PAGES + offset] = 1;
}

/* KVM_RESET_DIRTY_RINGS: what meridian collected goes back, in order,
 * up to one that is not marked collected; meridian checks the count */
static void kvm_reset(struct sim *s, struct dirty_ring *ring)
{
	int cleared = 0;

	while (s->reset_index != s->dirty_index &&
	       (s->gfns[s->reset_index % RING].flags & KVM_DIRTY_GFN_F_RESET)) {
		s->gfns[s->reset_index % RING].flags = 0;
		s->reset_index++;
		cleared++;
	}
	dirty_ring_reset_done(ring, s->taken_unreset, cleared);
	s->taken_unreset = 0;
}

/* A page pushed and not in the bitmap is lost: allowed only once the ring
 * says it overflowed; and it says so only if KVM did or it was full. */
static void check_losses(struct sim *s, const struct dirty_ring *ring)
{
	for (uint64_t p = 0; p < PAGES; p++)
		if (s->pushed[p] && !bit(s->bitmap, p) && !ring->overflowed)
			abort();                /* a dirty page lost, unnoticed */
	if (ring->overflowed && !s->overflowed && !s->was_full)
		abort();                /* an overflow that was not */
}

static void check_harvest(struct sim *s, struct dirty_ring *ring, const struct guest_mem *mem)
{
	uint32_t waiting = s->dirty_index - ring->fetch;
	uint32_t taken = dirty_ring_harvest(ring, mem, s->bitmap);

	s->taken_unreset += taken;
	if (!s->overflowed && (taken != waiting || ring->fetch != s->dirty_index))
		abort();
	if (!s->overflowed)
		check_losses(s, ring);
	for (uint64_t p = 0; p < PAGES; p++)
		if (bit(s->bitmap, p) && !s->ever[p])
			abort();                /* a page never written */
	if (!s->overflowed)
		memset(s->pushed, 0, sizeof(s->pushed));
}

static void check_spans(const struct guest_mem *mem, uint64_t first, uint64_t count)
{
	struct kvm_clear_dirty_log spans[2];
	uint64_t slot_first[2] = { 0, SLOT0_PAGES }, pages[2] = { SLOT0_PAGES, SLOT1_PAGES };
	unsigned n = dirty_clear_spans(mem, first, count, spans);

	if (n > 2)
		abort();
	for (uint64_t p = first; p < first + count && p < PAGES; p++) {
		unsigned s = p >= SLOT0_PAGES, hit = 0;

		for (unsigned i = 0; i < n; i++)
			hit |= spans[i].slot == s && p - slot_first[s] >= spans[i].first_page &&
			       p - slot_first[s] < spans[i].first_page + spans[i].num_pages;
		if (!hit)
			abort();                /* a page asked for, not re-armed */
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = spans[i].first_page + spans[i].num_pages;

		if (spans[i].slot > 1 || spans[i].first_page % DIRTY_CLEAR_ALIGN ||
		    end > pages[spans[i].slot] || (end % DIRTY_CLEAR_ALIGN && end != pages[spans[i].slot]))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim s;
	struct guest_mem mem = { .total_bytes = PAGES * 4096ull, .nr_regions = 2 };
	struct dirty_ring ring = { .gfns = s.gfns, .entries = RING };

	memset(&s, 0, sizeof(s));
	mem.regions[0] = (struct mem_region){ .gpa = 0, .size_bytes = SLOT0_PAGES * 4096ull };
	mem.regions[1] = (struct mem_region){ .gpa = 1ull << 32, .size_bytes = SLOT1_PAGES * 4096ull };
	for (size_t i = 0; i + 2 < size; i += 3) {
		uint8_t op = data[i] & 3, a = data[i + 1], b = data[i + 2];

		switch (op) {
		case 0:         /* slot 0, 1, 2 (none) or SMM's address space */
			kvm_push(&s, (data[i] >> 2 & 3) == 3 ? 1u << 16 : data[i] >> 2 & 3,
				 (uint64_t)a | (uint64_t)(b & 1) << 8, data[i] >> 4 & 1);
			break;
		case 1:
			check_harvest(&s, &ring, &mem);
			break;
		case 2:
			kvm_reset(&s, &ring);
			break;
		default:
			check_spans(&mem, (uint64_t)a | (uint64_t)(b & 1) << 8, b >> 1);
			break;
		}
	}
	/* the last look, as at a migration's pause: harvest, reset, judge */
	check_harvest(&s, &ring, &mem);
	kvm_reset(&s, &ring);
	check_losses(&s, &ring);
	return 0;
}
