/* The PCI bus: configuration mechanism #1 (address latch at 0xCF8, data
 * at 0xCFC) and ECAM (memory-mapped, MCFG), one bus, one function per slot. Each device has a 256-byte
 * configuration space and a mask of the bits the guest may write, so BAR
 * sizing (write all ones, read back the size) and read-only fields work
 * the same for every device with no code of their own. Slot 0 is the host
 * bridge. */
#ifndef MERIDIAN_PCI_H
#define MERIDIAN_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT    0xcfc
#define PCI_SLOTS 32
#define PCI_BARS 6
#define PCI_CONFIG_BYTES 256

/* configuration space offsets */
#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION       0x08
#define PCI_CLASS_PROG     0x09
#define PCI_HEADER_TYPE    0x0e
#define PCI_BAR0           0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID      0x2e
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_COMMAND_IO     0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_BAR_MEM_64     0x4

struct pci_device {
	const char *name;
	uint8_t config[PCI_CONFIG_BYTES];
	uint8_t wmask[PCI_CONFIG_BYTES];        /* bits the guest may change */
	uint64_t bar_bytes[PCI_BARS];           /* 0: no BAR (a 64-bit BAR's high half too) */
	bool bar_64[PCI_BARS];
	uint8_t next_cap;                       /* where the next capability goes */
	void *opaque;
	/* BAR accesses (offset and len checked against the BAR's size) */
	void (*bar_read)(struct pci_device *dev, int bar, uint64_t offset, void *data,
			 unsigned len);
	void (*bar_write)(struct pci_device *dev, int bar, uint64_t offset, const void *data,
			  unsigned len);
	/* Configuration space accesses the device wants to see (NULL: none):
	 * called before a read and after a write of [reg, reg+len), under the
	 * bus lock. */
	void (*config_access)(struct pci_device *dev, unsigned reg, unsigned len, bool write);
};

struct pci_bus {
	pthread_mutex_t lock;
	uint32_t address;                       /* the 0xCF8 latch */
	struct pci_device *slots[PCI_SLOTS];
	struct pci_device host_bridge;
};

void pci_bus_init(struct pci_bus *bus);
void pci_bus_destroy(struct pci_bus *bus);

/* Fills the identity of a device (all else zero and read-only). */
void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor,
		     uint16_t device, uint32_t class_code, uint16_t subsys_id);

/* Declares memory BAR `bar` of bytes (a power of 2, at least 4 KiB), 64-bit,
 * at gpa (the guest may move it). Returns 0 or -1 on a bad size or BAR. */
int pci_device_add_bar(struct pci_device *dev, int bar, uint64_t bytes, uint64_t gpa);

/* Appends a capability: id, then body (what follows the id and next
 * bytes). Returns its offset in configuration space, or 0 when full. */
uint8_t pci_device_add_cap(struct pci_device *dev, uint8_t id, const void *body,
			   unsigned body_len);

/* Puts dev into a free slot. Returns the slot or -1 when the bus is full. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *dev);

/* dev's slot, or -1 when it is not on the bus. */
int pci_bus_slot_of(const struct pci_bus *bus, const struct pci_device *dev);

/* Where memory BAR `bar` of dev decodes now; 0 when memory decoding is off
 * or the BAR is unset. Call under bus->lock, or from the device itself. */
uint64_t pci_bar_gpa(const struct pci_device *dev, int bar);

/* Finds the device and BAR that decode [gpa, gpa+len); sets *offset. Takes
 * the lock. Returns NULL when none does. */
struct pci_device *pci_bus_find_mmio(struct pci_bus *bus, uint64_t gpa, unsigned len,
				     int *bar, uint64_t *offset);

/* PCI Express ECAM (enhanced configuration access, announced by the MCFG
 * table): 256 buses of 1 MiB; offset is from the window's base. */
#define PCI_ECAM_BYTES (256ull << 20)
void pci_ecam_access(struct pci_bus *bus, uint64_t offset, void *data, unsigned len, bool write);

/* Port I/O handlers for 0xCF8-0xCFF (an io_bus device of 8 ports). */
uint32_t pci_io_read(void *bus, uint16_t offset, unsigned size);
void pci_io_write(void *bus, uint16_t offset, unsigned size, uint32_t value);

#endif
