#include "core/vcpu_view.h"

#include <stdio.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "core/machine_priv.h"
#include "kvm/kvm_clock.h"

#define RFLAGS_IF (1u << 9)

static const char *const mp_states[] = {
	"runnable", "uninitialized", "init-received", "halted", "sipi-received", "stopped",
};

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned offset)
{
	uint32_t v;

	memcpy(&v, l->regs + offset, 4);
	return v;
}

bool vcpu_view_apic_bit(const struct kvm_lapic_state *l, unsigned offset, unsigned vector)
{
	return apic_reg(l, offset + vector / 32 * 0x10) >> (vector % 32) & 1;
}

/* The highest vector set in a 256-bit APIC register (IRR, ISR), or -1. */
static int apic_highest(const struct kvm_lapic_state *l, unsigned offset)
{
	for (int word = 7; word >= 0; word--) {
		uint32_t bits = apic_reg(l, offset + (unsigned)word * 0x10);

		if (bits)
			return word * 32 + 31 - __builtin_clz(bits);
	}
	return -1;
}

static void add_hex(struct json_object *o, const char *name, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, name, json_object_new_string(s));
}

static void add_error(struct json_object *o, const char *what)
{
	char s[96];

	snprintf(s, sizeof(s), "%s: %s", what, strerror(errno));
	json_object_object_add(o, "error", json_object_new_string(s));
}

struct json_object *vcpu_view_lapic(const struct kvm_lapic_state *l, bool has_deadline,
				    uint64_t tsc_deadline)
{
	static const char *const timer_modes[] = { "one-shot", "periodic", "tsc-deadline", "reserved" };
	struct json_object *a = json_object_new_object();
	uint32_t lvtt = apic_reg(l, APIC_LVTT);

	json_object_object_add(a, "tpr", json_object_new_int((int)apic_reg(l, APIC_TPR)));
	json_object_object_add(a, "ppr", json_object_new_int((int)apic_reg(l, APIC_PPR)));
	json_object_object_add(a, "enabled", json_object_new_boolean(apic_reg(l, APIC_SVR) >> 8 & 1));
	json_object_object_add(a, "irr-highest", json_object_new_int(apic_highest(l, APIC_IRR)));
	json_object_object_add(a, "isr-highest", json_object_new_int(apic_highest(l, APIC_ISR)));
	json_object_object_add(a, "timer-vector", json_object_new_int((int)(lvtt & 0xff)));
	json_object_object_add(a, "timer-masked", json_object_new_boolean(lvtt >> 16 & 1));
	json_object_object_add(a, "timer-mode", json_object_new_string(timer_modes[lvtt >> 17 & 3]));
	json_object_object_add(a, "timer-initial-count", json_u64(apic_reg(l, APIC_TMICT)));
	json_object_object_add(a, "timer-current-count", json_u64(apic_reg(l, APIC_TMCCT)));
	if (has_deadline)
		json_object_object_add(a, "tsc-deadline", json_u64(tsc_deadline));
	return a;
}

static void add_lapic(struct json_object *o, int fd)
{
	struct kvm_lapic_state l;
	uint64_t deadline = 0;
	bool has_deadline;

	if (ioctl(fd, KVM_GET_LAPIC, &l) < 0) {
		struct json_object *a = json_object_new_object();

		add_error(a, "KVM_GET_LAPIC");
		json_object_object_add(o, "lapic", a);
		return;
	}
	has_deadline = kvm_vcpu_get_msr(fd, MSR_IA32_TSC_DEADLINE, &deadline) == 0;
	json_object_object_add(o, "lapic", vcpu_view_lapic(&l, has_deadline, deadline));
}

static void add_events(struct json_object *o, int fd)
{
	struct json_object *e = json_object_new_object();
	struct kvm_vcpu_events ev;

	if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) < 0) {
		add_error(e, "KVM_GET_VCPU_EVENTS");
	} else {
		json_object_object_add(e, "interrupt-injected", json_object_new_boolean(ev.interrupt.injected));
		json_object_object_add(e, "interrupt-vector", json_object_new_int(ev.interrupt.nr));
		json_object_object_add(e, "interrupt-shadow", json_object_new_int(ev.interrupt.shadow));
		json_object_object_add(e, "exception-injected", json_object_new_boolean(ev.exception.injected));
		json_object_object_add(e, "exception-vector", json_object_new_int(ev.exception.nr));
		json_object_object_add(e, "nmi-pending", json_object_new_boolean(ev.nmi.pending));
		json_object_object_add(e, "nmi-masked", json_object_new_boolean(ev.nmi.masked));
	}
	json_object_object_add(o, "events", e);
}

struct json_object *vcpu_view_json(int fd, unsigned index)
{
	struct json_object *o = json_object_new_object();
	struct kvm_mp_state mp;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t tsc;

	json_object_object_add(o, "cpu-index", json_object_new_int((int)index));
	if (ioctl(fd, KVM_GET_REGS, &r) < 0) {
		add_error(o, "KVM_GET_REGS");
		return o;
	}
	if (ioctl(fd, KVM_GET_SREGS, &s) < 0) {
		add_error(o, "KVM_GET_SREGS");
		return o;
	}
	add_hex(o, "rip", r.rip);
	add_hex(o, "rsp", r.rsp);
	add_hex(o, "rflags", r.rflags);
	json_object_object_add(o, "interrupts-enabled", json_object_new_boolean(r.rflags & RFLAGS_IF));
	json_object_object_add(o, "cpl", json_object_new_int(s.cs.selector & 3));
	add_hex(o, "cr0", s.cr0);
	add_hex(o, "cr3", s.cr3);
	add_hex(o, "cr4", s.cr4);
	add_hex(o, "efer", s.efer);
	if (ioctl(fd, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state < sizeof(mp_states) / sizeof(mp_states[0]))
		json_object_object_add(o, "mp-state", json_object_new_string(mp_states[mp.mp_state]));
	if (kvm_vcpu_get_msr(fd, MSR_IA32_TSC, &tsc) == 0)
		json_object_object_add(o, "tsc", json_u64(tsc));
	add_events(o, fd);
	add_lapic(o, fd);
	return o;
}
