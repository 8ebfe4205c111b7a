#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "core/vcpu_view.h"

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

static const char *field(struct json_object *o, const char *name)
{
	return json_object_to_json_string(json_object_object_get(o, name));
}

/* The APIC pages below are written at the offsets the SDM gives (0x80
 * TPR, 0x100 ISR, 0x200 IRR, 0x320 LVT timer, ...), not with vcpu_view.h's
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
	assert_true(vcpu_view_apic_bit(&l, APIC_ISR, 0x22));
	assert_false(vcpu_view_apic_bit(&l, APIC_ISR, 0x23));
	assert_true(vcpu_view_apic_bit(&l, APIC_IRR, 0x31));
	assert_false(vcpu_view_apic_bit(&l, APIC_IRR, 0x22));
	o = vcpu_view_lapic(&l, true, 123456789012ull);
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
	o = vcpu_view_lapic(&l, false, 0);
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
	o = vcpu_view_lapic(&l, true, 0);
	assert_string_equal(field(o, "irr-highest"), "255");
	assert_string_equal(field(o, "isr-highest"), "0");
	assert_string_equal(field(o, "timer-mode"), "\"reserved\"");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_linux),
		cmocka_unit_test(test_apic_shut_down),
		cmocka_unit_test(test_vector_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
