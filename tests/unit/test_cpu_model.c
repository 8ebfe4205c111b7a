#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid_table.h"

#include "cpu/cpu_model.h"
#include "cpu/cpuid_topology.h"

/* A host: leaf 0 "AuthenticAMD", leaf 1 with avx but not tsc-deadline or
 * the hypervisor bit (as KVM reports it), invtsc, and the KVM leaves with
 * kvmclock, pv-eoi, pv-unhalt, pv-ipi. */
static struct kvm_cpuid2 *host_table(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 0, .eax = 0x10, .ebx = 0x68747541, .edx = 0x69746e65, .ecx = 0x444d4163 },
		{ .function = 1, .ecx = (1u << 28) | (1u << 21), .edx = 1 },
		{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 1u << 5 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
		{ .function = 0x40000001, .eax = (1u << 0) | (1u << 3) | (1u << 6) | (1u << 7) | (1u << 11) },
		{ .function = 0x80000007, .edx = 1u << 8 },
	};
	return CPUID_TABLE(entries);
}

static struct kvm_cpuid2 *build(const char *spec, bool tsc_deadline, char *err)
{
	struct kvm_cpuid2 *host = host_table();
	struct cpu_host h = { .supported = host, .tsc_deadline = tsc_deadline };
	struct cpu_model m;
	struct kvm_cpuid2 *out;

	if (cpu_model_parse(spec, &m, err, 160))
		return NULL;
	out = cpu_model_build(&m, &h, err, 160);
	free(host);
	return out;
}

static bool on(const struct kvm_cpuid2 *c, const char *name)
{
	return cpu_feature_on(c, cpu_feature_find(name));
}

