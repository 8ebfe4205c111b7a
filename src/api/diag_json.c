#include "api/diag_json.h"

#include <stdio.h>
#include <string.h>

#include "api/qmp_json.h"
#include "kvm/kvm_clock.h"

static void add(struct json_object *o, const char *name, struct json_object *v)
{
	json_object_object_add(o, name, v);
}

static struct json_object *pvclock_json(const struct diag_pvclock *p)
{
	struct json_object *o = json_object_new_object();

	add(o, "enabled", json_object_new_boolean(p->enabled));
	add(o, "gpa", json_u64(p->gpa));
	if (p->mapped) {
		add(o, "version", json_object_new_int64(p->version));
		add(o, "flags", json_object_new_int(p->flags));
		add(o, "tsc-stable-bit", json_object_new_boolean(p->flags & PVCLOCK_TSC_STABLE_BIT));
		add(o, "guest-stopped-bit", json_object_new_boolean(p->flags & PVCLOCK_GUEST_STOPPED));
	}
	return o;
}

static struct json_object *hv_tsc_page_json(const struct diag_hv_tsc_page *h)
{
	struct json_object *o = json_object_new_object();

	add(o, "enabled", json_object_new_boolean(h->enabled));
	add(o, "gpa", json_u64(h->gpa));
	if (h->mapped) {
		add(o, "sequence", json_object_new_int64(h->sequence));
		add(o, "valid", json_object_new_boolean(h->sequence != 0 && h->sequence != 0xffffffffu));
		add(o, "scale", json_u64(h->scale));
		add(o, "offset", json_object_new_int64(h->offset));
	}
	return o;
}

static struct json_object *vcpu_clock_json(const struct diag_vcpu_clock *v, unsigned i)
{
	struct json_object *o = json_object_new_object();

	add(o, "cpu-index", json_object_new_int((int)i));
	add(o, "tsc-khz", v->has_tsc_khz ? json_object_new_int64(v->tsc_khz) : NULL);
	add(o, "tsc-offset", v->has_tsc_offset ? json_object_new_int64(v->tsc_offset) : NULL);
	add(o, "tsc", v->has_tsc ? json_u64(v->tsc) : NULL);
	if (v->has_system_time) {
		add(o, "system-time-msr", json_u64(v->system_time_msr));
		add(o, "pvclock", pvclock_json(&v->pvclock));
	}
	if (v->has_hv_tsc)
		add(o, "hv-reference-tsc", hv_tsc_page_json(&v->hv_tsc));
	return o;
}

struct json_object *diag_clock_json(const struct diag_clock *c)
{
	struct json_object *o = json_object_new_object(), *clock = json_object_new_object();
	struct json_object *vcpus = json_object_new_array();

	add(clock, "ns", json_u64(c->kvm.clock));
	add(clock, "flags", json_object_new_int64(c->kvm.flags));
	add(clock, "tsc-stable", json_object_new_boolean(c->kvm.flags & KVM_CLOCK_TSC_STABLE));
	/* the host's realtime at that kvmclock reading: KVM's own where the
	 * host has a stable TSC, else meridian's, read on both sides of the
	 * ioctl (the middle of the tightest of a few tries; error: half of it) */
	add(clock, "realtime-ns", json_u64(c->kvm.realtime));
	add(clock, "realtime-from", json_object_new_string(
		c->kvm.flags & KVM_CLOCK_REALTIME ? "kvm" : "meridian"));
	add(clock, "realtime-error-ns", json_u64(c->realtime_error_ns));
	if (c->kvm.flags & KVM_CLOCK_HOST_TSC)
		add(clock, "host-tsc", json_u64(c->kvm.host_tsc));
	add(o, "clock", clock);
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		json_object_array_add(vcpus, vcpu_clock_json(&c->vcpu[i], i));
	add(o, "vcpus", vcpus);
	return o;
}

static struct json_object *uart_json(const struct uart_view *v)
{
	struct json_object *o = json_object_new_object();

	add(o, "ier", json_object_new_int(v->ier));
	add(o, "iir", json_object_new_int(v->iir));
	add(o, "lsr", json_object_new_int(v->lsr));
	add(o, "lcr", json_object_new_int(v->lcr));
	add(o, "mcr", json_object_new_int(v->mcr));
	add(o, "thr-pending", json_object_new_boolean(v->thr_ipending));
	add(o, "line", json_object_new_boolean(v->irq_level));
	add(o, "rx-count", json_object_new_int((int)v->rx_count));
	add(o, "tx-bytes", json_u64(v->tx_bytes));
	add(o, "irq-raises", json_u64(v->irq_raises));
	return o;
}

static struct json_object *ioapic_pin_json(const struct diag_ioapic_pin *p)
{
	struct json_object *o = json_object_new_object();

