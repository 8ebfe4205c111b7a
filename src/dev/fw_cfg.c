#include "dev/fw_cfg.h"

#include <endian.h>
#include <string.h>

#define FW_CFG_ID_TRADITIONAL 1u        /* I/O ports; no DMA */

static int item_add(struct fw_cfg *fw, uint16_t key, const void *data, size_t bytes)
{
	if (fw->nr_items == FW_CFG_MAX_ITEMS || bytes > FW_CFG_DATA_BYTES - fw->data_used)
		return -1;
	memcpy(fw->data + fw->data_used, data, bytes);
	fw->items[fw->nr_items++] = (struct fw_cfg_item){
		.key = key, .offset = fw->data_used, .bytes = (uint32_t)bytes };
	fw->data_used += (uint32_t)bytes;
	return 0;
}

static int u16_add(struct fw_cfg *fw, uint16_t key, uint16_t v)
{
	uint16_t le = htole16(v);

	return item_add(fw, key, &le, sizeof(le));
}

/* Named items: a key from FW_CFG_FILE_FIRST on, listed in the directory. */
struct fw_cfg_file {
	uint32_t size_be;
	uint16_t select_be;
	uint16_t reserved;
	char name[FW_CFG_NAME_BYTES];
};

static int files_add(struct fw_cfg *fw, const char *const *names, const void *const *data,
		     const size_t *bytes, unsigned n)
{
	struct {
		uint32_t count_be;
		struct fw_cfg_file f[4];
	} dir = { .count_be = htobe32(n) };

	if (n > sizeof(dir.f) / sizeof(dir.f[0]))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		uint16_t key = FW_CFG_FILE_FIRST + i;

		dir.f[i].size_be = htobe32((uint32_t)bytes[i]);
		dir.f[i].select_be = htobe16(key);
		strncpy(dir.f[i].name, names[i], FW_CFG_NAME_BYTES - 1);
		if (item_add(fw, key, data[i], bytes[i]))
			return -1;
	}
	fw->nr_files = (uint16_t)n;
	return item_add(fw, FW_CFG_FILE_DIR, &dir, 4 + n * sizeof(dir.f[0]));
}

int fw_cfg_init(struct fw_cfg *fw, const struct fw_cfg_machine *m)
{
	static const uint8_t uuid[16];
	uint32_t id = htole32(FW_CFG_ID_TRADITIONAL);
	uint64_t ram = htole64(m->ram_bytes);
	uint32_t cmdline_bytes = htole32((uint32_t)strlen(m->cmdline) + 1);
	const char *names[] = { "etc/e820" };
	const void *data[] = { m->e820 };
	size_t bytes[] = { m->e820_bytes };

	memset(fw, 0, sizeof(*fw));
	if (item_add(fw, FW_CFG_SIGNATURE, "QEMU", 4) ||
	    item_add(fw, FW_CFG_ID, &id, sizeof(id)) ||
	    item_add(fw, FW_CFG_UUID, uuid, sizeof(uuid)) ||
	    item_add(fw, FW_CFG_RAM_SIZE, &ram, sizeof(ram)) ||
	    u16_add(fw, FW_CFG_NOGRAPHIC, 1) ||
	    u16_add(fw, FW_CFG_NB_CPUS, m->cpus) ||
	    u16_add(fw, FW_CFG_MAX_CPUS, m->cpus) ||
	    item_add(fw, FW_CFG_CMDLINE_SIZE, &cmdline_bytes, sizeof(cmdline_bytes)) ||
	    item_add(fw, FW_CFG_CMDLINE_DATA, m->cmdline, strlen(m->cmdline) + 1) ||
	    files_add(fw, names, data, bytes, m->e820 ? 1 : 0))
		return -1;
	return 0;
}

static void select_key(struct fw_cfg *fw, uint16_t key)
{
	fw->selected = NULL;
	fw->read_pos = 0;
	for (unsigned i = 0; i < fw->nr_items; i++)
		if (fw->items[i].key == key)
			fw->selected = &fw->items[i];
}

/* The next byte of the selected item; 0 past its end or without one. */
static uint8_t next_byte(struct fw_cfg *fw)
{
	const struct fw_cfg_item *it = fw->selected;

	if (!it || fw->read_pos >= it->bytes)
		return 0;
	return fw->data[it->offset + fw->read_pos++];
}

uint32_t fw_cfg_io_read(void *opaque, uint16_t offset, unsigned size)
{
	struct fw_cfg *fw = opaque;
	uint32_t v = 0;

	if (offset == 0)
		return 0;       /* the selector port reads as 0, as on QEMU */
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)next_byte(fw) << (8 * i);
	return v;
}

void fw_cfg_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct fw_cfg *fw = opaque;

	/* Writing items (the data port) is not supported: dropped, as QEMU
	 * does since 2.4. */
	if (offset == 0 && size >= 2)
		select_key(fw, (uint16_t)value);
}
