/* virtio-hostile: plays a malicious virtio driver against the virtio-blk
 * device at PCI slot DEV (no kernel driver bound), through its BAR mapped
 * from sysfs: rings outside guest RAM, a descriptor loop, a buffer outside
 * RAM. Each must leave the device in DEVICE_NEEDS_RESET and nothing else;
 * after a reset a well-formed read must work and return the disk's first
 * bytes. Prints "HOSTILE CASE needs_reset=0|1" and "HOSTILE read status=S
 * data=TEXT". Physical addresses come from /proc/self/pagemap (root). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define QSIZE 8
#define NEEDS_RESET 0x40

struct common {
	uint32_t dfselect, df, gfselect, gf;
	uint16_t msix_config, num_queues;
	uint8_t status, generation;
	uint16_t q_select, q_size, q_msix, q_enable, q_notify_off;
	uint64_t q_desc, q_avail, q_used;
} __attribute__((packed));

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static volatile struct common *cfg;
static volatile uint16_t *notify;
static uint8_t *page;           /* rings, header, status: one locked page */
static uint8_t *data;           /* the read's buffer: another */
static uint64_t page_pa, data_pa;

static uint64_t phys(void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8 || !(e >> 63)) {
		perror("pagemap");
		exit(1);
	}
	close(fd);
	return (e & ((1ull << 55) - 1)) * 4096;
}

static void reset(void)
{
	cfg->status = 0;
	while (cfg->status)
		;
}

/* Brings the device up with queue 0 at desc/avail/used, then kicks it. */
static void start(uint64_t desc, uint64_t avail, uint64_t used)
{
	reset();
	cfg->status = 1 | 2;
	cfg->gfselect = 1;
	cfg->gf = 1;                    /* VERSION_1 */
	cfg->gfselect = 0;
	cfg->gf = 0;
	cfg->status = 1 | 2 | 8;
	cfg->q_select = 0;
	cfg->q_size = QSIZE;
	cfg->q_desc = desc;
	cfg->q_avail = avail;
	cfg->q_used = used;
	cfg->q_enable = 1;
	cfg->status = 1 | 2 | 8 | 4;
	notify[0] = 0;
	usleep(200000);
}

static struct desc *ring_desc(void) { return (struct desc *)page; }
static uint16_t *ring_avail(void) { return (uint16_t *)(page + 128); }
static volatile uint16_t *ring_used_idx(void) { return (volatile uint16_t *)(page + 256 + 2); }

/* One chain made available at head 0, rings in `page`. */
static void offer(void)
{
	ring_avail()[0] = 0;
	ring_avail()[2] = 0;
	__sync_synchronize();
	ring_avail()[1] = 1;
	start(page_pa, page_pa + 128, page_pa + 256);
}

static void report(const char *name)
{
	printf("HOSTILE %s needs_reset=%d\n", name, !!(cfg->status & NEEDS_RESET));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char path[128];
	int fd;
	void *bar;

	if (argc != 2)
		return 2;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
	fd = open(path, O_RDWR | O_SYNC);
	bar = fd < 0 ? MAP_FAILED : mmap(NULL, 0x8000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	page = aligned_alloc(4096, 4096);
	data = aligned_alloc(4096, 4096);
	if (bar == MAP_FAILED || !page || !data || mlock(page, 4096) || mlock(data, 4096)) {
		perror(path);
		return 1;
	}
	memset(page, 0, 4096);
	memset(data, 0, 4096);
	page_pa = phys(page);
	data_pa = phys(data);
	cfg = bar;
	notify = (volatile uint16_t *)((uint8_t *)bar + 0x3000 + 4 * 0);

	/* 1: rings far outside guest RAM */
	start(1ull << 45, (1ull << 45) + 128, (1ull << 45) + 256);
	report("rings-outside-ram");

	/* 2: a descriptor that points back at itself */
	memset(page, 0, 4096);
	ring_desc()[0] = (struct desc){ page_pa + 1024, 16, 1 /* NEXT */, 0 };
	offer();
	report("descriptor-loop");

	/* 3: a buffer outside guest RAM */
	memset(page, 0, 4096);
	ring_desc()[0] = (struct desc){ page_pa + 1024, 16, 1, 1 };
	ring_desc()[1] = (struct desc){ 1ull << 44, 512, 2 /* WRITE */, 0 };
	offer();
	report("buffer-outside-ram");

	/* 4: after a reset, a well-formed read of sector 0 */
	memset(page, 0, 4096);
	memset(page + 1024, 0, 16);             /* header: VIRTIO_BLK_T_IN, sector 0 */
	page[1100] = 0xee;                      /* status */
	ring_desc()[0] = (struct desc){ page_pa + 1024, 16, 1, 1 };
	ring_desc()[1] = (struct desc){ data_pa, 512, 1 | 2, 2 };
	ring_desc()[2] = (struct desc){ page_pa + 1100, 1, 2, 0 };
	offer();
	report("well-formed");
	data[16] = 0;
	printf("HOSTILE read used=%u status=%u data=%s\n", *ring_used_idx(), page[1100],
	       (char *)data);
	reset();
	return 0;
}
