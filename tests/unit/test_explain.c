#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid_table.h"

#include "cpu/cpu_baseline.h"
#include "cpu/cpu_model.h"
#include "cpu/explain.h"

static struct kvm_cpuid2 *host_table(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 1, .ecx = 1u << 21 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56,
		  .edx = 0x4d },
		{ .function = 0x40000001, .eax = (1u << 0) | (1u << 3) | (1u << 5) | (1u << 7) |
						 (1u << 9) | (1u << 11) },
		{ .function = 0x80000007, .edx = 1u << 8 },
	};
	return CPUID_TABLE(entries);
}

static struct kvm_cpuid2 *hv_table(void)
{
	static const struct kvm_cpuid_entry2 entries[] = {
		{ .function = 0x40000003, .eax = 0x2fff, .edx = (1u << 8) | (1u << 10) },
		{ .function = 0x40000004, .eax = (1u << 2) | (1u << 3) | (1u << 5) | (1u << 10) | (1u << 11) },
	};
	return CPUID_TABLE(entries);
}

/* explain's output for a spec, as one string */
static char *explain(const char *spec, unsigned cpus, bool json)
{
	struct kvm_cpuid2 *host = host_table(), *hv = hv_table(), *guest;
	struct cpu_host h = { .supported = host, .hv_supported = hv };
	struct explain_facts f = { .spec = spec, .host = host, .cpus = cpus, .clock_flags = 0 };
	struct cpu_model m;
	char err[160], *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(cpu_model_parse(spec, &m, err, sizeof(err)), 0);
	guest = cpu_model_build(&m, &h, err, sizeof(err));
	assert_non_null(guest);
	f.guest = guest;
	f.hv = &m.hv;
	if (json)
		explain_json(out, &f);
	else
		explain_text(out, &f);
	fclose(out);
	free(guest);
	free(host);
	free(hv);
	return buf;
}

static void default_model_in_words(void **state)
{
	char *t = explain("host", 2, false);

	assert_non_null(strstr(t, "  0x00000001.0 ecx: 0x00200000 -> 0x80200000 +hypervisor\n"));
	assert_non_null(strstr(t, "  0x80000007.0 edx: 0x00000100 -> 0x00000000 -invtsc\n"));
	assert_non_null(strstr(t, "  detect KVM (\"Hypervisor detected: KVM\")\n"));
	assert_non_null(strstr(t, "  use the clocksource kvm-clock "));
	assert_non_null(strstr(t, "  use PV spinlocks (\"kvm-guest: PV spinlocks enabled\")\n"));
	assert_non_null(strstr(t, "  use PV TLB flush"));       /* needs steal time: present */
	assert_null(strstr(t, "PV end-of-interrupt"));          /* host has no pv-eoi */
	assert_non_null(strstr(t, "the host TSC is not stable"));
	free(t);
	t = explain("host", 1, false);
	assert_null(strstr(t, "PV spinlocks"));                 /* one vCPU: Linux skips them */
	free(t);
}

static void kvm_hidden_in_words(void **state)
{
	char *t = explain("host,kvm=off", 1, false);

	assert_non_null(strstr(t, "  0x40000000.0: removed\n"));
	assert_non_null(strstr(t, "  know it is virtual (CPUID.1:ECX[31])"));
	assert_non_null(strstr(t, "  use the clocksource acpi_pm "));
	assert_non_null(strstr(t, "  use no KVM paravirtual feature"));
	free(t);
	t = explain("host,kvm=off,+invtsc,-hypervisor", 1, false);
	assert_non_null(strstr(t, "  use the clocksource tsc "));
	assert_non_null(strstr(t, "  believe it runs on bare metal"));
	free(t);
}

