#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "api/diag_json.h"
#include "vm/diag_vcpu.h"

static void set_reg(struct kvm_lapic_state *l, unsigned offset, uint32_t v)
{
	memcpy(l->regs + offset, &v, 4);
}

/* vector's bit in the 256-bit register at offset (8 words, 16 bytes apart) */
static void set_bit(struct kvm_lapic_state *l, unsigned offset, unsigned vector)
{
	uint32_t w;

	memcpy(&w, l->regs + offset + vector / 32 * 0x10, 4);
	set_reg(l, offset + vector / 32 * 0x10, w | 1u << (vector % 32));
}

/* The local APIC as x-meridian-query-vcpus says it: read into a
 * diag_lapic (vm/diag_vcpu.c), then its JSON (api/diag_json.c). */
static struct json_object *lapic_json(const struct kvm_lapic_state *l, bool has_deadline,
				      uint64_t deadline)
{
	struct diag_lapic a;

	diag_lapic_of(l, has_deadline, deadline, &a);
	return diag_lapic_json(&a);
}

static const char *field(struct json_object *o, const char *name)
{
	return json_object_to_json_string(json_object_object_get(o, name));
}

/* The APIC pages below are written at the offsets the SDM gives (0x80
 * TPR, 0x100 ISR, 0x200 IRR, 0x320 LVT timer, ...), not with diag_vcpu.h's
 * names for them: a wrong offset there must fail these tests, not pass
 * with them. */

/* Linux running: APIC on, timer in TSC-deadline mode on vector 0xec,
 * the serial port's vector 0x22 in service, a timer interrupt and a lower
 * one waiting. */
static void test_running_linux(void **state)
{
	struct kvm_lapic_state l;
	struct json_object *o;

	memset(&l, 0, sizeof(l));
	set_reg(&l, 0x80, 0x10);                        /* TPR */
	set_reg(&l, 0xa0, 0x20);                        /* PPR */
	set_reg(&l, 0xf0, 0x1ff);                       /* SVR: enabled, spurious 0xff */
	set_reg(&l, 0x320, 0xec | 2u << 17);            /* LVTT: TSC deadline, unmasked */
	set_bit(&l, 0x100, 0x22);                       /* ISR */
	set_bit(&l, 0x200, 0x31);                       /* IRR */
	set_bit(&l, 0x200, 0xec);
	assert_true(diag_apic_bit(&l, APIC_ISR, 0x22));
	assert_false(diag_apic_bit(&l, APIC_ISR, 0x23));
	assert_true(diag_apic_bit(&l, APIC_IRR, 0x31));
	assert_false(diag_apic_bit(&l, APIC_IRR, 0x22));
	o = lapic_json(&l, true, 123456789012ull);
	assert_string_equal(field(o, "tpr"), "16");
	assert_string_equal(field(o, "ppr"), "32");
	assert_string_equal(field(o, "enabled"), "true");
	assert_string_equal(field(o, "irr-highest"), "236");
	assert_string_equal(field(o, "isr-highest"), "34");
	assert_string_equal(field(o, "timer-vector"), "236");
	assert_string_equal(field(o, "timer-masked"), "false");
	assert_string_equal(field(o, "timer-mode"), "\"tsc-deadline\"");
	assert_string_equal(field(o, "tsc-deadline"), "123456789012");
	json_object_put(o);
}

/* A guest that shut its APIC down (Linux's disable_local_APIC on a
 * panic): SVR software-disabled, LVTT masked on vector 0, nothing pending;
 * and no deadline read. */
static void test_apic_shut_down(void **state)
{
	struct kvm_lapic_state l;
	struct json_object *o;

	memset(&l, 0, sizeof(l));
	set_reg(&l, 0xf0, 0xff);
	set_reg(&l, 0x320, 1u << 16);
	set_reg(&l, 0x380, 5000);                       /* TMICT, one-shot */
	o = lapic_json(&l, false, 0);
	assert_string_equal(field(o, "enabled"), "false");
	assert_string_equal(field(o, "irr-highest"), "-1");
	assert_string_equal(field(o, "isr-highest"), "-1");
	assert_string_equal(field(o, "timer-masked"), "true");
	assert_string_equal(field(o, "timer-mode"), "\"one-shot\"");
	assert_string_equal(field(o, "timer-initial-count"), "5000");
	assert_null(json_object_object_get(o, "tsc-deadline"));
	json_object_put(o);
}

/* The lowest and highest vectors are found in their words. */
static void test_vector_edges(void **state)
{
	struct kvm_lapic_state l;
	struct json_object *o;

	memset(&l, 0, sizeof(l));
	set_bit(&l, 0x200, 0xff);
	set_bit(&l, 0x100, 0);
	set_reg(&l, 0x320, 3u << 17 | 0x40);
	o = lapic_json(&l, true, 0);
	assert_string_equal(field(o, "irr-highest"), "255");
	assert_string_equal(field(o, "isr-highest"), "0");
	assert_string_equal(field(o, "timer-mode"), "\"reserved\"");
	json_object_put(o);
}

/* x-meridian-query-clock's reply from its plain data: the pvclock page's
 * stable bit, a negative TSC offset, a vCPU whose TSC could not be read. */
static void test_clock_json(void **state)
{
	struct diag_vcpu_clock v[2] = {
		{ .has_tsc_khz = true, .tsc_khz = 2000000, .has_tsc_offset = true, .tsc_offset = -5,
		  .has_tsc = true, .tsc = 99, .has_system_time = true, .system_time_msr = 0x1001,
		  .pvclock = { .enabled = true, .mapped = true, .gpa = 0x1000, .version = 4,
			       .flags = 1 } },
		{ .has_tsc_khz = false },
	};
	struct diag_clock c = { .kvm = { .clock = 7, .flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME,
					 .realtime = 8 }, .nr_vcpus = 2, .vcpu = v };
	struct json_object *o = diag_clock_json(&c), *vcpus, *clock, *pv;

	assert_true(json_object_object_get_ex(o, "clock", &clock));
	assert_string_equal(field(clock, "tsc-stable"), "true");
	assert_string_equal(field(clock, "realtime-from"), "\"kvm\"");
	assert_true(json_object_object_get_ex(o, "vcpus", &vcpus));
	assert_int_equal(json_object_array_length(vcpus), 2);
	assert_string_equal(field(json_object_array_get_idx(vcpus, 0), "tsc-offset"), "-5");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(vcpus, 0), "pvclock", &pv));
	assert_string_equal(field(pv, "tsc-stable-bit"), "true");
	assert_string_equal(field(pv, "guest-stopped-bit"), "false");
	assert_string_equal(field(json_object_array_get_idx(vcpus, 1), "tsc-khz"), "null");
	json_object_put(o);
}

/* A vCPU whose registers could not be read says which ioctl and why. */
static void test_vcpu_error_json(void **state)
{
	struct diag_vcpu v = { .index = 3, .failed = "KVM_GET_SREGS", .error = 4 /* EINTR */ };
	struct json_object *o = diag_vcpu_json(&v);

	assert_string_equal(field(o, "cpu-index"), "3");
	assert_string_equal(field(o, "error"), "\"KVM_GET_SREGS: Interrupted system call\"");
	assert_null(json_object_object_get(o, "rip"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_linux),
		cmocka_unit_test(test_apic_shut_down),
		cmocka_unit_test(test_vector_edges),
		cmocka_unit_test(test_clock_json),
		cmocka_unit_test(test_vcpu_error_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
