/* The VM's GSI routing table (KVM_SET_GSI_ROUTING replaces it whole): the
 * PC's fixed lines (PICs and IOAPIC pins) plus one MSI route per device
 * interrupt vector that uses irqfd. Devices add a route for a vector,
 * update its message when the guest reprograms the MSI-X table entry,
 * and signal it by writing the irqfd: the kernel injects the interrupt
 * without an ioctl and without meridian's vCPU threads. Thread-safe. */
#ifndef MERIDIAN_IRQ_ROUTES_H
#define MERIDIAN_IRQ_ROUTES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IRQ_ROUTES_FIRST_MSI_GSI 24     /* after the IOAPIC's pins */
#define IRQ_ROUTES_MAX_MSI 256

struct msi_msg {
	uint32_t address_lo, address_hi, data;
};

struct irq_routes {
	int vm_fd;
	pthread_mutex_t lock;
	bool msi_used[IRQ_ROUTES_MAX_MSI];
	struct msi_msg msi[IRQ_ROUTES_MAX_MSI];
};

/* Sets the PC's lines: GSIs 0-15 to the PICs, every GSI to the IOAPIC
 * pin of the same number but GSI 0 (the PIT) to pin 2. Returns 0 or -errno. */
int irq_routes_init(struct irq_routes *r, int vm_fd);
void irq_routes_destroy(struct irq_routes *r);

/* A new MSI route with msg; *gsi is its GSI. Returns 0 or -errno. */
int irq_routes_add_msi(struct irq_routes *r, const struct msi_msg *msg, unsigned *gsi);
/* The guest moved the vector: the route follows. Returns 0 or -errno. */
int irq_routes_update_msi(struct irq_routes *r, unsigned gsi, const struct msi_msg *msg);
void irq_routes_del_msi(struct irq_routes *r, unsigned gsi);

#endif
