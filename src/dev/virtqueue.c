#include "dev/virtqueue.h"

#include <stdio.h>
#include <string.h>

#define AVAIL_F_NO_INTERRUPT 1
#define USED_F_NO_NOTIFY 1

static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint16_t *used_idx_ptr(struct virtq *vq)
{
	return (uint16_t *)(vq->used + 2);
}

static uint16_t *avail_event_ptr(struct virtq *vq)
{
	return (uint16_t *)(vq->used + 4 + 8 * (size_t)vq->size);
}

static uint16_t *used_event_ptr(struct virtq *vq)
{
	return &vq->avail[2 + vq->size];
}

/* ring NAME at gpa, bytes long, aligned to align: a host pointer or NULL */
static void *ring(const struct guest_mem *mem, const char *name, uint64_t gpa, uint64_t bytes,
		  uint64_t align, char *err, int err_len)
{
	void *p = guest_mem_ptr(mem, gpa, bytes);

	if (gpa % align) {
		snprintf(err, err_len, "%s ring at 0x%llx is not %llu-byte aligned", name,
			 (unsigned long long)gpa, (unsigned long long)align);
		return NULL;
	}
	if (!p)
		snprintf(err, err_len, "%s ring 0x%llx+0x%llx is outside guest RAM", name,
			 (unsigned long long)gpa, (unsigned long long)bytes);
	return p;
}

int virtq_enable(struct virtq *vq, const struct guest_mem *mem, uint16_t size,
		 uint64_t desc_gpa, uint64_t avail_gpa, uint64_t used_gpa,
		 char *err, int err_len)
{
	bool event_idx = vq->event_idx, indirect = vq->indirect;

	memset(vq, 0, sizeof(*vq));
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1))) {
		snprintf(err, err_len, "queue size %u is not a power of 2 up to %u", size,
			 VIRTQ_MAX_SIZE);
		return -1;
	}
	vq->mem = mem;
	vq->size = size;
	vq->desc = ring(mem, "descriptor", desc_gpa, 16ull * size, 16, err, err_len);
	if (vq->desc)
		vq->avail = ring(mem, "available", avail_gpa, 6 + 2ull * size, 2, err, err_len);
	if (vq->avail)
		vq->used = ring(mem, "used", used_gpa, 6 + 8ull * size, 4, err, err_len);
	if (!vq->used)
		return -1;
	vq->enabled = true;
	return 0;
}

static int broken(struct virtq *vq, char *err, int err_len, const char *why, unsigned long long v)
{
	vq->broken = true;
	snprintf(err, err_len, why, v);
	return -1;
}

static int add_seg(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *d,
		   char *err, int err_len)
{
	bool writes = d->flags & VIRTQ_DESC_F_WRITE;
	void *hva = d->len ? guest_mem_ptr(vq->mem, d->addr, d->len) : NULL;

	if (d->len && !hva)
		return broken(vq, err, err_len, "buffer at 0x%llx is outside guest RAM",
			      (unsigned long long)d->addr);
	if (!writes && c->writable_bytes)
		return broken(vq, err, err_len, "a device-readable buffer follows a writable one (head %llu)",
			      c->head);
	if (c->nr_segs == VIRTQ_MAX_SEGS)
		return broken(vq, err, err_len, "chain longer than %llu buffers", VIRTQ_MAX_SEGS);
	c->segs[c->nr_segs++] = (struct virtq_seg){ .hva = hva, .gpa = d->addr, .len = d->len,
						    .device_writes = writes };
	if (writes)
		c->writable_bytes += d->len;
	else
		c->readable_bytes += d->len;
	return 0;
}

