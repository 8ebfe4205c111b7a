#include "kvm/dirty_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/thread.h"

static const char *const method_names[] = {
	[DIRTY_AUTO] = "auto", [DIRTY_LOG] = "dirty-log",
	[DIRTY_LOG_CLEAR] = "dirty-log-clear", [DIRTY_RING] = "dirty-ring",
};

const char *dirty_method_name(enum dirty_method m)
{
	return (unsigned)m < sizeof(method_names) / sizeof(method_names[0]) ? method_names[m] : NULL;
}

int dirty_method_parse(const char *name, enum dirty_method *m)
{
	for (unsigned i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (!strcmp(name, method_names[i])) {
			*m = (enum dirty_method)i;
			return 0;
		}
	return -1;
}

static void set_bit(uint64_t *bitmap, uint64_t page)
{
	__atomic_fetch_or(&bitmap[page / 64], 1ull << (page % 64), __ATOMIC_RELAXED);
}

/* The first RAM page (from RAM's start) of slot, or -1 for no such slot. */
static int64_t slot_first_page(const struct guest_mem *mem, uint32_t slot)
{
	uint64_t first = 0;

	if (slot >= mem->nr_regions)
		return -1;
	for (uint32_t i = 0; i < slot; i++)
		first += mem->regions[i].size_bytes / GUEST_PAGE_BYTES;
	return (int64_t)first;
}

uint32_t dirty_ring_harvest(struct dirty_ring *ring, const struct guest_mem *mem,
			    uint64_t *bitmap)
{
	uint32_t taken = 0;

	while (taken < ring->entries) {
		struct kvm_dirty_gfn *e = &ring->gfns[ring->fetch & (ring->entries - 1)];
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
		/* the high 16 bits of slot are the address space (SMM): RAM is 0 */
		int64_t first = (e->slot >> 16) ? -1 : slot_first_page(mem, e->slot & 0xffff);

		if (!(flags & KVM_DIRTY_GFN_F_DIRTY))
			break;
		if (first >= 0 && e->offset < mem->regions[e->slot].size_bytes / GUEST_PAGE_BYTES)
			set_bit(bitmap, (uint64_t)first + e->offset);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		ring->fetch++;
		taken++;
	}
	if (taken == ring->entries)
		ring->overflowed = true;
	return taken;
}

bool dirty_ring_reset_done(struct dirty_ring *ring, uint32_t taken, int cleared)
{
	if (cleared < 0 || (uint32_t)cleared < taken)
		ring->overflowed = true;
	return ring->overflowed;
}

unsigned dirty_clear_spans(const struct guest_mem *mem, uint64_t first, uint64_t count,
			   struct kvm_clear_dirty_log *out)
{
	uint64_t slot_first = 0, end = first + count;
	unsigned n = 0;

	for (unsigned s = 0; s < mem->nr_regions && count; s++) {
		uint64_t pages = mem->regions[s].size_bytes / GUEST_PAGE_BYTES;
		uint64_t lo = first > slot_first ? first - slot_first : 0;
		uint64_t hi = end < slot_first + pages ? end - slot_first : pages;

		if (end > slot_first && first < slot_first + pages && lo < hi) {
			lo -= lo % DIRTY_CLEAR_ALIGN;
			hi = (hi + DIRTY_CLEAR_ALIGN - 1) / DIRTY_CLEAR_ALIGN * DIRTY_CLEAR_ALIGN;
			if (hi > pages)
				hi = pages;
			out[n++] = (struct kvm_clear_dirty_log){
				.slot = s, .first_page = lo, .num_pages = (uint32_t)(hi - lo),
			};
		}
		slot_first += pages;
	}
	return n;
}

static int check_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static int set_manual_protect(int vm_fd, bool on)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				      .args = { on ? KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE : 0 } };

	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}

static int enable_ring(struct dirty_log *d, int vm_fd)
{
	/* ACQ_REL is the portable one; x86 (TSO) also has the older cap */
	long caps[] = { KVM_CAP_DIRTY_LOG_RING_ACQ_REL, KVM_CAP_DIRTY_LOG_RING };

	for (unsigned i = 0; i < 2; i++) {
		/* the cap's value is the largest ring KVM takes, in bytes */
		uint32_t max_entries = (uint32_t)check_cap(vm_fd, caps[i]) / sizeof(struct kvm_dirty_gfn);
		uint32_t entries = DIRTY_RING_ENTRIES;
		struct kvm_enable_cap cap = { .cap = (uint32_t)caps[i] };

		while (entries > DIRTY_RING_MIN_ENTRIES && entries > max_entries)
			entries /= 2;
		if (entries > max_entries)
			continue;
		cap.args[0] = entries * sizeof(struct kvm_dirty_gfn);
		if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
			return -errno;
		d->ring_ready = true;
		d->ring_entries = entries;
		return 0;
	}
	return -ENOTSUP;
}

