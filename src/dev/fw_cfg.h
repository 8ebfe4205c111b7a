/* QEMU's firmware configuration device, traditional I/O interface only:
 * the guest writes a 16-bit key to the selector port and reads the item's
 * bytes one at a time from the data port. Enough for the small
 * freestanding test kernels written for QEMU (signature, CPU count, RAM
 * size, command line, the file directory). No DMA interface. */
#ifndef MERIDIAN_FW_CFG_H
#define MERIDIAN_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511

/* Keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h) */
#define FW_CFG_SIGNATURE    0x00
#define FW_CFG_ID           0x01
#define FW_CFG_UUID         0x02
#define FW_CFG_RAM_SIZE     0x03
#define FW_CFG_NOGRAPHIC    0x04
#define FW_CFG_NB_CPUS      0x05
#define FW_CFG_MAX_CPUS     0x0f
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_FILE_DIR     0x19
#define FW_CFG_FILE_FIRST   0x20

#define FW_CFG_MAX_ITEMS  16
#define FW_CFG_DATA_BYTES 8192
#define FW_CFG_NAME_BYTES 56

struct fw_cfg_item {
	uint16_t key;
	uint32_t offset;        /* into fw_cfg.data */
	uint32_t bytes;
};

struct fw_cfg {
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned nr_items;
	uint8_t data[FW_CFG_DATA_BYTES];
	uint32_t data_used;
	uint16_t nr_files;
	const struct fw_cfg_item *selected;     /* NULL: the key has no item */
	uint32_t read_pos;
};

struct fw_cfg_machine {
	uint64_t ram_bytes;
	uint16_t cpus;
	const char *cmdline;
	const void *e820;       /* "etc/e820": packed {u64 addr, u64 len, u32 type} */
	size_t e820_bytes;
};

/* Fills the items from the machine's facts. Returns 0 or -1 when they do
 * not fit. */
int fw_cfg_init(struct fw_cfg *fw, const struct fw_cfg_machine *m);

uint32_t fw_cfg_io_read(void *opaque, uint16_t offset, unsigned size);
void fw_cfg_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);

#endif
