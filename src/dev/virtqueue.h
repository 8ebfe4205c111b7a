/* A virtio 1.x split virtqueue seen from the device side (virtio spec
 * 2.7): taking descriptor chains the driver made available, giving them
 * back as used, and deciding whether the driver wants an interrupt.
 *
 * The guest is hostile. Everything it wrote is checked before use: ring
 * addresses at enable time, and for every chain each descriptor index,
 * each buffer's address and length (inside guest RAM), the chain length
 * (no loops, at most the queue size, or the indirect table's size), and
 * the order (device-writable buffers after device-readable ones). A
 * malformed chain breaks the queue: virtq_pop reports it once and the
 * transport sets DEVICE_NEEDS_RESET; the VMM carries on. */
#ifndef MERIDIAN_VIRTQUEUE_H
#define MERIDIAN_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kvm/guest_mem.h"

#define VIRTQ_MAX_SIZE 32768
#define VIRTQ_MAX_SEGS 256      /* buffers per chain meridian accepts */

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_seg {
	void *hva;              /* checked: [hva, hva + len) is guest RAM */
	uint64_t gpa;
	uint32_t len;
	bool device_writes;
};

struct virtq_chain {
	uint16_t head;
	unsigned nr_segs;
	struct virtq_seg segs[VIRTQ_MAX_SEGS];
	uint64_t readable_bytes;        /* driver -> device */
	uint64_t writable_bytes;        /* device -> driver */
};

/* event_idx and indirect are the negotiated features: the transport sets
 * them before virtq_enable, which keeps them. */
struct virtq {
	const struct guest_mem *mem;
	uint16_t size;
	bool event_idx;                 /* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool indirect;                  /* VIRTIO_F_INDIRECT_DESC negotiated */
	bool enabled;
	bool broken;
	struct virtq_desc *desc;        /* host views of the rings, checked at enable */
	uint16_t *avail;                /* flags, idx, ring[size], used_event */
	uint8_t *used;                  /* flags, idx, {id, len}[size], avail_event */
	uint16_t last_avail;            /* next avail ring slot to take */
	uint16_t used_idx;              /* next used ring slot to fill */
	uint16_t signalled_used;        /* used_idx when the driver was last notified */
};

/* Checks that the three rings of a queue of `size` lie in guest RAM and
 * enables it. Returns 0, or -1 with the reason in err. */
int virtq_enable(struct virtq *vq, const struct guest_mem *mem, uint16_t size,
		 uint64_t desc_gpa, uint64_t avail_gpa, uint64_t used_gpa,
		 char *err, int err_len);

/* Takes the next available chain. Returns 1 with *c filled, 0 when the
 * driver has made nothing new available, -1 when the chain is malformed
 * (the queue is then broken; err says why). */
int virtq_pop(struct virtq *vq, struct virtq_chain *c, char *err, int err_len);

/* Kick suppression while the device works through a queue, as QEMU does:
 * kicks_off before taking chains (the driver need not kick for chains it
 * adds meanwhile: every one of them is a VM exit), kicks_on when the queue
 * looks empty; it returns true when chains came in the meantime, and the
 * device must take them too:
 *     do { virtq_kicks_off(vq); while (virtq_pop(...) > 0) ...; }
 *     while (virtq_kicks_on(vq)); */
void virtq_kicks_off(struct virtq *vq);
bool virtq_kicks_on(struct virtq *vq);

/* Someone else ran the queue (the kernel's vhost) and stopped with
 * next_avail as its next avail slot: go on from there, with the used index
 * as the ring has it and the driver's kicks on again. */
void virtq_resume_at(struct virtq *vq, uint16_t next_avail);
/* The chains there are do not suffice (a frame bigger than the receive
 * buffers offered): asks the driver to kick when it adds any more.
 * Returns true when it did meanwhile. */
bool virtq_kick_on_more(struct virtq *vq);
/* Gives back the last n chains taken and not pushed: the next pops take
 * them again (a receive that ran out of buffers mid-frame waits). */
void virtq_unpop(struct virtq *vq, unsigned n);
/* Returns a chain to the driver with the number of bytes written into it. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written_bytes);

/* After pushes: does the driver want an interrupt now (used_event with
 * EVENT_IDX, else the NO_INTERRUPT flag)? Resets the reference point. */
bool virtq_should_notify(struct virtq *vq);

/* Copies up to len device-readable bytes from offset into the chain's
 * readable part; returns the bytes copied. */
uint64_t virtq_chain_read(const struct virtq_chain *c, uint64_t offset, void *buf, uint64_t len);

/* The readable (device_writes false) or writable part of a chain as an
 * iovec over guest RAM, without its first `skip` and last `trim` bytes
 * (a request header, a status byte). iov needs VIRTQ_MAX_SEGS entries.
 * Returns the entries; *bytes is their total. */
unsigned virtq_chain_iov(const struct virtq_chain *c, bool device_writes, uint64_t skip,
			 uint64_t trim, struct iovec *iov, uint64_t *bytes);

/* The chain's last byte when it is device-writable (a status byte), else NULL. */
uint8_t *virtq_chain_last_writable(const struct virtq_chain *c);

#endif
