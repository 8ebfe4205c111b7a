#include "vm/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/guest_mem.h"
#include "kvm/kvm_clock.h"
#include "vm/diag_vcpu.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

void diag_with_vcpus_out(struct vm *vm, bool paused, void (*read)(struct vm *vm, void *ctx),
			 void *ctx)
{
	if (!paused)
		vm_pause(vm, false);
	read(vm, ctx);
	if (!paused)
		vm_resume(vm);
}

static void read_pvclock(struct vm *vm, uint64_t msr, struct diag_pvclock *p)
{
	const uint8_t *page = (msr & 1) ? guest_mem_ptr(&vm->mem, msr & ~1ull, 32) : NULL;

	p->enabled = msr & 1;
	p->gpa = msr & ~1ull;
	p->mapped = page != NULL;
	if (page) {
		memcpy(&p->version, page, 4);
		p->flags = page[29];
	}
}

static void read_hv_tsc_page(struct vm *vm, uint64_t msr, struct diag_hv_tsc_page *h)
{
	const uint8_t *page = (msr & 1) ? guest_mem_ptr(&vm->mem, msr & ~0xfffull, 24) : NULL;

	h->enabled = msr & 1;
	h->gpa = msr & ~0xfffull;
	h->mapped = page != NULL;
	if (page) {
		memcpy(&h->sequence, page, 4);
		memcpy(&h->scale, page + 8, 8);
		memcpy(&h->offset, page + 16, 8);
	}
}

struct clock_read {
	struct diag_clock *c;
	bool with_hv;
};

static void read_vcpu_clocks(struct vm *vm, void *ctx)
{
	struct clock_read *cr = ctx;

	for (unsigned i = 0; i < cr->c->nr_vcpus; i++) {
		struct diag_vcpu_clock *v = &cr->c->vcpu[i];
		int fd = vm->vcpus[i].fd;
		uint64_t off;

		v->has_tsc_khz = kvm_vcpu_tsc_khz(fd, &v->tsc_khz) == 0;
		v->has_tsc_offset = kvm_vcpu_tsc_offset(fd, &off) == 0;
		v->tsc_offset = (int64_t)off;
		v->has_tsc = kvm_vcpu_get_msr(fd, MSR_IA32_TSC, &v->tsc) == 0;
		v->has_system_time = kvm_vcpu_get_msr(fd, MSR_KVM_SYSTEM_TIME_NEW, &v->system_time_msr) == 0;
		if (v->has_system_time)
			read_pvclock(vm, v->system_time_msr, &v->pvclock);
		v->has_hv_tsc = cr->with_hv &&
				kvm_vcpu_get_msr(fd, HV_X64_MSR_REFERENCE_TSC, &v->hv_tsc_msr) == 0;
		if (v->has_hv_tsc)
			read_hv_tsc_page(vm, v->hv_tsc_msr, &v->hv_tsc);
	}
}

int diag_clock_read(struct vm *vm, bool paused, bool with_hv, struct diag_clock *c)
{
	struct clock_read cr = { .c = c, .with_hv = with_hv };
	int r;

	memset(c, 0, sizeof(*c));
	r = kvm_clock_get_realtime(vm->fd, &c->kvm, &c->realtime_error_ns);
	if (r)
		return r;
	c->vcpu = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*c->vcpu));
	if (!c->vcpu)
		return -ENOMEM;
	c->nr_vcpus = vm->nr_vcpus;
	diag_with_vcpus_out(vm, paused, read_vcpu_clocks, &cr);
	return 0;
}

void diag_clock_free(struct diag_clock *c)
{
	free(c->vcpu);
	c->vcpu = NULL;
}

static void read_ioapic_pin(int vm_fd, unsigned pin, struct diag_ioapic_pin *p)
{
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };
	uint64_t e;

	memset(p, 0, sizeof(*p));
	p->pin = pin;
	if (ioctl(vm_fd, KVM_GET_IRQCHIP, &c) < 0) {
		p->error = errno;
		return;
	}
	e = c.chip.ioapic.redirtbl[pin].bits;
	p->vector = (unsigned)(e & 0xff);
	p->masked = e >> 16 & 1;
	p->level_triggered = e >> 15 & 1;
	p->remote_irr = e >> 14 & 1;
	p->delivery_pending = e >> 12 & 1;
	p->irr = c.chip.ioapic.irr >> pin & 1;
	p->dest = (unsigned)(e >> 56);
}

static void read_lapic_bits(struct vm *vm, void *ctx)
{
	struct diag_serial *s = ctx;

	for (unsigned i = 0; i < s->nr_vcpus; i++) {
		struct kvm_lapic_state l;

		s->lapic[i].read = ioctl(vm->vcpus[i].fd, KVM_GET_LAPIC, &l) == 0;
		if (s->lapic[i].read) {
			s->lapic[i].irr = diag_apic_bit(&l, APIC_IRR, s->pin.vector);
			s->lapic[i].isr = diag_apic_bit(&l, APIC_ISR, s->pin.vector);
		}
	}
}

int diag_serial_read(struct vm *vm, bool paused, struct diag_serial *s)
{
	memset(s, 0, sizeof(*s));
	uart_view(&vm->uart, &s->uart);
	read_ioapic_pin(vm->fd, UART_COM1_IRQ, &s->pin);
	if (!s->pin.vector)
		return 0;       /* a pin without a vector: nothing to look for, no pause */
	s->lapic = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*s->lapic));
	if (!s->lapic)
		return -ENOMEM;
	s->nr_vcpus = vm->nr_vcpus;
	diag_with_vcpus_out(vm, paused, read_lapic_bits, s);
	return 0;
}

void diag_serial_free(struct diag_serial *s)
{
	free(s->lapic);
	s->lapic = NULL;
}