/* Switches the walk to the indirect table d points to. */
static int enter_indirect(struct virtq *vq, const struct virtq_desc *d, bool *in_indirect,
			  const struct virtq_desc **table, unsigned *table_size,
			  char *err, int err_len)
{
	if (!vq->indirect)
		return broken(vq, err, err_len, "indirect descriptor at 0x%llx, but "
			      "VIRTIO_F_INDIRECT_DESC was not negotiated", (unsigned long long)d->addr);
	/* a flag, not a pointer comparison: the guest may put the table on
	 * top of the descriptor ring itself */
	if (*in_indirect)
		return broken(vq, err, err_len, "nested indirect table at 0x%llx",
			      (unsigned long long)d->addr);
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return broken(vq, err, err_len, "indirect descriptor with NEXT set (table 0x%llx)",
			      (unsigned long long)d->addr);
	if (d->len == 0 || d->len % sizeof(struct virtq_desc) ||
	    d->len / sizeof(struct virtq_desc) > VIRTQ_MAX_SIZE)
		return broken(vq, err, err_len, "indirect table of %llu bytes", d->len);
	*table = guest_mem_ptr(vq->mem, d->addr, d->len);
	if (!*table)
		return broken(vq, err, err_len, "indirect table at 0x%llx is outside guest RAM",
			      (unsigned long long)d->addr);
	*table_size = d->len / sizeof(struct virtq_desc);
	*in_indirect = true;
	return 0;
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c, char *err, int err_len)
{
	const struct virtq_desc *table = vq->desc;
	unsigned table_size = vq->size, steps = 0;
	bool in_indirect = false;
	uint16_t avail_idx, idx;

	if (!vq->enabled || vq->broken)
		return 0;
	avail_idx = load16(&vq->avail[1]);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return broken(vq, err, err_len, "available index jumped by %llu entries",
			      (uint16_t)(avail_idx - vq->last_avail));
	c->head = load16(&vq->avail[2 + vq->last_avail % vq->size]);
	c->nr_segs = 0;
	c->readable_bytes = c->writable_bytes = 0;
	idx = c->head;
	for (;;) {
		struct virtq_desc d;

		if (idx >= table_size)
			return broken(vq, err, err_len, "descriptor index %llu out of range", idx);
		if (++steps > table_size)
			return broken(vq, err, err_len, "descriptor chain from %llu loops", c->head);
		/* one copy: the guest may change the table while we look */
		memcpy(&d, (const void *)&table[idx], sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (enter_indirect(vq, &d, &in_indirect, &table, &table_size, err, err_len))
				return -1;
			idx = 0;
			steps = 0;
			continue;
		}
		if (add_seg(vq, c, &d, err, err_len))
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq, unsigned n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written_bytes)
{
	uint32_t elem[2] = { head, written_bytes };

	if (!vq->enabled)
		return;
	uint8_t *slot = vq->used + 4 + 8 * (size_t)(vq->used_idx % vq->size);

	memcpy(slot, elem, sizeof(elem));
	vq->used_idx++;
	__atomic_store_n(used_idx_ptr(vq), vq->used_idx, __ATOMIC_RELEASE);
	guest_mem_mark_dirty(vq->mem, slot, sizeof(elem));
	guest_mem_mark_dirty(vq->mem, used_idx_ptr(vq), 2);
}

/* Without EVENT_IDX the driver reads the used ring's flags; with it, the
 * avail_event the device last wrote (stale while we work: no kicks). */
static void set_used_flags(struct virtq *vq, uint16_t flags)
{
	__atomic_store_n((uint16_t *)vq->used, flags, __ATOMIC_RELEASE);
	guest_mem_mark_dirty(vq->mem, vq->used, 2);
}

void virtq_kicks_off(struct virtq *vq)
{
	if (vq->enabled && !vq->event_idx)
		set_used_flags(vq, USED_F_NO_NOTIFY);
}

bool virtq_kicks_on(struct virtq *vq)
{
	if (!vq->enabled || vq->broken)
		return false;
	if (vq->event_idx) {
		__atomic_store_n(avail_event_ptr(vq), vq->last_avail, __ATOMIC_RELEASE);
		guest_mem_mark_dirty(vq->mem, avail_event_ptr(vq), 2);
	} else {
		set_used_flags(vq, 0);
	}
	/* the driver may have added a chain just before it saw the change */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&vq->avail[1]) != vq->last_avail;
}

void virtq_resume_at(struct virtq *vq, uint16_t next_avail)
{
	vq->last_avail = next_avail;
	vq->used_idx = load16(used_idx_ptr(vq));
	vq->signalled_used = vq->used_idx;
	virtq_kicks_on(vq);
}

bool virtq_kick_on_more(struct virtq *vq)
{
	uint16_t idx;

	if (!vq->enabled || vq->broken)
		return false;
	idx = load16(&vq->avail[1]);
	if (vq->event_idx) {
		__atomic_store_n(avail_event_ptr(vq), idx, __ATOMIC_RELEASE);
		guest_mem_mark_dirty(vq->mem, avail_event_ptr(vq), 2);
	} else {
		set_used_flags(vq, 0);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&vq->avail[1]) != idx;
}

bool virtq_should_notify(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx;

	if (!vq->enabled || old == now)
		return false;
	/* the used index must be visible before we read what the driver wants */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = now;
	if (vq->event_idx)
		return (uint16_t)(now - load16(used_event_ptr(vq)) - 1) < (uint16_t)(now - old);
	return !(load16(&vq->avail[0]) & AVAIL_F_NO_INTERRUPT);
}

uint64_t virtq_chain_read(const struct virtq_chain *c, uint64_t offset, void *buf, uint64_t len)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < c->nr_segs && done < len && !c->segs[i].device_writes; i++) {
		const struct virtq_seg *s = &c->segs[i];
		uint64_t n;

		if (offset >= s->len) {
			offset -= s->len;
			continue;
		}
		n = s->len - offset < len - done ? s->len - offset : len - done;
		memcpy((uint8_t *)buf + done, (const uint8_t *)s->hva + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

unsigned virtq_chain_iov(const struct virtq_chain *c, bool device_writes, uint64_t skip,
			 uint64_t trim, struct iovec *iov, uint64_t *bytes)
{
	uint64_t total = device_writes ? c->writable_bytes : c->readable_bytes;
	uint64_t want = total > skip + trim ? total - skip - trim : 0;
	unsigned n = 0;

	*bytes = want;
	for (unsigned i = 0; i < c->nr_segs && want; i++) {
		const struct virtq_seg *s = &c->segs[i];
		uint64_t len = s->len;
		uint8_t *p = s->hva;

		if (s->device_writes != device_writes)
			continue;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		p += skip;
		len -= skip;
		skip = 0;
		if (len > want)
			len = want;
		iov[n++] = (struct iovec){ .iov_base = p, .iov_len = len };
		want -= len;
	}
	return n;
}

uint8_t *virtq_chain_last_writable(const struct virtq_chain *c)
{
	const struct virtq_seg *s = c->nr_segs ? &c->segs[c->nr_segs - 1] : NULL;

	return s && s->device_writes && s->len ? (uint8_t *)s->hva + s->len - 1 : NULL;
}
