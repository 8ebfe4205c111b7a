#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid_table.h"

#include "cpu/cpuid_topology.h"

/* A small "supported CPUID" table, as KVM might return it. */
static struct kvm_cpuid2 *table(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 1, .eax = 0x00800f12, .ebx = 0x00000800, .ecx = 0x80000000 },
		{ .function = 4, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x121 },
		{ .function = 4, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0 },
		{ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x80000001, .ecx = 0x2 },
		{ .function = 0x80000008, .ecx = 0x7007 },
		{ .function = 0x8000001e, .eax = 0x1234, .ebx = 0x100 },
	};
	return CPUID_TABLE(entries);
}

static void bits_for_counts(void **state)
{
	assert_int_equal(cpuid_bits_for(1), 0);
	assert_int_equal(cpuid_bits_for(2), 1);
	assert_int_equal(cpuid_bits_for(3), 2);
	assert_int_equal(cpuid_bits_for(4), 2);
	assert_int_equal(cpuid_bits_for(5), 3);
	assert_int_equal(cpuid_bits_for(254), 8);
}

static void apic_ids_and_counts(void **state)
{
	struct kvm_cpuid2 *c = table();
	struct kvm_cpuid_entry2 *e;

	cpuid_set_topology(c, 2, 3);
	e = cpuid_find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 2);                      /* initial APIC ID */
	assert_int_equal((e->ebx >> 16) & 0xff, 4);             /* logical count, pow2 */
	assert_int_equal(e->ebx & 0xffff, 0x0800);              /* CLFLUSH kept */
	assert_true(e->edx & (1u << 28));                       /* HTT */
	assert_true(e->ecx & (1u << 31));                       /* hypervisor */
	assert_int_equal(cpuid_find(c, 4, 0)->eax >> 26, 2);    /* cores - 1 */
	assert_int_equal(cpuid_find(c, 4, 0)->eax & 0x3ffffff, 0x121);
	assert_int_equal(cpuid_find(c, 4, 1)->eax, 0);          /* null subleaf kept */

	e = cpuid_find(c, 0xb, 0);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 1);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, 2);
	e = cpuid_find(c, 0xb, 1);
	assert_int_equal(e->eax, 2);
	assert_int_equal(e->ebx, 3);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, 2);
	e = cpuid_find(c, 0xb, 2);
	assert_int_equal(e->ebx, 0);
	assert_int_equal((e->ecx >> 8) & 0xff, 0);              /* invalid level ends the list */

	assert_true(cpuid_find(c, 0x80000001, 0)->ecx & 2);     /* CmpLegacy */
	assert_int_equal(cpuid_find(c, 0x80000008, 0)->ecx & 0xf0ff, 0x2002);
	assert_int_equal(cpuid_find(c, 0x8000001e, 0)->eax, 2);
	assert_int_equal(cpuid_find(c, 0x8000001e, 0)->ebx, 2);
	free(c);
}

static void single_cpu_has_no_htt(void **state)
{
	struct kvm_cpuid2 *c = table();

	cpuid_find(c, 1, 0)->edx |= 1u << 28;
	cpuid_set_topology(c, 0, 1);
	assert_false(cpuid_find(c, 1, 0)->edx & (1u << 28));
	assert_int_equal((cpuid_find(c, 1, 0)->ebx >> 16) & 0xff, 1);
	assert_false(cpuid_find(c, 0x80000001, 0)->ecx & 2);
	assert_int_equal(cpuid_find(c, 0x80000008, 0)->ecx & 0xf0ff, 0);
	assert_null(cpuid_find(c, 0x40000000, 0));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bits_for_counts),
		cmocka_unit_test(apic_ids_and_counts),
		cmocka_unit_test(single_cpu_has_no_htt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
