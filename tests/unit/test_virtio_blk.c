#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/disk_spec.h"
#include "dev/virtio_blk.h"
#include "virtio_test_driver.h"

/* The test plays a virtio driver on a simulated guest (1 MiB of RAM) over
 * the PCI transport's BAR, against a real image file through io_uring. */
#define QSIZE 8
#define DESC_GPA  0x1000
#define AVAIL_GPA 0x2000
#define USED_GPA  0x3000
#define HDR_GPA   0x8000
#define DATA_GPA  0x10000
#define STATUS_GPA 0x9000
#define RAM_BYTES (1u << 20)
#define DISK_BYTES (1u << 20)

#define COMMON VT_COMMON
#define DEVICE_CFG VT_DEVICE_CFG
#define NOTIFY VT_NOTIFY

static struct guest_mem mem;
static struct evloop loop;
static struct virtio_blk blk;
static struct disk_config cfg;
static struct disk_image img;
static char path[] = "/tmp/meridian-blk-XXXXXX";
static uint16_t next_avail;

static void *gp(uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(&mem, gpa, len);
}

static void bar_w(uint64_t off, uint64_t v, unsigned len) { vt_write(&blk.vp, off, v, len); }
static uint64_t bar_r(uint64_t off, unsigned len) { return vt_read(&blk.vp, off, len); }

/* What a driver does to bring the device up (virtio spec 3.1.1). */
static void driver_init(void)
{
	bar_w(COMMON + 0x00, 0, 4);                     /* device_feature_select 0 */
	/* FLUSH DISCARD WRITE_ZEROES RO, as far as offered */
	vt_negotiate(&blk.vp, (uint32_t)bar_r(COMMON + 0x04, 4) &
		     (1u << 9 | 1u << 13 | 1u << 14 | 1u << 5));
	vt_queue(&blk.vp, 0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
	vt_driver_ok(&blk.vp);
}

static int make_disk(bool readonly)
{
	uint8_t *pattern = malloc(DISK_BYTES);
	int fd = mkstemp(path);

	if (fd < 0 || !pattern)
		return -1;
	for (unsigned i = 0; i < DISK_BYTES; i++)
		pattern[i] = (uint8_t)(i * 7 + i / 512);
	if (write(fd, pattern, DISK_BYTES) != DISK_BYTES)
		return -1;
	close(fd);
	free(pattern);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = path;
	cfg.readonly = readonly;
	strcpy(cfg.serial, "meridian-disk-0");
	return 0;
}

static int intx_level = -1, intx_changes;

static void record_intx(void *ctx, struct pci_device *dev, bool level)
{
	intx_level = level;
	intx_changes++;
}

static int start_device(bool readonly)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop,
					  .set_intx = record_intx };
	char err[300];

	if (!mem.base_hva && guest_mem_map(&mem, RAM_BYTES))
		return -1;
	memset(mem.base_hva, 0, RAM_BYTES);
	memset(mem.dirty_bitmap, 0, (RAM_BYTES / 4096 + 63) / 64 * 8);
	next_avail = 0;
	strcpy(path, "/tmp/meridian-blk-XXXXXX");
	if (make_disk(readonly) || disk_image_open(&img, &cfg, err, sizeof(err)) ||
	    evloop_init(&loop) || virtio_blk_init(&blk, &img, 1, &host, 0xc0000000))
		return -1;
	driver_init();
	return 0;
}

static int setup(void **state) { return start_device(false); }
static int setup_ro(void **state) { return start_device(true); }