static void json_lists_the_hypervisor_leaves(void **state)
{
	char *j = explain("host,-kvm-pv-ipi", 2, true);

	assert_non_null(strstr(j, "\"model\": \"host,-kvm-pv-ipi\""));
	assert_non_null(strstr(j, "{\"leaf\": 1073741824, \"index\": 0, \"eax\": 1073741825, "
				  "\"ebx\": 1263359563, \"ecx\": 1447775574, \"edx\": 77}"));
	/* pv-ipi (bit 11) is gone from 0x40000001 */
	assert_non_null(strstr(j, "{\"leaf\": 1073741825, \"index\": 0, \"eax\": 681, "));
	assert_non_null(strstr(j, "\"hypervisor_bit\": true"));
	assert_non_null(strstr(j, "\"host\": {\"tsc_stable\": false, \"tsc_khz\": 0, \"tsc_scaling\": false}"));
	free(j);
}

static void hyperv_in_words(void **state)
{
	char *t = explain("host,kvm=off,hv-relaxed,hv-vpindex,hv-time", 1, false);

	assert_non_null(strstr(t, "  detect Microsoft Hyper-V (\"Hypervisor detected: Microsoft Hyper-V\")\n"));
	assert_non_null(strstr(t, "  use the clocksource hyperv_clocksource_tsc_page (the Hyper-V "
				  "reference TSC page; invalid on this host"));
	assert_non_null(strstr(t, "  detect Hyper-V and use its enlightenments: hv-relaxed hv-vpindex hv-time\n"));
	free(t);
	/* without VP index Linux ignores Hyper-V (seen in the lab: acpi_pm) */
	t = explain("host,kvm=off,hv-time", 1, false);
	assert_non_null(strstr(t, "  ignore the Hyper-V interface: Linux needs its hypercall and VP index MSRs"));
	assert_non_null(strstr(t, "  use the clocksource acpi_pm "));
	assert_null(strstr(t, "Hypervisor detected"));
	free(t);
	t = explain("host,hv-relaxed", 1, false);
	assert_non_null(strstr(t, "  detect KVM "));            /* KVM (at 0x40000100) wins in Linux */
	assert_non_null(strstr(t, "  use the clocksource kvm-clock "));
	free(t);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* No /dev/kvm: explained against the baseline, said first, host facts
 * said unknown in words and in JSON (tsc_stable null). */
static void baseline_says_host_facts_unknown(void **state)
{
	struct cpu_host h;
	struct cpu_model m;
	bool pv, hv;
	char err[160], *buf = NULL;
	size_t len = 0;
	FILE *out;
	struct explain_facts f = { .spec = "host,hv-relaxed,hv-vpindex,hv-time", .cpus = 2,
				   .clock_flags = -1, .baseline = CPU_BASELINE_NAME,
				   .baseline_why = "/dev/kvm: No such file or directory" };

	assert_int_equal(cpu_baseline_host(&h, &pv, &hv), 0);
	assert_true(pv && hv && h.tsc_deadline);
	assert_int_equal(cpu_model_parse(f.spec, &m, err, sizeof(err)), 0);
	f.host = h.supported;
	f.guest = cpu_model_build(&m, &h, err, sizeof(err));
	assert_non_null(f.guest);
	f.hv = &m.hv;
	out = open_memstream(&buf, &len);
	explain_text(out, &f);
	fclose(out);
	assert_true(starts_with(buf, "Host facts unknown (/dev/kvm: No such file or directory): "
				"explained against the baseline AMD EPYC"));
	assert_non_null(strstr(buf, "differs from the baseline's KVM_GET_SUPPORTED_CPUID"));
	assert_non_null(strstr(buf, "valid only where the host's TSC is stable"));
	assert_null(strstr(buf, "Host facts now"));
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	explain_json(out, &f);
	fclose(out);
	assert_true(starts_with(buf, "{\n  \"host_facts\": \"unknown\",\n  \"baseline\": \"AMD EPYC"));
	assert_non_null(strstr(buf, "\"tsc_stable\": null"));
	free(buf);
	free((void *)f.guest);
	cpu_baseline_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_model_in_words),
		cmocka_unit_test(kvm_hidden_in_words),
		cmocka_unit_test(json_lists_the_hypervisor_leaves),
		cmocka_unit_test(hyperv_in_words),
		cmocka_unit_test(baseline_says_host_facts_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