int dirty_log_init(struct dirty_log *d, int vm_fd, const struct guest_mem *mem,
		   enum dirty_method want, unsigned nr_vcpus)
{
	uint64_t words = (mem->total_bytes / GUEST_PAGE_BYTES + 63) / 64, max_slot_words = 0;
	bool has_clear = check_cap(vm_fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) &
			 KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	int r = 0;

	memset(d, 0, sizeof(*d));
	d->vm_fd = vm_fd;
	d->mem = mem;
	d->clear_supported = has_clear;
	pthread_mutex_init(&d->lock, NULL);
	for (unsigned i = 0; i < mem->nr_regions; i++)
		if (mem->regions[i].size_bytes / GUEST_PAGE_BYTES / 64 + 1 > max_slot_words)
			max_slot_words = mem->regions[i].size_bytes / GUEST_PAGE_BYTES / 64 + 1;
	d->pending = calloc(words, 8);
	d->slot_map = calloc(max_slot_words, 8);
	d->rings = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*d->rings));
	d->nr_rings = nr_vcpus;
	if (!d->pending || !d->slot_map || !d->rings)
		return -ENOMEM;
	/* the ring only when asked: in the lab (Linux 6.1 kvm-amd on shadow
	 * page tables) it lost pages a migration's destination then lacked,
	 * where both bitmap methods carried RAM exactly (issue 26) */
	if (want == DIRTY_RING) {
		r = enable_ring(d, vm_fd);
		if (!r)
			d->method = DIRTY_RING;
		return r;
	}
	if (want == DIRTY_LOG_CLEAR && !has_clear)
		return -ENOTSUP;
	d->method = want == DIRTY_LOG || !has_clear ? DIRTY_LOG : DIRTY_LOG_CLEAR;
	return 0;
}

int dirty_log_map_vcpu(struct dirty_log *d, unsigned index, int vcpu_fd)
{
	size_t bytes = d->ring_entries * sizeof(struct kvm_dirty_gfn);
	void *p;

	if (d->method != DIRTY_RING || index >= d->nr_rings)
		return 0;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		 KVM_DIRTY_LOG_PAGE_OFFSET * sysconf(_SC_PAGESIZE));
	if (p == MAP_FAILED)
		return -errno;
	d->rings[index] = (struct dirty_ring){ .gfns = p, .entries = d->ring_entries };
	return 0;
}

void dirty_log_destroy(struct dirty_log *d)
{
	dirty_log_end(d);
	for (unsigned i = 0; d->rings && i < d->nr_rings; i++)
		if (d->rings[i].gfns)
			munmap(d->rings[i].gfns, d->rings[i].entries * sizeof(struct kvm_dirty_gfn));
	free(d->rings);
	free(d->pending);
	free(d->slot_map);
	if (d->mem)
		pthread_mutex_destroy(&d->lock);
	memset(d, 0, sizeof(*d));
}

int dirty_log_set_method(struct dirty_log *d, enum dirty_method m)
{
	int r;

	if (m == DIRTY_AUTO || m == d->method)
		return 0;
	if (m == DIRTY_RING || d->method == DIRTY_RING)
		return -ENOTSUP;
	r = set_manual_protect(d->vm_fd, m == DIRTY_LOG_CLEAR);
	if (!r)
		d->method = m;
	return r;
}

/* Harvests ring i into pending and gives its entries back to KVM, one
 * ring per KVM_RESET_DIRTY_RINGS so that the count it returns is this
 * ring's (under d->lock no other ring has entries collected). Returns
 * how many it took, or -errno. An overflow is recorded in the ring and in
 * d->overflowed. */
static int harvest_ring(struct dirty_log *d, unsigned i)
{
	struct dirty_ring *ring = &d->rings[i];
	uint32_t taken;
	int cleared;

	if (!ring->gfns)
		return 0;
	taken = dirty_ring_harvest(ring, d->mem, d->pending);
	if (taken) {
		cleared = ioctl(d->vm_fd, KVM_RESET_DIRTY_RINGS, 0);
		if (cleared < 0)
			return -errno;
		dirty_ring_reset_done(ring, taken, cleared);
	}
	if (ring->overflowed)
		atomic_store(&d->overflowed, true);
	return (int)taken;
}