static int teardown(void **state)
{
	virtio_blk_destroy(&blk);
	evloop_destroy(&loop);
	disk_image_close(&img);
	unlink(path);
	return 0;
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	*(struct virtq_desc *)gp(DESC_GPA + 16 * i, 16) =
		(struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

static uint16_t used_idx(void)
{
	return *(uint16_t *)gp(USED_GPA + 2, 2);
}

static uint32_t used_len(uint16_t slot)
{
	return *(uint32_t *)gp(USED_GPA + 4 + 8 * (slot % QSIZE) + 4, 4);
}

/* A request with header {type, sector} at descriptor 3*slot, data (if
 * any) in the next one, then the status byte; kicks and waits until the
 * device gives it back. Returns the status byte. */
static uint8_t request(unsigned slot, uint32_t type, uint64_t sector, uint64_t data_gpa,
		       uint32_t data_len, bool device_writes)
{
	uint8_t *hdr = gp(HDR_GPA + 16 * slot, 16);
	uint8_t *status = gp(STATUS_GPA + slot, 1);
	uint16_t *avail = gp(AVAIL_GPA, 6 + 2 * QSIZE);
	unsigned d = 3 * (slot % 2);
	uint16_t want = used_idx() + 1;

	le_put(hdr, type, 4);
	le_put(hdr + 4, 0, 4);
	le_put(hdr + 8, sector, 8);
	*status = 0xee;
	set_desc(d, HDR_GPA + 16 * slot, 16, VIRTQ_DESC_F_NEXT, d + 1);
	if (data_len) {
		set_desc(d + 1, data_gpa, data_len,
			 VIRTQ_DESC_F_NEXT | (device_writes ? VIRTQ_DESC_F_WRITE : 0), d + 2);
		set_desc(d + 2, STATUS_GPA + slot, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		set_desc(d + 1, STATUS_GPA + slot, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	avail[2 + next_avail % QSIZE] = (uint16_t)d;
	avail[1] = ++next_avail;
	bar_w(NOTIFY, 0, 2);                            /* kick queue 0 */
	for (int i = 0; i < 100 && used_idx() != want; i++)
		evloop_run_once(&loop, 50);
	assert_int_equal(used_idx(), want);
	return *status;
}

static void host_read(uint64_t off, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
}

static void config_space_describes_the_disk(void **state)
{
	assert_int_equal(bar_r(DEVICE_CFG + 0, 8), DISK_BYTES / 512);  /* capacity */
	assert_int_equal(bar_r(DEVICE_CFG + 12, 4), 254);              /* seg_max */
	assert_int_equal(bar_r(DEVICE_CFG + 20, 4), 512);              /* blk_size */
	assert_int_equal(bar_r(DEVICE_CFG + 34, 2), 1);                /* num_queues */
	assert_int_equal(bar_r(COMMON + 0x14, 1), 1 | 2 | 8 | 4);      /* features accepted */
}

static void read_returns_the_image_bytes(void **state)
{
	uint8_t want[1024];

	host_read(2 * 512, want, sizeof(want));
	assert_int_equal(request(0, 0, 2, DATA_GPA, 1024, true), 0);
	assert_memory_equal(gp(DATA_GPA, 1024), want, 1024);
	assert_int_equal(used_len(0), 1024 + 1);
	/* the device's writes are in the dirty bitmap for migration: the data
	 * pages (0x10000 is page 16) and the status byte's page (9) */
	assert_true(mem.dirty_bitmap[0] & (1ull << 16));
	assert_true(mem.dirty_bitmap[0] & (1ull << 9));
	assert_false(mem.dirty_bitmap[0] & (1ull << 20));
}

static void write_reaches_the_image(void **state)
{
	uint8_t got[4096];

	memset(gp(DATA_GPA, 4096), 0x5a, 4096);
	assert_int_equal(request(0, 1, 8, DATA_GPA, 4096, false), 0);
	host_read(8 * 512, got, sizeof(got));
	for (unsigned i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0x5a);
	assert_int_equal(request(1, 4, 0, 0, 0, false), 0);                    /* flush */
}

/* The driver did not enable MSI-X: the used buffer raises INTx, and
 * reading the ISR (the driver's interrupt handler) lowers it. */
static void intx_without_msix(void **state)
{
	intx_changes = 0;
	assert_int_equal(request(0, 0, 0, DATA_GPA, 512, true), 0);
	assert_int_equal(intx_level, 1);
	assert_int_equal(bar_r(0x1000, 1), 1);          /* ISR: a queue interrupt */
	assert_int_equal(intx_level, 0);
	assert_int_equal(bar_r(0x1000, 1), 0);          /* read clears it */
	assert_int_equal(intx_changes, 2);
	assert_int_equal(blk.vp.pci.config[PCI_INTERRUPT_PIN], 1);     /* INTA */
}

/* VIRTIO_PCI_CAP_PCI_CFG: the BAR reached through configuration space. */
static void bar_through_pci_cfg_capability(void **state)
{
	struct pci_bus bus;
	unsigned cap = blk.vp.pci_cfg_cap, dev = 1u << 15;
	uint8_t b[4];

	pci_bus_init(&bus);
	assert_int_equal(pci_bus_add(&bus, &blk.vp.pci), 1);
	assert_int_not_equal(cap, 0);
	assert_int_equal(blk.vp.pci.config[cap + 3], 5);       /* cfg_type PCI_CFG */
	b[0] = 0;
	pci_ecam_access(&bus, dev | (cap + 4), b, 1, true);     /* bar 0 */
	le_put(b, 0x14, 4);
	pci_ecam_access(&bus, dev | (cap + 8), b, 4, true);     /* offset: device_status */
	le_put(b, 1, 4);
	pci_ecam_access(&bus, dev | (cap + 12), b, 4, true);    /* length 1 */
	pci_ecam_access(&bus, dev | (cap + 16), b, 1, false);
	assert_int_equal(b[0], 1 | 2 | 8 | 4);
	/* a write through the window: queue_select 0 -> 3, read back from the BAR */
	le_put(b, 0x16, 4);
	pci_ecam_access(&bus, dev | (cap + 8), b, 4, true);
	le_put(b, 2, 4);
	pci_ecam_access(&bus, dev | (cap + 12), b, 4, true);
	le_put(b, 3, 2);
	pci_ecam_access(&bus, dev | (cap + 16), b, 2, true);
	assert_int_equal(bar_r(COMMON + 0x16, 2), 3);
	/* a misaligned or oversized window does nothing */
	le_put(b, 3, 4);
	pci_ecam_access(&bus, dev | (cap + 12), b, 4, true);
	pci_ecam_access(&bus, dev | (cap + 16), b, 4, false);
	pci_bus_destroy(&bus);
}

static void get_id_gives_the_serial(void **state)
{
	memset(gp(DATA_GPA, 20), 0xff, 20);
	assert_int_equal(request(0, 8, 0, DATA_GPA, 20, true), 0);
	assert_memory_equal(gp(DATA_GPA, 20), "meridian-disk-0\0\0\0\0\0", 20);
}

static void out_of_range_fails_alone(void **state)
{
	uint8_t want[512];

	/* the last sector reads; one past it, or a partial sector, does not */
	assert_int_equal(request(0, 0, DISK_BYTES / 512 - 1, DATA_GPA, 512, true), 0);
	assert_int_equal(request(1, 0, DISK_BYTES / 512, DATA_GPA, 512, true), 1);
	assert_int_equal(request(0, 0, DISK_BYTES / 512 - 1, DATA_GPA, 1024, true), 1);
	assert_int_equal(request(1, 0, ~0ull, DATA_GPA, 512, true), 1);
	assert_int_equal(request(0, 0, 0, DATA_GPA, 100, true), 1);
	/* and the device still works */
	host_read(0, want, sizeof(want));
	assert_int_equal(request(1, 0, 0, DATA_GPA, 512, true), 0);
	assert_memory_equal(gp(DATA_GPA, 512), want, 512);
	assert_int_equal(bar_r(COMMON + 0x14, 1) & 0x40, 0);
}

static void unknown_type_is_unsupported(void **state)
{
	assert_int_equal(request(0, 99, 0, 0, 0, false), 2);
}

static void write_zeroes_and_discard(void **state)
{
	uint8_t *range = gp(DATA_GPA, 16), got[4096];

	le_put(range, 16, 8);           /* sector 16 */
	le_put(range + 8, 8, 4);        /* 8 sectors */
	le_put(range + 12, 0, 4);
	assert_int_equal(request(0, 13, 0, DATA_GPA, 16, false), 0);
	host_read(16 * 512, got, sizeof(got));
	for (unsigned i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0);
	host_read(24 * 512, got, 1);
	assert_int_not_equal(got[0], 0);        /* and no further */
	le_put(range, 32, 8);
	assert_int_equal(request(1, 11, 0, DATA_GPA, 16, false), 0);   /* discard */
	le_put(range, DISK_BYTES / 512 - 4, 8);                         /* runs off the end */
	assert_int_equal(request(0, 13, 0, DATA_GPA, 16, false), 1);
}

static void readonly_refuses_writes(void **state)
{
	uint8_t before[512], after[512];

	host_read(0, before, sizeof(before));
	memset(gp(DATA_GPA, 512), 0x11, 512);
	assert_int_equal(request(0, 1, 0, DATA_GPA, 512, false), 1);
	host_read(0, after, sizeof(after));
	assert_memory_equal(before, after, 512);
	/* RO offered (bit 5), DISCARD not */
	bar_w(COMMON + 0x00, 0, 4);
	assert_true(bar_r(COMMON + 0x04, 4) & (1u << 5));
	assert_false(bar_r(COMMON + 0x04, 4) & (1u << 13));
	assert_int_equal(request(1, 0, 0, DATA_GPA, 512, true), 0);     /* reads work */
}

static void missing_status_byte_breaks_the_queue(void **state)
{
	uint16_t *avail = gp(AVAIL_GPA, 6 + 2 * QSIZE);

	set_desc(0, HDR_GPA, 16, 0, 0);         /* header only: nowhere to answer */
	avail[2 + next_avail % QSIZE] = 0;
	avail[1] = ++next_avail;
	bar_w(NOTIFY, 0, 2);
	assert_int_equal(bar_r(COMMON + 0x14, 1) & 0x40, 0x40);        /* NEEDS_RESET */
	bar_w(COMMON + 0x14, 1 | 2 | 8 | 4, 1);         /* the driver cannot clear it */
	assert_int_equal(bar_r(COMMON + 0x14, 1) & 0x40, 0x40);
	/* a reset brings it back */
	bar_w(COMMON + 0x14, 0, 1);
	assert_int_equal(bar_r(COMMON + 0x14, 1), 0);
	/* fresh rings first, as a driver has them (the device looks at its
	 * queues once at DRIVER_OK) */
	next_avail = 0;
	memset(gp(AVAIL_GPA, 6 + 2 * QSIZE), 0, 6 + 2 * QSIZE);
	memset(gp(USED_GPA, 6 + 8 * QSIZE), 0, 6 + 8 * QSIZE);
	driver_init();
	assert_int_equal(request(0, 0, 0, DATA_GPA, 512, true), 0);
}

static void many_requests_in_flight(void **state)
{
	uint16_t *avail = gp(AVAIL_GPA, 6 + 2 * QSIZE);
	uint8_t want[512];

	/* two reads of different sectors made available before one kick */
	for (unsigned r = 0; r < 2; r++) {
		uint8_t *hdr = gp(HDR_GPA + 16 * r, 16);
		unsigned d = 3 * r;

		le_put(hdr, 0, 4);
		le_put(hdr + 8, 100 + r, 8);
		set_desc(d, HDR_GPA + 16 * r, 16, VIRTQ_DESC_F_NEXT, d + 1);
		set_desc(d + 1, DATA_GPA + 4096 * r, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, d + 2);
		set_desc(d + 2, STATUS_GPA + r, 1, VIRTQ_DESC_F_WRITE, 0);
		avail[2 + next_avail % QSIZE] = (uint16_t)d;
		avail[1] = ++next_avail;
	}
	bar_w(NOTIFY, 0, 2);
	for (int i = 0; i < 100 && used_idx() != 2; i++)
		evloop_run_once(&loop, 50);
	assert_int_equal(used_idx(), 2);
	for (unsigned r = 0; r < 2; r++) {
		host_read((100 + r) * 512, want, sizeof(want));
		assert_memory_equal(gp(DATA_GPA + 4096 * r, 512), want, 512);
		assert_int_equal(*(uint8_t *)gp(STATUS_GPA + r, 1), 0);
	}
}

/* Save, then load into a fresh device (as a migration destination does):
 * the driver carries on with the same rings as if nothing happened. */
static void state_round_trip(void **state)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop };
	uint8_t buf[4096], want[512];
	char err[200];
	ssize_t n;

	assert_int_equal(request(0, 0, 5, DATA_GPA, 512, true), 0);
	n = virtio_blk_save(&blk, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(virtio_blk_save(&blk, buf, 10), -1);   /* too small */
	virtio_blk_destroy(&blk);
	assert_int_equal(virtio_blk_init(&blk, &img, 1, &host, 0xc0000000), 0);
	assert_int_equal(bar_r(COMMON + 0x14, 1), 0);           /* a new device knows nothing */
	if (virtio_pci_load(&blk.vp, buf, (size_t)n, err, sizeof(err)) != n)
		fail_msg("load: %s", err);
	assert_int_equal(bar_r(COMMON + 0x14, 1), 1 | 2 | 8 | 4);
	assert_int_equal(bar_r(COMMON + 0x1c, 2), 1);           /* queue 0 enabled */
	host_read(6 * 512, want, sizeof(want));
	assert_int_equal(request(1, 0, 6, DATA_GPA, 512, true), 0);
	assert_memory_equal(gp(DATA_GPA, 512), want, 512);
	assert_int_equal(used_idx(), 2);
}

static void bad_state_is_refused(void **state)
{
	const struct virtio_host host = { .vm_fd = -1, .mem = &mem, .loop = &loop };
	struct disk_config small_cfg = { 0 };
	struct disk_image small;
	uint8_t buf[4096], bad[4096];
	char err[300], small_path[] = "/tmp/meridian-small-XXXXXX";
	struct virtio_blk other;
	int fd = mkstemp(small_path);
	ssize_t n = virtio_blk_save(&blk, buf, sizeof(buf));

	assert_true(n > 0);
	/* truncated */
	assert_int_equal(virtio_pci_load(&blk.vp, buf, (size_t)n - 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bytes of state"));
	/* a version from the future (the transport's, after its name) */
	memcpy(bad, buf, (size_t)n);
	bad[1 + strlen("virtio-pci")] = 9;
	assert_int_equal(virtio_pci_load(&blk.vp, bad, (size_t)n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "virtio-pci: version 9, this meridian reads version 1"));
	/* not a state at all */
	memset(bad, 0x41, sizeof(bad));
	assert_int_equal(virtio_pci_load(&blk.vp, bad, (size_t)n, err, sizeof(err)), -1);
	/* a different disk: 512 KiB instead of 1 MiB */
	assert_int_equal(ftruncate(fd, DISK_BYTES / 2), 0);
	close(fd);
	small_cfg.path = small_path;
	assert_int_equal(disk_image_open(&small, &small_cfg, err, sizeof(err)), 0);
	assert_int_equal(virtio_blk_init(&other, &small, 1, &host, 0xc0008000), 0);
	/* the disk is the device's configuration, checked before any state */
	n = virtio_blk_save_config(&blk, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(virtio_blk_check_config(&blk, buf, (size_t)n, err, sizeof(err)), 0);
	assert_int_equal(virtio_blk_check_config(&other, buf, (size_t)n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the saved disk had 2048 sectors and 1 queues, this one 1024 and 1"));
	assert_int_equal(virtio_blk_check_config(&blk, buf, (size_t)n - 1, err, sizeof(err)), -1);
	assert_int_equal(bar_r(COMMON + 0x14, 1), 1 | 2 | 8 | 4);      /* the original is fine */
	virtio_blk_destroy(&other);
	disk_image_close(&small);
	unlink(small_path);
}

static void image_errors(void **state)
{
	struct disk_config c = { .path = "/nonexistent/disk.img" };
	struct disk_image a, b;
	char err[400], odd[] = "/tmp/meridian-odd-XXXXXX";
	int fd = mkstemp(odd);

	assert_int_equal(disk_image_open(&a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--disk path=/nonexistent/disk.img: No such file"));
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	c.path = odd;
	assert_int_equal(disk_image_open(&a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "size 3 bytes is not a whole number of 512-byte sectors"));
	unlink(odd);
	c.path = "/tmp";
	assert_int_equal(disk_image_open(&a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--disk path=/tmp: Is a directory"));
	c.readonly = true;
	assert_int_equal(disk_image_open(&a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--disk path=/tmp: not a regular file or block device"));
	c.readonly = false;
	/* the same file twice */
	c.path = path;
	assert_int_equal(disk_image_open(&a, &c, err, sizeof(err)), 0);
	assert_int_equal(disk_image_open(&b, &c, err, sizeof(err)), 0);
	assert_int_equal(disk_image_check_distinct(&b, &a, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the same file as disk 0"));
	disk_image_close(&a);
	disk_image_close(&b);
}

static void disk_specs(void **state)
{
	struct disk_config d;
	char ok[] = "path=/x.img,readonly=on,serial=abc,cache=none";
	char bad_key[] = "path=/x,speed=fast", no_path[] = "readonly=on", bad_ro[] = "path=/x,readonly=yes";
	char long_serial[] = "path=/x,serial=123456789012345678901", bad_cache[] = "path=/x,cache=unsafe";

	assert_int_equal(disk_spec_parse(ok, &d), 0);
	assert_string_equal(d.path, "/x.img");
	assert_true(d.readonly);
	assert_true(d.cache_direct);
	assert_string_equal(d.serial, "abc");
	assert_int_equal(disk_spec_parse(bad_key, &d), 1);
	assert_int_equal(disk_spec_parse(no_path, &d), 1);
	assert_int_equal(disk_spec_parse(bad_ro, &d), 1);
	assert_int_equal(disk_spec_parse(long_serial, &d), 1);
	assert_int_equal(disk_spec_parse(bad_cache, &d), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_space_describes_the_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(read_returns_the_image_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(write_reaches_the_image, setup, teardown),
		cmocka_unit_test_setup_teardown(get_id_gives_the_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(intx_without_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(bar_through_pci_cfg_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_range_fails_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_type_is_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(write_zeroes_and_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(readonly_refuses_writes, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(missing_status_byte_breaks_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(many_requests_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_state_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(image_errors, setup, teardown),
		cmocka_unit_test(disk_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
