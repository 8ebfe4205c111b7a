#include "dev/virtio_blk.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <linux/falloc.h>

#include "base/le_bytes.h"
#include "base/log.h"
#include "base/vmstate.h"

#define VIRTIO_ID_BLOCK 2
#define PCI_CLASS_STORAGE_SCSI 0x010000

/* feature bits (virtio spec 5.2.3) */
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_MQ           12
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* request types and status */
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define HEADER_BYTES 16                 /* type, reserved, sector */
#define RANGE_BYTES 16                  /* discard / write-zeroes: sector, sectors, flags */
#define RANGE_F_UNMAP 1
#define MAX_RANGE_SECTORS 0x3fffffu
#define RANGE_ALIGN_SECTORS 8           /* 4 KiB: what filesystems punch holes in */
#define PENDING (-1)                    /* the request went to io_uring */

struct blk_req {
	bool busy;
	uint16_t queue, head;
	uint32_t type;
	uint8_t *status;
	uint64_t bytes;                 /* data bytes the request moves */
	uint64_t sector;
	unsigned nr_iov;
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static struct blk_req *req_of(struct virtio_blk *blk, unsigned queue, uint16_t head)
{
	return &blk->reqs[queue * VIRTIO_QUEUE_SIZE + head];
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return "read";
	case VIRTIO_BLK_T_OUT: return "write";
	case VIRTIO_BLK_T_FLUSH: return "flush";
	case VIRTIO_BLK_T_DISCARD: return "discard";
	case VIRTIO_BLK_T_WRITE_ZEROES: return "write-zeroes";
	default: return "request";
	}
}

/* Writes the status byte and gives the chain back; data_bytes is what
 * the device wrote into the chain besides the status. */
static void finish(struct virtio_blk *blk, struct blk_req *req, uint8_t status,
		   uint64_t data_bytes)
{
	const struct guest_mem *mem = blk->vp.host.mem;

	*req->status = status;
	guest_mem_mark_dirty(mem, req->status, 1);
	req->busy = false;
	virtq_push(&blk->vp.vq[req->queue], req->head, (uint32_t)data_bytes + 1);
}

/* [sector, sector + bytes/512) lies on the disk, in whole sectors */
static bool in_range(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = blk->img->size_bytes / SECTOR_BYTES;

	return bytes % SECTOR_BYTES == 0 && sector <= sectors &&
	       bytes / SECTOR_BYTES <= sectors - sector;
}

static int start_rw(struct virtio_blk *blk, struct blk_req *req, const struct virtq_chain *c)
{
	bool read = req->type == VIRTIO_BLK_T_IN;

	if (!read && blk->img->cfg->readonly)
		return VIRTIO_BLK_S_IOERR;
	/* a read fills the writable part but the status byte; a write sends
	 * the readable part after the header */
	req->nr_iov = read ? virtq_chain_iov(c, true, 0, 1, req->iov, &req->bytes) :
			     virtq_chain_iov(c, false, HEADER_BYTES, 0, req->iov, &req->bytes);
	if (req->bytes == 0 || !in_range(blk, req->sector, req->bytes))
		return VIRTIO_BLK_S_IOERR;
	if (io_ring_queue(&blk->io, &(struct io_request){
			.op = read ? IO_READV : IO_WRITEV, .fd = blk->img->fd, .iov = req->iov,
			.nr_iov = req->nr_iov, .offset = req->sector * SECTOR_BYTES, .tag = req }))
		return VIRTIO_BLK_S_IOERR;
	return PENDING;
}

