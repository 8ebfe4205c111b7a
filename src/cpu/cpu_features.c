#include "cpu/cpu_features.h"

#include <stddef.h>
#include <string.h>

#define F(n, l, r, b, w) { n, l, 0, r, 1u << (b), w }
#define F7(n, r, b, w) { n, 7, 0, r, 1u << (b), w }
#define PV(n, mask, w) { n, KVM_CPUID_FEATURES, 0, R_EAX, mask, w }

static const struct cpu_feature features[] = {
	F("hypervisor", 1, R_ECX, 31, "tells the guest it runs on a hypervisor"),
	F("x2apic", 1, R_ECX, 21, "x2APIC mode for the local APIC"),
	F("tsc-deadline", 1, R_ECX, 24, "TSC-deadline mode of the APIC timer"),
	F("pcid", 1, R_ECX, 17, "process-context identifiers (cheaper TLB flushes)"),
	F("xsave", 1, R_ECX, 26, "XSAVE state management (needed for AVX)"),
	F("vmx", 1, R_ECX, 5, "Intel VT-x for nested guests"),
	F("sse3", 1, R_ECX, 0, "SSE3"),
	F("pclmulqdq", 1, R_ECX, 1, "carry-less multiplication"),
	F("ssse3", 1, R_ECX, 9, "SSSE3"),
	F("fma", 1, R_ECX, 12, "fused multiply-add"),
	F("cx16", 1, R_ECX, 13, "CMPXCHG16B"),
	F("sse4.1", 1, R_ECX, 19, "SSE4.1"),
	F("sse4.2", 1, R_ECX, 20, "SSE4.2"),
	F("movbe", 1, R_ECX, 22, "MOVBE"),
	F("popcnt", 1, R_ECX, 23, "POPCNT"),
	F("aes", 1, R_ECX, 25, "AES-NI"),
	F("avx", 1, R_ECX, 28, "AVX"),
	F("f16c", 1, R_ECX, 29, "half-precision conversion"),
	F("rdrand", 1, R_ECX, 30, "RDRAND"),
	F7("fsgsbase", R_EBX, 0, "user-mode FS/GS base instructions"),
	F7("bmi1", R_EBX, 3, "BMI1"),
	F7("avx2", R_EBX, 5, "AVX2"),
	F7("smep", R_EBX, 7, "supervisor-mode execution prevention"),
	F7("bmi2", R_EBX, 8, "BMI2"),
	F7("erms", R_EBX, 9, "fast REP MOVSB/STOSB"),
	F7("invpcid", R_EBX, 10, "INVPCID"),
	F7("avx512f", R_EBX, 16, "AVX-512 foundation"),
	F7("rdseed", R_EBX, 18, "RDSEED"),
	F7("adx", R_EBX, 19, "ADX"),
	F7("smap", R_EBX, 20, "supervisor-mode access prevention"),
	F7("clflushopt", R_EBX, 23, "CLFLUSHOPT"),
	F7("sha-ni", R_EBX, 29, "SHA extensions"),
	F7("umip", R_ECX, 2, "user-mode instruction prevention"),
	F7("pku", R_ECX, 3, "memory protection keys"),
	F7("la57", R_ECX, 16, "5-level paging"),
	F7("md-clear", R_EDX, 10, "VERW clears CPU buffers (MDS mitigation)"),
	F7("spec-ctrl", R_EDX, 26, "IBRS/IBPB speculation control"),
	F7("arch-capabilities", R_EDX, 29, "IA32_ARCH_CAPABILITIES MSR"),
	F7("ssbd", R_EDX, 31, "speculative store bypass disable"),
	F("svm", 0x80000001, R_ECX, 2, "AMD-V for nested guests"),
	F("lahf-lm", 0x80000001, R_ECX, 0, "LAHF/SAHF in 64-bit mode"),
	F("abm", 0x80000001, R_ECX, 5, "LZCNT"),
	F("sse4a", 0x80000001, R_ECX, 6, "SSE4a"),
	F("pdpe1gb", 0x80000001, R_EDX, 26, "1 GiB pages"),
	F("rdtscp", 0x80000001, R_EDX, 27, "RDTSCP"),
	F("invtsc", 0x80000007, R_EDX, 8, "invariant TSC: the guest trusts the TSC as its clock"),

	PV("kvmclock", (1u << 0) | (1u << 3), "kvm-clock, the paravirtual clocksource"),
	PV("kvm-nopiodelay", 1u << 1, "no delay I/O to port 0x80"),
	PV("kvm-mmu", 1u << 2, "paravirtual MMU (obsolete)"),
	PV("kvm-asyncpf", 1u << 4, "asynchronous page faults"),
	PV("kvm-steal-time", 1u << 5, "steal time accounting"),
	PV("kvm-pv-eoi", 1u << 6, "paravirtual end-of-interrupt"),
	PV("kvm-pv-unhalt", 1u << 7, "paravirtual spinlocks (halt and kick)"),
	PV("kvm-pv-tlb-flush", 1u << 9, "paravirtual remote TLB flush"),
	PV("kvm-asyncpf-vmexit", 1u << 10, "async PF delivered as a VM exit (nested)"),
	PV("kvm-pv-ipi", 1u << 11, "paravirtual IPIs (one hypercall for many CPUs)"),
	PV("kvm-poll-control", 1u << 12, "host-side halt polling control"),
	PV("kvm-pv-sched-yield", 1u << 13, "yield to a preempted vCPU"),
	PV("kvm-asyncpf-int", 1u << 14, "async PF 'page ready' as an interrupt"),
	PV("kvm-msi-ext-dest-id", 1u << 15, "extended MSI destination IDs (> 255 CPUs without IOMMU)"),
	PV("kvmclock-stable-bit", 1u << 24, "kvm-clock may be stable across CPUs"),
};

/* QEMU treats '-', '_' and '.' in feature names alike (sse4.2 = sse4_2). */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		bool sep_a = strchr("-_.", *a) != NULL, sep_b = strchr("-_.", *b) != NULL;

		if (sep_a != sep_b || (!sep_a && *a != *b))
			return false;
	}
	return *a == *b;
}

const struct cpu_feature *cpu_feature_find(const char *name)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (same_name(features[i].name, name))
			return &features[i];
	return NULL;
}

const struct cpu_feature *cpu_feature_at(unsigned i)
{
	return i < sizeof(features) / sizeof(features[0]) ? &features[i] : NULL;
}

bool cpu_feature_is_kvm_pv(const struct cpu_feature *f)
{
	return f->leaf == KVM_CPUID_FEATURES;
}
