#include "dev/pci.h"

#include <string.h>

#include "base/le_bytes.h"

#define LATCH_ENABLE  0x80000000u
#define HOST_BRIDGE_VENDOR 0x1b36       /* Red Hat: QEMU's "PCIe host bridge" */
#define HOST_BRIDGE_DEVICE 0x0008
#define CLASS_HOST_BRIDGE  0x060000

void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor,
		     uint16_t device, uint32_t class_code, uint16_t subsys_id)
{
	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	le_put(dev->config + PCI_VENDOR_ID, vendor, 2);
	le_put(dev->config + PCI_DEVICE_ID, device, 2);
	dev->config[PCI_CLASS_PROG] = (uint8_t)class_code;
	dev->config[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
	dev->config[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
	le_put(dev->config + PCI_SUBSYS_VENDOR, vendor, 2);
	le_put(dev->config + PCI_SUBSYS_ID, subsys_id, 2);
	/* I/O, memory, bus master, INTx disable; the interrupt line is scratch */
	le_put(dev->wmask + PCI_COMMAND, 0x0407, 2);
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

#define PCI_CAP_FIRST 0x40

uint8_t pci_device_add_cap(struct pci_device *dev, uint8_t id, const void *body,
			   unsigned body_len)
{
	uint8_t at = dev->next_cap ? dev->next_cap : PCI_CAP_FIRST;
	uint8_t *link = dev->config + PCI_CAP_PTR;

	if (at + 2 + body_len > PCI_CONFIG_BYTES)
		return 0;
	while (*link)                   /* the last capability's next pointer */
		link = dev->config + *link + 1;
	*link = at;
	dev->config[at] = id;
	dev->config[at + 1] = 0;
	memcpy(dev->config + at + 2, body, body_len);
	dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	dev->next_cap = (uint8_t)((at + 2 + body_len + 3) & ~3u);
	return at;
}

int pci_device_add_bar(struct pci_device *dev, int bar, uint64_t bytes, uint64_t gpa)
{
	uint8_t *reg = dev->config + PCI_BAR0 + 4 * bar;
	uint8_t *mask = dev->wmask + PCI_BAR0 + 4 * bar;

	if (bar < 0 || bar + 1 >= PCI_BARS || bytes < 4096 || (bytes & (bytes - 1)) ||
	    gpa % bytes || dev->bar_bytes[bar] || dev->bar_bytes[bar + 1] ||
	    (bar > 0 && dev->bar_64[bar - 1]))
		return -1;
	dev->bar_bytes[bar] = bytes;
	dev->bar_64[bar] = true;
	le_put(reg, (uint32_t)gpa | PCI_BAR_MEM_64, 4);
	le_put(reg + 4, (uint32_t)(gpa >> 32), 4);
	/* the low bits of the address are the size: the guest cannot set them */
	le_put(mask, (uint32_t)~(bytes - 1) & ~0xfu, 4);
	le_put(mask + 4, (uint32_t)~((bytes - 1) >> 32), 4);
	return 0;
}

void pci_bus_init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	pci_device_init(&bus->host_bridge, "host-bridge", HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE,
			CLASS_HOST_BRIDGE, 0);
	bus->slots[0] = &bus->host_bridge;
}

void pci_bus_destroy(struct pci_bus *bus)
{
	pthread_mutex_destroy(&bus->lock);
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *dev)
{
	for (int slot = 1; slot < PCI_SLOTS; slot++) {
		if (!bus->slots[slot]) {
			bus->slots[slot] = dev;
			return slot;
		}
	}
	return -1;
}

int pci_bus_slot_of(const struct pci_bus *bus, const struct pci_device *dev)
{
	for (int slot = 0; slot < PCI_SLOTS; slot++)
		if (bus->slots[slot] == dev)
			return slot;
	return -1;
}

uint64_t pci_bar_gpa(const struct pci_device *dev, int bar)
{
	const uint8_t *reg = dev->config + PCI_BAR0 + 4 * bar;
	uint64_t gpa;

	if (!dev->bar_bytes[bar] || !(dev->config[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return 0;
	gpa = le_get(reg, 4) & ~0xfull;
	if (dev->bar_64[bar])
		gpa |= le_get(reg + 4, 4) << 32;
	return gpa;
}

struct pci_device *pci_bus_find_mmio(struct pci_bus *bus, uint64_t gpa, unsigned len,
				     int *bar, uint64_t *offset)
{
	struct pci_device *found = NULL;

	pthread_mutex_lock(&bus->lock);
	for (int slot = 0; slot < PCI_SLOTS && !found; slot++) {
		struct pci_device *dev = bus->slots[slot];

		for (int b = 0; dev && b < PCI_BARS && !found; b++) {
			uint64_t base = pci_bar_gpa(dev, b);

			if (base && gpa >= base && gpa - base + len <= dev->bar_bytes[b]) {
				found = dev;
				*bar = b;
				*offset = gpa - base;
			}
		}
	}
	pthread_mutex_unlock(&bus->lock);
	return found;
}

/* The device the latch selects, and the register; NULL for nothing (the
 * latch disabled, another bus or function, an empty slot). */
static struct pci_device *selected(struct pci_bus *bus, unsigned *reg)
{
	uint32_t a = bus->address;

	if (!(a & LATCH_ENABLE) || (a >> 16 & 0xff) || (a >> 8 & 0x7))
		return NULL;
	*reg = a & 0xfc;
	return bus->slots[a >> 11 & 0x1f];
}

/* Register reg of dev's configuration space (bytes past it read as 0). */
static uint32_t dev_config_read(struct pci_device *dev, unsigned reg, unsigned size)
{
	uint32_t v = 0;

	if (dev->config_access)
		dev->config_access(dev, reg, size, false);
	for (unsigned i = 0; i < size && reg + i < PCI_CONFIG_BYTES; i++)
		v |= (uint32_t)dev->config[reg + i] << (8 * i);
	return v;
}

/* Only the bits of wmask change; the rest stays as the device made it. */
static void dev_config_write(struct pci_device *dev, unsigned reg, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < size && reg + i < PCI_CONFIG_BYTES; i++) {
		unsigned at = reg + i;
		uint8_t v = (uint8_t)(value >> (8 * i)), m = dev->wmask[at];

		dev->config[at] = (uint8_t)((dev->config[at] & ~m) | (v & m));
	}
	if (dev->config_access)
		dev->config_access(dev, reg, size, true);
}

static uint32_t config_read(struct pci_bus *bus, unsigned byte, unsigned size)
{
	unsigned reg;
	struct pci_device *dev = selected(bus, &reg);

	return dev ? dev_config_read(dev, reg + byte, size) : 0xffffffffu;
}

static void config_write(struct pci_bus *bus, unsigned byte, unsigned size, uint32_t value)
{
	unsigned reg;
	struct pci_device *dev = selected(bus, &reg);

	if (dev)
		dev_config_write(dev, reg + byte, size, value);
}

/* ECAM: bus << 20 | device << 15 | function << 12 | register. One bus,
 * function 0; the extended space (256-4095) of a device reads as 0 (no
 * extended capabilities), everything absent as all ones. */
void pci_ecam_access(struct pci_bus *bus, uint64_t offset, void *data, unsigned len, bool write)
{
	unsigned slot = (unsigned)(offset >> 15 & 0x1f), reg = (unsigned)(offset & 0xfff);
	bool bus0_fn0 = (offset >> 20) == 0 && (offset >> 12 & 0x7) == 0;
	struct pci_device *dev;
	uint32_t v;

	if (len == 0 || len > 4 || (len & (len - 1)) || (reg & (len - 1)) ||
	    offset >= PCI_ECAM_BYTES) {
		if (!write)
			memset(data, 0xff, len);
		return;         /* unaligned or 8-byte: not a configuration access */
	}
	pthread_mutex_lock(&bus->lock);
	dev = bus0_fn0 ? bus->slots[slot] : NULL;
	if (write) {
		if (dev)
			dev_config_write(dev, reg, len, (uint32_t)le_get(data, len));
	} else {
		v = !dev ? 0xffffffffu : reg < PCI_CONFIG_BYTES ? dev_config_read(dev, reg, len) : 0;
		le_put(data, v, len);
	}
	pthread_mutex_unlock(&bus->lock);
}

uint32_t pci_io_read(void *opaque, uint16_t offset, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint32_t v;

	pthread_mutex_lock(&bus->lock);
	if (offset < 4)
		v = offset == 0 && size == 4 ? bus->address : 0xffffffffu;
	else
		v = config_read(bus, offset - 4, size);
	pthread_mutex_unlock(&bus->lock);
	return v;
}

void pci_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct pci_bus *bus = opaque;

	pthread_mutex_lock(&bus->lock);
	if (offset == 0 && size == 4)
		bus->address = value;   /* only dword accesses reach the latch */
	else if (offset >= 4)
		config_write(bus, offset - 4, size, value);
	pthread_mutex_unlock(&bus->lock);
}