/* One range (we offer max_discard_seg = max_write_zeroes_seg = 1). */
static int start_range(struct virtio_blk *blk, struct blk_req *req, const struct virtq_chain *c)
{
	uint8_t range[RANGE_BYTES];
	uint32_t sectors, flags;
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	if (blk->img->cfg->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (c->readable_bytes != HEADER_BYTES + RANGE_BYTES ||
	    virtq_chain_read(c, HEADER_BYTES, range, RANGE_BYTES) != RANGE_BYTES)
		return VIRTIO_BLK_S_UNSUPP;
	req->sector = le_get(range, 8);
	sectors = (uint32_t)le_get(range + 8, 4);
	flags = (uint32_t)le_get(range + 12, 4);
	req->bytes = (uint64_t)sectors * SECTOR_BYTES;
	if (sectors > MAX_RANGE_SECTORS || !in_range(blk, req->sector, req->bytes))
		return VIRTIO_BLK_S_IOERR;
	if (req->type == VIRTIO_BLK_T_WRITE_ZEROES && !(flags & RANGE_F_UNMAP))
		mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (io_ring_queue(&blk->io, &(struct io_request){
			.op = IO_FALLOCATE, .fd = blk->img->fd, .mode = mode,
			.offset = req->sector * SECTOR_BYTES, .len = req->bytes, .tag = req }))
		return VIRTIO_BLK_S_IOERR;
	return PENDING;
}

/* GET_ID: the serial, zero-padded to 20 bytes (or what fits). */
static int get_id(struct virtio_blk *blk, struct blk_req *req, const struct virtq_chain *c)
{
	char id[DISK_SERIAL_MAX] = { 0 };
	uint64_t room, done = 0;
	unsigned n = virtq_chain_iov(c, true, 0, 1, req->iov, &room);

	memcpy(id, blk->img->cfg->serial, strnlen(blk->img->cfg->serial, sizeof(id)));
	for (unsigned i = 0; i < n && done < sizeof(id); i++) {
		size_t k = req->iov[i].iov_len < sizeof(id) - done ? req->iov[i].iov_len :
								      sizeof(id) - done;

		memcpy(req->iov[i].iov_base, id + done, k);
		guest_mem_mark_dirty(blk->vp.host.mem, req->iov[i].iov_base, k);
		done += k;
	}
	req->bytes = done;
	return VIRTIO_BLK_S_OK;
}

/* Starts one request: PENDING, or the status it ends with at once. */
static int start(struct virtio_blk *blk, struct blk_req *req, const struct virtq_chain *c)
{
	uint8_t header[HEADER_BYTES];

	req->bytes = 0;
	if (virtq_chain_read(c, 0, header, HEADER_BYTES) != HEADER_BYTES)
		return VIRTIO_BLK_S_IOERR;
	req->type = (uint32_t)le_get(header, 4);
	req->sector = le_get(header + 8, 8);
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return start_rw(blk, req, c);
	case VIRTIO_BLK_T_FLUSH:
		return io_ring_queue(&blk->io, &(struct io_request){
				.op = IO_FDATASYNC, .fd = blk->img->fd, .tag = req }) ?
		       VIRTIO_BLK_S_IOERR : PENDING;
	case VIRTIO_BLK_T_GET_ID:
		return get_id(blk, req, c);
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return start_range(blk, req, c);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Takes every chain the queue has: 0, or -1 when the queue broke. */
static int take_requests(struct virtio_blk *blk, unsigned queue)
{
	struct virtio_pci *vp = &blk->vp;
	struct virtq_chain *c = &blk->chain;
	char err[160];
	int r;

	while ((r = virtq_pop(&vp->vq[queue], c, err, sizeof(err))) > 0) {
		struct blk_req *req = req_of(blk, queue, c->head);
		uint8_t *status = virtq_chain_last_writable(c);
		int res;

		if (!status || req->busy) {
			virtio_pci_queue_broken(vp, queue, !status ?
				"request without a writable status byte" :
				"a request's head was offered again while it was in flight");
			return -1;
		}
		*req = (struct blk_req){ .busy = true, .queue = (uint16_t)queue, .head = c->head,
					 .status = status };
		res = start(blk, req, c);
		if (res != PENDING)
			finish(blk, req, (uint8_t)res,
			       req->type == VIRTIO_BLK_T_GET_ID ? req->bytes : 0);
	}
	if (r < 0)
		virtio_pci_queue_broken(vp, queue, err);
	return r;
}

static void on_complete(void *owner, void *tag, int res);

static void blk_notify(struct virtio_pci *vp, unsigned queue)
{
	struct virtio_blk *blk = vp->device;
	int r;

	do {
		virtq_kicks_off(&vp->vq[queue]);
		r = take_requests(blk, queue);
	} while (r == 0 && virtq_kicks_on(&vp->vq[queue]));
	if (io_ring_submit(&blk->io))
		log_once("virtio-blk %s: io_uring submit failed", blk->img->cfg->path);
	/* Fast devices (a RAM disk, a page-cache hit) often complete inside
	 * the submit: answer them now, in this same pass, rather than after
	 * another trip through the event loop. */
	io_ring_reap(&blk->io, false, on_complete, blk);
	virtio_pci_notify_used(vp, queue);
}

/* io_uring finished a request: res is bytes moved or -errno. */
static void on_complete(void *owner, void *tag, int res)
{
	struct virtio_blk *blk = owner;
	struct blk_req *req = tag;
	bool ok = req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_OUT ?
		  res >= 0 && (uint64_t)res == req->bytes : res == 0;

	if (req->type == VIRTIO_BLK_T_DISCARD && res == -EOPNOTSUPP)
		ok = true;      /* discarding is a hint the host may ignore */
	if (req->type == VIRTIO_BLK_T_IN)
		for (unsigned i = 0; i < req->nr_iov; i++)
			guest_mem_mark_dirty(blk->vp.host.mem, req->iov[i].iov_base,
					     req->iov[i].iov_len);
	if (!ok && !blk->error_logged) {
		log_error("virtio-blk %s: %s at sector %llu: %s (the guest sees an I/O error; "
			  "further errors are not logged)", blk->img->cfg->path, type_name(req->type),
			  (unsigned long long)req->sector, res < 0 ? strerror(-res) : "short transfer");
		blk->error_logged = true;
	}
	if (blk->vp.vq[req->queue].enabled)
		finish(blk, req, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR,
		       ok && req->type == VIRTIO_BLK_T_IN ? req->bytes : 0);
	req->busy = false;
}

static void on_io_done(struct ev_handler *h, uint32_t events)
{
	struct virtio_blk *blk = h->opaque;
	struct virtio_pci *vp = &blk->vp;

	io_ring_ack(&blk->io);
	pthread_mutex_lock(&vp->lock);
	io_ring_reap(&blk->io, false, on_complete, blk);
	for (unsigned q = 0; q < blk->ops.nr_queues; q++)
		virtio_pci_notify_used(vp, q);
	pthread_mutex_unlock(&vp->lock);
}

/* Device reset: the driver forgets its requests, so the ones in flight
 * must be over before the reset completes (they write guest RAM). */
static void blk_reset(struct virtio_pci *vp)
{
	struct virtio_blk *blk = vp->device;

	for (unsigned q = 0; q < blk->ops.nr_queues; q++)
		vp->vq[q].enabled = false;      /* completions give nothing back */
	io_ring_reap(&blk->io, true, on_complete, blk);
	blk->error_logged = false;
}

static void blk_config_read(struct virtio_pci *vp, uint32_t offset, void *data, unsigned len)
{
	struct virtio_blk *blk = vp->device;

	memcpy(data, blk->config + offset, len);
}

static void fill_config(struct virtio_blk *blk, unsigned nr_queues)
{
	uint8_t *c = blk->config;

	le_put(c + 0, blk->img->size_bytes / SECTOR_BYTES, 8);     /* capacity */
	le_put(c + 12, VIRTQ_MAX_SEGS - 2, 4);                      /* seg_max: + header, status */
	le_put(c + 20, SECTOR_BYTES, 4);                            /* blk_size */
	le_put(c + 34, nr_queues, 2);                               /* num_queues */
	le_put(c + 36, MAX_RANGE_SECTORS, 4);                       /* max_discard_sectors */
	le_put(c + 40, 1, 4);                                       /* max_discard_seg */
	le_put(c + 44, RANGE_ALIGN_SECTORS, 4);                     /* discard_sector_alignment */
	le_put(c + 48, MAX_RANGE_SECTORS, 4);                       /* max_write_zeroes_sectors */
	le_put(c + 52, 1, 4);                                       /* max_write_zeroes_seg */
	c[56] = 1;                                                  /* write_zeroes_may_unmap */
}

static uint64_t features(const struct disk_image *img)
{
	uint64_t f = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
		     1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_MQ;

	if (img->cfg->readonly)
		return f | 1ull << VIRTIO_BLK_F_RO;
	return f | 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
}

int virtio_blk_init(struct virtio_blk *blk, const struct disk_image *img, unsigned nr_queues,
		    const struct virtio_host *host, uint64_t bar_gpa)
{
	int r;

	memset(blk, 0, sizeof(*blk));
	blk->io_done.fd = -1;
	if (nr_queues == 0 || nr_queues > VIRTIO_MAX_QUEUES)
		nr_queues = nr_queues ? VIRTIO_MAX_QUEUES : 1;
	blk->img = img;
	blk->loop = host->loop;
	blk->ops = (struct virtio_device_ops){
		.name = "virtio-blk", .device_id = VIRTIO_ID_BLOCK, .pci_class = PCI_CLASS_STORAGE_SCSI,
		.features = features(img), .nr_queues = nr_queues, .queue_notify = blk_notify,
		.config_read = blk_config_read, .config_bytes = VIRTIO_BLK_CONFIG_BYTES,
		.reset = blk_reset,
	};
	fill_config(blk, nr_queues);
	blk->reqs = calloc((size_t)nr_queues * VIRTIO_QUEUE_SIZE, sizeof(*blk->reqs));
	if (!blk->reqs)
		return -ENOMEM;
	r = io_ring_init(&blk->io, nr_queues * VIRTIO_QUEUE_SIZE);
	if (r)
		return r;
	blk->io_done = (struct ev_handler){ .fd = blk->io.event_fd, .cb = on_io_done, .opaque = blk };
	if (evloop_add(host->loop, &blk->io_done, EPOLLIN)) {
		blk->io_done.fd = -1;
		return -errno;
	}
	return virtio_pci_init(&blk->vp, &blk->ops, blk, host, bar_gpa);
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (blk->io.ready)
		io_ring_reap(&blk->io, true, on_complete, blk);
	if (blk->io_done.fd >= 0)
		evloop_del(blk->loop, &blk->io_done);
	virtio_pci_destroy(&blk->vp);
	io_ring_destroy(&blk->io);
	free(blk->reqs);
	blk->reqs = NULL;
}

/* What a disk's state must agree on beyond the transport: a destination
 * with a different disk would hand the guest someone else's blocks. */
struct blk_state {
	uint64_t capacity_sectors;
	uint8_t readonly;
	uint16_t nr_queues;
};

static const struct vmstate_field blk_fields[] = {
	VMSTATE_FIELD(struct blk_state, capacity_sectors),
	VMSTATE_FIELD(struct blk_state, readonly),
	VMSTATE_FIELD(struct blk_state, nr_queues),
};
static const struct vmstate_desc blk_desc = {
	.name = "virtio-blk", .version = 1, .fields = blk_fields,
	.nr_fields = sizeof(blk_fields) / sizeof(blk_fields[0]),
};

static struct blk_state state_of(const struct virtio_blk *blk)
{
	return (struct blk_state){ .capacity_sectors = blk->img->size_bytes / SECTOR_BYTES,
				   .readonly = blk->img->cfg->readonly,
				   .nr_queues = (uint16_t)blk->ops.nr_queues };
}

void virtio_blk_drain(struct virtio_blk *blk)
{
	pthread_mutex_lock(&blk->vp.lock);
	io_ring_reap(&blk->io, true, on_complete, blk);
	for (unsigned q = 0; q < blk->ops.nr_queues; q++)
		virtio_pci_notify_used(&blk->vp, q);
	pthread_mutex_unlock(&blk->vp.lock);
}

ssize_t virtio_blk_save(struct virtio_blk *blk, uint8_t *buf, size_t cap)
{
	/* requests in flight finish (and reach the used rings) first: the
	 * state then holds none, and nothing is lost or done twice */
	virtio_blk_drain(blk);
	return virtio_pci_save(&blk->vp, buf, cap);
}

ssize_t virtio_blk_save_config(struct virtio_blk *blk, uint8_t *buf, size_t cap)
{
	struct blk_state st = state_of(blk);

	return vmstate_save(&blk_desc, &st, buf, cap);
}

int virtio_blk_check_config(struct virtio_blk *blk, const uint8_t *buf, size_t len, char *err,
			    int err_len)
{
	struct blk_state mine = state_of(blk), theirs;

	if (vmstate_load(&blk_desc, &theirs, buf, len, err, err_len) < 0)
		return -1;
	if (mine.capacity_sectors != theirs.capacity_sectors || mine.readonly != theirs.readonly ||
	    mine.nr_queues != theirs.nr_queues) {
		snprintf(err, err_len, "virtio-blk %s: the saved disk had %llu sectors%s and %u "
			 "queues, this one %llu%s and %u", blk->img->cfg->path,
			 (unsigned long long)theirs.capacity_sectors, theirs.readonly ? " (read-only)" : "",
			 theirs.nr_queues, (unsigned long long)mine.capacity_sectors,
			 mine.readonly ? " (read-only)" : "", mine.nr_queues);
		return -1;
	}
	return 0;
}

/* --- in the device table --- */

/* (virtio_pci_dev_* take the device for its transport) */
_Static_assert(offsetof(struct virtio_blk, vp) == 0, "the transport first");

static void blk_freeze(void *dev, bool frozen)
{
	struct virtio_blk *blk = dev;

	virtio_pci_freeze(&blk->vp, frozen);
	if (frozen)
		virtio_blk_drain(blk);
}

static ssize_t blk_save(void *dev, uint8_t *buf, size_t cap)
{
	return virtio_blk_save(dev, buf, cap);
}

static ssize_t blk_save_config(void *dev, uint8_t *buf, size_t cap)
{
	return virtio_blk_save_config(dev, buf, cap);
}

static int blk_check_config(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return virtio_blk_check_config(dev, buf, len, err, err_len);
}

static void blk_destroy(void *dev)
{
	virtio_blk_destroy(dev);
	free(dev);
}

static const struct device_ops blk_device_ops = {
	.freeze = blk_freeze, .save_config = blk_save_config, .check_config = blk_check_config,
	.save = blk_save, .load = virtio_pci_dev_load, .destroy = blk_destroy,
};

static unsigned blk_count(const struct vm_config *cfg)
{
	return cfg->nr_disks;
}

/* One per --disk, in order; a request queue per vCPU; its BAR above RAM. */
static int blk_create(const struct device_host *host, unsigned index, struct device *d)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	int r;

	if (!blk)
		return -ENOMEM;
	r = virtio_blk_init(blk, &host->disks[index], host->cfg->cpus, &host->virtio,
			    host->take_bar(host->ctx, true));
	d->ops = &blk_device_ops;       /* destroy frees what init made, even half */
	d->dev = blk;
	return r ? r : host->plug(host->ctx, &blk->vp.pci);
}

const struct device_kind virtio_blk_kind = { "virtio-blk", blk_count, blk_create };
