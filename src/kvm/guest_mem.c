#include "kvm/guest_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm/layout.h"

void guest_mem_layout(struct guest_mem *mem, uint64_t total_bytes)
{
	uint64_t low = total_bytes < MMIO_HOLE_GPA ? total_bytes : MMIO_HOLE_GPA;

	memset(mem, 0, sizeof(*mem));
	mem->total_bytes = total_bytes;
	mem->regions[0] = (struct mem_region){ .gpa = 0, .size_bytes = low };
	mem->nr_regions = 1;
	if (total_bytes > low) {
		mem->regions[1] = (struct mem_region){
			.gpa = MMIO_HOLE_END, .size_bytes = total_bytes - low };
		mem->nr_regions = 2;
	}
}

int guest_mem_map(struct guest_mem *mem, uint64_t total_bytes)
{
	uint8_t *base;

	guest_mem_layout(mem, total_bytes);
	/* MAP_NORESERVE: the guest touches what it uses; the rest costs nothing. */
	base = mmap(NULL, total_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	mem->dirty_bitmap = calloc((total_bytes / GUEST_PAGE_BYTES + 63) / 64, sizeof(uint64_t));
	if (!mem->dirty_bitmap) {
		munmap(base, total_bytes);
		return -ENOMEM;
	}
	mem->base_hva = base;
	mem->regions[0].hva = base;
	if (mem->nr_regions == 2)
		mem->regions[1].hva = base + mem->regions[0].size_bytes;
	return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int guest_mem_prealloc(struct guest_mem *mem)
{
	volatile uint8_t *p = mem->base_hva;

	if (madvise(mem->base_hva, mem->total_bytes, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)            /* EINVAL: a kernel before 5.14 */
		return -errno;
	for (uint64_t off = 0; off < mem->total_bytes; off += GUEST_PAGE_BYTES)
		p[off] = 0;
	return 0;
}

void guest_mem_unmap(struct guest_mem *mem)
{
	if (mem->base_hva)
		munmap(mem->base_hva, mem->total_bytes);
	mem->base_hva = NULL;
	free(mem->dirty_bitmap);
	mem->dirty_bitmap = NULL;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct mem_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size_bytes &&
		    len <= r->size_bytes - (gpa - r->gpa))
			return r->hva ? r->hva + (gpa - r->gpa) : NULL;
	}
	return NULL;
}

uint64_t guest_mem_low_end(const struct guest_mem *mem)
{
	return mem->regions[0].size_bytes;
}

void guest_mem_mark_dirty(const struct guest_mem *mem, const void *hva, uint64_t len)
{
	uint64_t off = (uint64_t)((const uint8_t *)hva - mem->base_hva);

	if (!len || !mem->dirty_bitmap || (const uint8_t *)hva < mem->base_hva ||
	    off >= mem->total_bytes || len > mem->total_bytes - off)
		return;         /* not guest RAM: nothing to migrate */
	for (uint64_t page = off / GUEST_PAGE_BYTES; page <= (off + len - 1) / GUEST_PAGE_BYTES;
	     page++)
		__atomic_fetch_or(&mem->dirty_bitmap[page / 64], 1ull << (page % 64),
				  __ATOMIC_RELAXED);
}

uint64_t guest_mem_take_dirty(const struct guest_mem *mem, uint64_t word)
{
	if (!mem->dirty_bitmap || word >= (mem->total_bytes / GUEST_PAGE_BYTES + 63) / 64)
		return 0;
	return __atomic_exchange_n(&mem->dirty_bitmap[word], 0, __ATOMIC_ACQ_REL);
}