static int harvest_rings(struct dirty_log *d)
{
	int r = 0;

	for (unsigned i = 0; i < d->nr_rings; i++) {
		int one = harvest_ring(d, i);

		if (one < 0 && !r)
			r = one;
	}
	return r;
}

static void reap(void *arg)
{
	struct dirty_log *d = arg;

	pthread_mutex_lock(&d->lock);
	harvest_rings(d);       /* an overflow is kept in d->overflowed */
	pthread_mutex_unlock(&d->lock);
}

int dirty_log_begin(struct dirty_log *d)
{
	if (d->method != DIRTY_RING)
		return set_manual_protect(d->vm_fd, d->method == DIRTY_LOG_CLEAR);
	if (atomic_load(&d->overflowed))
		return -EOVERFLOW;
	return ticker_start(&d->reaper, ROLE_DIRTY_REAPER, DIRTY_REAP_MS * 1000, reap, d);
}

void dirty_log_end(struct dirty_log *d)
{
	ticker_stop(&d->reaper);
}

static int sync_ring(struct dirty_log *d, uint64_t *bitmap)
{
	uint64_t words = (d->mem->total_bytes / GUEST_PAGE_BYTES + 63) / 64;
	int r;

	pthread_mutex_lock(&d->lock);
	r = harvest_rings(d);
	if (atomic_load(&d->overflowed))
		r = -EOVERFLOW;
	for (uint64_t w = 0; w < words; w++) {
		bitmap[w] |= d->pending[w];
		d->pending[w] = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

static int sync_slots(struct dirty_log *d, uint64_t *bitmap)
{
	uint64_t first_page = 0;

	for (unsigned s = 0; s < d->mem->nr_regions; s++) {
		uint64_t pages = d->mem->regions[s].size_bytes / GUEST_PAGE_BYTES;
		struct kvm_dirty_log log = { .slot = s, .dirty_bitmap = d->slot_map };

		memset(d->slot_map, 0, (pages + 63) / 64 * 8);
		if (ioctl(d->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return -errno;
		for (uint64_t w = 0; w < (pages + 63) / 64; w++)
			for (uint64_t bits = d->slot_map[w]; bits; bits &= bits - 1)
				set_bit(bitmap, first_page + w * 64 + (uint64_t)__builtin_ctzll(bits));
		first_page += pages;
	}
	return 0;
}

int dirty_log_sync(struct dirty_log *d, uint64_t *bitmap)
{
	return d->method == DIRTY_RING ? sync_ring(d, bitmap) : sync_slots(d, bitmap);
}

int dirty_log_clear(struct dirty_log *d, const uint64_t *bitmap, uint64_t first, uint64_t count)
{
	struct kvm_clear_dirty_log spans[2];
	unsigned n;

	if (d->method != DIRTY_LOG_CLEAR)
		return 0;
	n = dirty_clear_spans(d->mem, first, count, spans);
	for (unsigned i = 0; i < n; i++) {
		int64_t base = slot_first_page(d->mem, spans[i].slot);
		uint64_t lo = first, hi = first + count;

		memset(d->slot_map, 0, ((uint64_t)spans[i].num_pages + 63) / 64 * 8);
		/* only the pages asked for: the others were not read by the caller */
		for (uint64_t p = 0; p < spans[i].num_pages; p++) {
			uint64_t page = (uint64_t)base + spans[i].first_page + p;

			if (page >= lo && page < hi && (bitmap[page / 64] >> (page % 64) & 1))
				d->slot_map[p / 64] |= 1ull << (p % 64);
		}
		spans[i].dirty_bitmap = d->slot_map;
		if (ioctl(d->vm_fd, KVM_CLEAR_DIRTY_LOG, &spans[i]) < 0)
			return -errno;
	}
	return 0;
}

int dirty_log_ring_full(struct dirty_log *d, unsigned index)
{
	bool stuck;
	int r;

	if (index >= d->nr_rings || !d->rings[index].gfns)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	r = harvest_ring(d, index);
	/* nothing taken is fine (the reaper was first) unless the ring
	 * overflowed: then KVM counts entries it will never see collected */
	stuck = r == 0 && d->rings[index].overflowed;
	pthread_mutex_unlock(&d->lock);
	if (stuck)
		return -EOVERFLOW;
	return r < 0 ? r : 0;
}
