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
#include "cpu/hyperv.h"

/* What KVM_GET_SUPPORTED_HV_CPUID reports on a host without eVMCS and
 * without direct-mode stimers. */
static struct kvm_cpuid2 *hv_host(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 0x40000000, .eax = 0x4000000a, .ebx = 0x756e694c },
		{ .function = 0x40000001, .eax = 0x31237648 },
		{ .function = 0x40000002, .eax = 0x3839, .ebx = 0xa0000 },
		{ .function = 0x40000003, .eax = 0x2fff, .ebx = 0x30, .edx = (1u << 8) | (1u << 10) },
		{ .function = 0x40000004, .eax = (1u << 2) | (1u << 3) | (1u << 5) | (1u << 10) | (1u << 11),
		  .ebx = 0xfff },
		{ .function = 0x40000005, .eax = 1024, .ebx = 64 },
	};
	return CPUID_TABLE(entries);
}

static struct kvm_cpuid2 *kvm_host(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 1 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
		{ .function = 0x40000001, .eax = 1 },
	};
	return CPUID_TABLE(entries);
}

static struct kvm_cpuid2 *build(const char *spec, char *err, bool with_hv)
{
	struct kvm_cpuid2 *k = kvm_host(), *h = hv_host(), *out = NULL;
	struct cpu_host host = { .supported = k, .hv_supported = with_hv ? h : NULL };
	struct cpu_model m;

	if (!cpu_model_parse(spec, &m, err, 160))
		out = cpu_model_build(&m, &host, err, 160);
	free(k);
	free(h);
	return out;
}

static void dependencies(void **state)
{
	char err[128];

	assert_int_equal(hv_check_dependencies(1u << HV_SYNIC, err, sizeof(err)), -1);
	assert_string_equal(err, "hv-synic needs hv-vpindex");
	assert_int_equal(hv_check_dependencies((1u << HV_STIMER) | (1u << HV_TIME), err,
					       sizeof(err)), -1);
	assert_string_equal(err, "hv-stimer needs hv-synic");
	assert_int_equal(hv_check_dependencies(1u << HV_TLBFLUSH, err, sizeof(err)), -1);
	assert_string_equal(err, "hv-tlbflush needs hv-vpindex");
	assert_int_equal(hv_check_dependencies(1u << HV_IPI, err, sizeof(err)), -1);
	assert_int_equal(hv_check_dependencies(1u << HV_EVMCS, err, sizeof(err)), -1);
	assert_string_equal(err, "hv-evmcs needs hv-vapic");
	assert_int_equal(hv_check_dependencies(1u << HV_STIMER_DIRECT | 1u << HV_SYNIC |
					       1u << HV_VPINDEX | 1u << HV_TIME, err, sizeof(err)), -1);
	assert_string_equal(err, "hv-stimer-direct needs hv-stimer");
	assert_int_equal(hv_check_dependencies((1u << HV_STIMER) | (1u << HV_SYNIC) |
					       (1u << HV_TIME) | (1u << HV_VPINDEX), err,
					       sizeof(err)), 0);
}

static void leaves_with_kvm_hidden(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host,kvm=off,hv-relaxed,hv-vpindex,hv-time,hv-synic,"
				     "hv-stimer,hv-frequencies,hv-spinlocks=0x1fff", err, true);
	struct kvm_cpuid_entry2 *e;

	assert_non_null(c);
	e = cpuid_find(c, 0x40000000, 0);
	assert_int_equal(e->eax, 0x4000000a);
	assert_memory_equal(&e->ebx, "Micr", 4);                /* default vendor id */
	assert_memory_equal(&e->edx, "t Hv", 4);
	assert_int_equal(cpuid_find(c, 0x40000001, 0)->eax, 0x31237648);
	e = cpuid_find(c, 0x40000003, 0);
	/* hypercall 5, runtime no, time 1+9, synic 2, stimer 3, vpindex 6, frequencies 11 */
	assert_int_equal(e->eax, (1u << 5) | (1u << 1) | (1u << 9) | (1u << 2) | (1u << 3) |
				 (1u << 6) | (1u << 11));
	assert_int_equal(e->edx, 1u << 8);
	e = cpuid_find(c, 0x40000004, 0);
	assert_int_equal(e->eax, 1u << 5);                      /* relaxed timing */
	assert_int_equal(e->ebx, 0x1fff);
	assert_int_equal(cpuid_find(c, 0x40000005, 0)->eax, 1024);
	assert_null(cpuid_find(c, 0x40000100, 0));              /* KVM hidden */
	free(c);
}

static void kvm_moves_up_when_visible(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host,hv-relaxed,hv-vendor-id=KVMtest", err, true);

	assert_non_null(c);
	assert_int_equal(cpuid_find(c, 0x40000100, 0)->ebx, 0x4b4d564b);
	assert_int_equal(cpuid_find(c, 0x40000101, 0)->eax, 1);
	assert_memory_equal(&cpuid_find(c, 0x40000000, 0)->ebx, "KVMtest     ", 4);
	assert_int_equal(cpuid_find(c, 0x40000004, 0)->ebx, 0xffffffff);   /* never notify */
	free(c);
}

static void host_must_have_it(void **state)
{
	char err[160];

	assert_null(build("host,kvm=off,hv-relaxed", err, false));
	assert_string_equal(err, "this host's KVM has no Hyper-V emulation (KVM_CAP_SYS_HYPERV_CPUID)");
	assert_null(build("host,hv-vapic,hv-evmcs", err, true));
	assert_string_equal(err, "hv-evmcs is not supported by this host");
	assert_null(build("host,hv-vpindex,hv-synic,hv-time,hv-stimer,hv-stimer-direct", err, true));
	assert_string_equal(err, "hv-stimer-direct is not supported by this host");
	assert_null(build("host,hv-spinlocks", err, true));
	assert_string_equal(err, "hv-spinlocks needs a value (hv-spinlocks=N)");
	assert_null(build("host,hv-vendor-id=ThirteenChars", err, true));
	assert_null(build("host,hv-bogus", err, true));
	assert_string_equal(err, "unknown feature 'hv-bogus'");
}

static void passthrough_takes_what_the_host_has(void **state)
{
	char err[160];
	struct kvm_cpuid2 *c = build("host,kvm=off,hv-passthrough", err, true);

	assert_non_null(c);
	/* everything in the host's features except eVMCS / direct stimers */
	assert_int_equal(cpuid_find(c, 0x40000003, 0)->eax & 0x2fff, 0x2aff & 0x2fff);
	assert_int_equal(cpuid_find(c, 0x40000004, 0)->eax,
			 (1u << 2) | (1u << 3) | (1u << 5) | (1u << 10) | (1u << 11));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dependencies),
		cmocka_unit_test(leaves_with_kvm_hidden),
		cmocka_unit_test(kvm_moves_up_when_visible),
		cmocka_unit_test(host_must_have_it),
		cmocka_unit_test(passthrough_takes_what_the_host_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
