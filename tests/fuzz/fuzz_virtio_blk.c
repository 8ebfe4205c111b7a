/* libFuzzer target: a hostile virtio-blk driver. The input is the guest's
 * memory (descriptor table at 0x0, available ring at 0x80, used ring at
 * 0x100, then headers, ranges and buffers); its first byte picks the
 * negotiated features. The device serves one kick against a real 64 KiB
 * image through io_uring, then is reset (which waits for its requests).
 * Nothing may crash or touch memory outside guest RAM (ASan watches). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/le_bytes.h"
#include "dev/virtio_blk.h"

#define RAM_BYTES (64 * 1024)
#define DISK_BYTES (64 * 1024)

static struct guest_mem mem;
static struct evloop loop;
static struct virtio_blk blk;
static struct disk_config cfg = { .serial = "fuzz" };
static struct disk_image img;

static void bar_w(uint64_t off, uint64_t v, unsigned len)
{
	uint8_t b[8];

	le_put(b, v, len);
	virtio_pci_bar_write(&blk.vp.pci, 0, off, b, len);
}

static void setup(void)
{
	static char path[] = "/tmp/meridian-fuzz-blk-XXXXXX";
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop };
	char err[300];
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, DISK_BYTES))
		abort();
	close(fd);
	cfg.path = path;
	if (guest_mem_map(&mem, RAM_BYTES) || disk_image_open(&img, &cfg, err, sizeof(err)) ||
	    evloop_init(&loop) || virtio_blk_init(&blk, &img, 1, &host, 0xc0000000))
		abort();
	unlink(path);           /* the open fd keeps it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!blk.reqs)
		setup();
	if (size < 1)
		return 0;
	memset(mem.base_hva, 0, RAM_BYTES);
	memcpy(mem.base_hva, data + 1, size - 1 < RAM_BYTES ? size - 1 : RAM_BYTES);
	bar_w(0x14, 1 | 2, 1);
	bar_w(0x08, 1, 4);
	bar_w(0x0c, 1, 4);                                      /* VERSION_1 */
	bar_w(0x08, 0, 4);
	bar_w(0x0c, (data[0] & 1 ? 1u << 28 : 0) | (data[0] & 2 ? 1u << 29 : 0) |
		    1u << 9 | 1u << 13 | 1u << 14, 4);          /* indirect, event idx, ... */
	bar_w(0x14, 1 | 2 | 8, 1);
	bar_w(0x16, 0, 2);
	bar_w(0x18, 8, 2);
	bar_w(0x20, 0x0, 8);
	bar_w(0x28, 0x80, 8);
	bar_w(0x30, 0x100, 8);
	bar_w(0x1c, 1, 2);
	bar_w(0x14, 1 | 2 | 8 | 4, 1);
	bar_w(0x3000, 0, 2);                                    /* kick */
	evloop_run_once(&loop, 0);
	bar_w(0x14, 0, 1);                                      /* reset: drains */
	return 0;
}
