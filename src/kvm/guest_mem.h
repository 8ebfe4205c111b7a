/* Guest RAM: one anonymous mapping, split around the 32-bit MMIO hole into
 * at most two regions (one KVM memory slot each). All guest physical
 * addresses that come from the guest go through guest_mem_ptr(), which
 * checks that the whole range lies in one region. */
#ifndef MERIDIAN_GUEST_MEM_H
#define MERIDIAN_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct mem_region {
	uint64_t gpa;
	uint64_t size_bytes;
	uint8_t *hva;
};

#define GUEST_PAGE_BYTES 4096ull

struct guest_mem {
	uint8_t *base_hva;
	uint64_t total_bytes;
	/* Pages meridian itself wrote (devices, rings): KVM's dirty log sees
	 * only the vCPUs' writes, migration needs both. One bit per page of
	 * RAM, indexed by the page's offset from base_hva. */
	uint64_t *dirty_bitmap;
	unsigned nr_regions;
	struct mem_region regions[2];
};

/* Splits total_bytes into regions (no mapping); pure, for tests and e820. */
void guest_mem_layout(struct guest_mem *mem, uint64_t total_bytes);
/* Lays out and maps. Returns 0 or -errno. */
int guest_mem_map(struct guest_mem *mem, uint64_t total_bytes);
void guest_mem_unmap(struct guest_mem *mem);
/* Backs every page now (--mem-prealloc): no page faults while the guest
 * runs, and a host short of memory says so at start. 0 or -errno. */
int guest_mem_prealloc(struct guest_mem *mem);
/* Host pointer for [gpa, gpa+len) or NULL when any byte is not RAM. */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
/* Marks the pages of [hva, hva+len) dirty (any thread; hva from
 * guest_mem_ptr). Every device write into guest RAM goes through here. */
void guest_mem_mark_dirty(const struct guest_mem *mem, const void *hva, uint64_t len);
/* Takes 64 pages' dirty bits (word w of the bitmap) and clears them. */
uint64_t guest_mem_take_dirty(const struct guest_mem *mem, uint64_t word);
/* End of RAM below the hole (exclusive). */
uint64_t guest_mem_low_end(const struct guest_mem *mem);

#endif