static void parse_errors_name_the_bad_part(void **state)
{
	struct cpu_model m;
	char err[160];

	assert_int_equal(cpu_model_parse("host,frobnicate", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown feature 'frobnicate'");
	assert_int_equal(cpu_model_parse("host,kvm-pv-eoi=maybe", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "kvm-pv-eoi=maybe: expected on or off");
	assert_int_equal(cpu_model_parse("skylake", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown CPU model 'skylake' (known: host)");
	assert_int_equal(cpu_model_parse("", &m, err, sizeof(err)), -1);
	assert_int_equal(cpu_model_parse("host,vendor=Intel", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "vendor=Intel: the vendor string has exactly 12 characters");
	assert_int_equal(cpu_model_parse("host,+nosuch", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown feature 'nosuch'");
	assert_int_equal(cpu_model_parse("host,kvm=sometimes", &m, err, sizeof(err)), -1);
	assert_int_equal(cpu_model_parse("host,tsc-frequency=2.6GHz", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "tsc-frequency=2.6GHz: expected a frequency in Hz (e.g. 2600000000)");
	assert_int_equal(cpu_model_parse("host,tsc-frequency=12", &m, err, sizeof(err)), -1);
}

static void parse_forms(void **state)
{
	struct cpu_model m;
	char err[160];

	assert_int_equal(cpu_model_parse("host,+invtsc,-hypervisor,kvm-pv-eoi=off,x2apic,"
					 "kvm=off,sse4_2=on", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nr_reqs, 5);
	assert_string_equal(m.reqs[0].feature->name, "invtsc");
	assert_true(m.reqs[0].on);
	assert_string_equal(m.reqs[1].feature->name, "hypervisor");
	assert_false(m.reqs[1].on);
	assert_false(m.reqs[2].on);
	assert_true(m.reqs[3].on);
	assert_string_equal(m.reqs[4].feature->name, "sse4.2");  /* _ as in QEMU */
	assert_true(m.kvm_hidden);
	assert_int_equal(m.tsc_khz, 0);
	assert_int_equal(cpu_model_parse("host,tsc-frequency=2600000000", &m, err, sizeof(err)), 0);
	assert_int_equal(m.tsc_khz, 2600000);
	assert_int_equal(cpu_model_parse("host", &m, err, sizeof(err)), 0);
	assert_int_equal(m.nr_reqs, 0);
	assert_false(m.kvm_hidden);
	/* CPUID enforcement: on by default, QEMU's names to turn it off */
	assert_false(m.pv_enforce_off);
	assert_false(m.hv_enforce_off);
	assert_int_equal(cpu_model_parse("host,-kvm-pv-enforce-cpuid,hv-enforce-cpuid=off", &m,
					 err, sizeof(err)), 0);
	assert_true(m.pv_enforce_off);
	assert_true(m.hv_enforce_off);
	assert_int_equal(m.nr_reqs, 0);
	assert_int_equal(cpu_model_parse("host,kvm-pv-enforce-cpuid=off,+kvm-pv-enforce-cpuid", &m,
					 err, sizeof(err)), 0);
	assert_false(m.pv_enforce_off);
	assert_int_equal(cpu_model_parse("host,hv-enforce-cpuid=maybe", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "hv-enforce-cpuid=maybe: expected on or off");
}

static void defaults_of_host_model(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host", true, err);

	assert_non_null(c);
	assert_true(on(c, "hypervisor"));       /* the VMM adds it */
	assert_true(on(c, "tsc-deadline"));     /* from the KVM capability */
	assert_false(on(c, "invtsc"));          /* off unless asked */
	assert_true(on(c, "avx"));
	assert_true(on(c, "kvmclock"));
	assert_true(on(c, "kvm-pv-eoi"));
	assert_non_null(cpuid_find(c, 0x40000000, 0));
	free(c);
	c = build("host", false, err);
	assert_false(on(c, "tsc-deadline"));
	free(c);
}

static void features_on_and_off(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host,-hypervisor,kvm-pv-eoi=off,+invtsc,-avx", true, err);

	assert_non_null(c);
	assert_false(on(c, "hypervisor"));
	assert_false(on(c, "kvm-pv-eoi"));
	assert_true(on(c, "kvm-pv-unhalt"));    /* only the one asked for */
	assert_true(on(c, "kvm-pv-ipi"));
	assert_true(on(c, "invtsc"));
	assert_false(on(c, "avx"));
	assert_true(on(c, "x2apic"));
	free(c);
}

static void kvm_off_hides_the_signature(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host,kvm=off", true, err);

	assert_non_null(c);
	assert_null(cpuid_find(c, 0x40000000, 0));
	assert_null(cpuid_find(c, 0x40000001, 0));
	assert_non_null(cpuid_find(c, 0x80000007, 0));
	assert_true(on(c, "hypervisor"));       /* the bit is separate from the signature */
	free(c);
	assert_null(build("host,kvm=off,kvm-pv-eoi=on", true, err));
	assert_string_equal(err, "kvm-pv-eoi needs the KVM signature, which kvm=off hides");
}

static void host_must_support_what_is_asked(void **state)
{
	char err[160];

	assert_null(build("host,+avx2,+rdseed", true, err));
	assert_string_equal(err, "rdseed is not supported by this host");
	assert_null(build("host,kvm-steal-time=on", true, err));
	assert_string_equal(err, "kvm-steal-time is not supported by this host");
	assert_null(build("host,+tsc-deadline", false, err));
	assert_string_equal(err, "tsc-deadline is not supported by this host");
	/* turning off what the host lacks is fine */
	free(build("host,-rdseed", true, err));
}

static void vendor_string(void **state)
{
	char err[160], v[13] = { 0 };
	struct kvm_cpuid2 *c = build("host,vendor=GenuineIntel", true, err);
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0, 0);

	memcpy(v, &e->ebx, 4);
	memcpy(v + 4, &e->edx, 4);
	memcpy(v + 8, &e->ecx, 4);
	assert_string_equal(v, "GenuineIntel");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_errors_name_the_bad_part),
		cmocka_unit_test(parse_forms),
		cmocka_unit_test(defaults_of_host_model),
		cmocka_unit_test(features_on_and_off),
		cmocka_unit_test(kvm_off_hides_the_signature),
		cmocka_unit_test(host_must_support_what_is_asked),
		cmocka_unit_test(vendor_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