	if (p->error) {
		add(o, "error", json_object_new_string(strerror(p->error)));
		return o;
	}
	add(o, "pin", json_object_new_int((int)p->pin));
	add(o, "vector", json_object_new_int((int)p->vector));
	add(o, "masked", json_object_new_boolean(p->masked));
	add(o, "trigger", json_object_new_string(p->level_triggered ? "level" : "edge"));
	add(o, "remote-irr", json_object_new_boolean(p->remote_irr));
	add(o, "delivery-pending", json_object_new_boolean(p->delivery_pending));
	add(o, "irr", json_object_new_boolean(p->irr));
	add(o, "dest", json_object_new_int((int)p->dest));
	return o;
}

struct json_object *diag_serial_json(const struct diag_serial *s)
{
	struct json_object *o = json_object_new_object(), *vcpus = json_object_new_array();

	add(o, "uart", uart_json(&s->uart));
	add(o, "ioapic-pin", ioapic_pin_json(&s->pin));
	for (unsigned i = 0; i < s->nr_vcpus; i++) {
		struct json_object *one = json_object_new_object();

		add(one, "cpu-index", json_object_new_int((int)i));
		if (s->lapic[i].read) {
			add(one, "lapic-irr", json_object_new_boolean(s->lapic[i].irr));
			add(one, "lapic-isr", json_object_new_boolean(s->lapic[i].isr));
		}
		json_object_array_add(vcpus, one);
	}
	add(o, "vcpus", vcpus);
	return o;
}

struct json_object *diag_lapic_json(const struct diag_lapic *a)
{
	static const char *const timer_modes[] = { "one-shot", "periodic", "tsc-deadline", "reserved" };
	struct json_object *o = json_object_new_object();

	add(o, "tpr", json_object_new_int((int)a->tpr));
	add(o, "ppr", json_object_new_int((int)a->ppr));
	add(o, "enabled", json_object_new_boolean(a->enabled));
	add(o, "irr-highest", json_object_new_int(a->irr_highest));
	add(o, "isr-highest", json_object_new_int(a->isr_highest));
	add(o, "timer-vector", json_object_new_int((int)a->timer_vector));
	add(o, "timer-masked", json_object_new_boolean(a->timer_masked));
	add(o, "timer-mode", json_object_new_string(timer_modes[a->timer_mode & 3]));
	add(o, "timer-initial-count", json_u64(a->timer_initial));
	add(o, "timer-current-count", json_u64(a->timer_current));
	if (a->has_deadline)
		add(o, "tsc-deadline", json_u64(a->tsc_deadline));
	return o;
}

static void add_hex(struct json_object *o, const char *name, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	add(o, name, json_object_new_string(s));
}

static void add_error(struct json_object *o, const char *what, int error)
{
	char s[96];

	snprintf(s, sizeof(s), "%s: %s", what, strerror(error));
	add(o, "error", json_object_new_string(s));
}

static struct json_object *events_json(const struct diag_vcpu *v)
{
	struct json_object *e = json_object_new_object();
	const struct kvm_vcpu_events *ev = &v->events;

	if (v->events_error) {
		add_error(e, "KVM_GET_VCPU_EVENTS", v->events_error);
		return e;
	}
	add(e, "interrupt-injected", json_object_new_boolean(ev->interrupt.injected));
	add(e, "interrupt-vector", json_object_new_int(ev->interrupt.nr));
	add(e, "interrupt-shadow", json_object_new_int(ev->interrupt.shadow));
	add(e, "exception-injected", json_object_new_boolean(ev->exception.injected));
	add(e, "exception-vector", json_object_new_int(ev->exception.nr));
	add(e, "nmi-pending", json_object_new_boolean(ev->nmi.pending));
	add(e, "nmi-masked", json_object_new_boolean(ev->nmi.masked));
	return e;
}

struct json_object *diag_vcpu_json(const struct diag_vcpu *v)
{
	static const char *const mp_states[] = {
		"runnable", "uninitialized", "init-received", "halted", "sipi-received", "stopped",
	};
	struct json_object *o = json_object_new_object();

	add(o, "cpu-index", json_object_new_int((int)v->index));
	if (v->failed) {
		add_error(o, v->failed, v->error);
		return o;
	}
	add_hex(o, "rip", v->rip);
	add_hex(o, "rsp", v->rsp);
	add_hex(o, "rflags", v->rflags);
	add(o, "interrupts-enabled", json_object_new_boolean(v->rflags & (1u << 9)));
	add(o, "cpl", json_object_new_int((int)v->cpl));
	add_hex(o, "cr0", v->cr0);
	add_hex(o, "cr3", v->cr3);
	add_hex(o, "cr4", v->cr4);
	add_hex(o, "efer", v->efer);
	if (v->mp_state >= 0 && (unsigned)v->mp_state < sizeof(mp_states) / sizeof(mp_states[0]))
		add(o, "mp-state", json_object_new_string(mp_states[v->mp_state]));
	if (v->has_tsc)
		add(o, "tsc", json_u64(v->tsc));
	add(o, "events", events_json(v));
	if (v->lapic_error) {
		struct json_object *a = json_object_new_object();

		add_error(a, "KVM_GET_LAPIC", v->lapic_error);
		add(o, "lapic", a);
	} else {
		add(o, "lapic", diag_lapic_json(&v->lapic));
	}
	return o;
}
