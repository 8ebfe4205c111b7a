#include "kvm/irq_routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#define PIC_IRQS 16
#define IOAPIC_PINS 24

/* The whole table, as KVM wants it. Under r->lock. */
static int commit(struct irq_routes *r)
{
	struct kvm_irq_routing *t;
	unsigned n = 0;
	int err;

	t = calloc(1, sizeof(*t) + (PIC_IRQS + IOAPIC_PINS + IRQ_ROUTES_MAX_MSI) *
			      sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (unsigned gsi = 0; gsi < PIC_IRQS; gsi++) {
		if (gsi == 2)
			continue;       /* the cascade */
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							    KVM_IRQCHIP_PIC_SLAVE, .pin = gsi % 8 } };
	}
	for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi } };
	}
	for (unsigned i = 0; i < IRQ_ROUTES_MAX_MSI; i++) {
		if (!r->msi_used[i])
			continue;
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = IRQ_ROUTES_FIRST_MSI_GSI + i, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = r->msi[i].address_lo,
				   .address_hi = r->msi[i].address_hi, .data = r->msi[i].data } };
	}
	t->nr = n;
	err = ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, t) < 0 ? -errno : 0;
	free(t);
	return err;
}

int irq_routes_init(struct irq_routes *r, int vm_fd)
{
	memset(r, 0, sizeof(*r));
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
	return commit(r);
}

void irq_routes_destroy(struct irq_routes *r)
{
	pthread_mutex_destroy(&r->lock);
}

int irq_routes_add_msi(struct irq_routes *r, const struct msi_msg *msg, unsigned *gsi)
{
	int err = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < IRQ_ROUTES_MAX_MSI; i++) {
		if (r->msi_used[i])
			continue;
		r->msi_used[i] = true;
		r->msi[i] = *msg;
		err = commit(r);
		if (err)
			r->msi_used[i] = false;
		else
			*gsi = IRQ_ROUTES_FIRST_MSI_GSI + i;
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

static bool valid(unsigned gsi)
{
	return gsi >= IRQ_ROUTES_FIRST_MSI_GSI &&
	       gsi < IRQ_ROUTES_FIRST_MSI_GSI + IRQ_ROUTES_MAX_MSI;
}

int irq_routes_update_msi(struct irq_routes *r, unsigned gsi, const struct msi_msg *msg)
{
	int err;

	if (!valid(gsi))
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->msi[gsi - IRQ_ROUTES_FIRST_MSI_GSI] = *msg;
	err = commit(r);
	pthread_mutex_unlock(&r->lock);
	return err;
}

void irq_routes_del_msi(struct irq_routes *r, unsigned gsi)
{
	if (!valid(gsi))
		return;
	pthread_mutex_lock(&r->lock);
	r->msi_used[gsi - IRQ_ROUTES_FIRST_MSI_GSI] = false;
	commit(r);
	pthread_mutex_unlock(&r->lock);
}
