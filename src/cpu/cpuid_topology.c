#include "cpu/cpuid_topology.h"

#include <stddef.h>

#define CPUID1_EDX_HTT        (1u << 28)
#define CPUIDX1_ECX_CMP_LEGACY (1u << 1)
#define TOPO_LEVEL_SMT  1
#define TOPO_LEVEL_CORE 2

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid, uint32_t leaf, uint32_t index)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != leaf)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

unsigned cpuid_bits_for(unsigned count)
{
	unsigned bits = 0;

	while ((1u << bits) < count)
		bits++;
	return bits;
}

/* Leaves 0xb and 0x1f: subleaf 0 is the SMT level (1 thread per core),
 * subleaf 1 the core level, anything above is invalid. */
static void set_ext_topology(struct kvm_cpuid2 *cpuid, uint32_t leaf, unsigned apic_id,
			     unsigned cpus)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != leaf)
			continue;
		e->edx = apic_id;
		if (e->index == 0) {
			e->eax = 0;
			e->ebx = 1;
			e->ecx = (TOPO_LEVEL_SMT << 8) | 0;
		} else if (e->index == 1) {
			e->eax = cpuid_bits_for(cpus);
			e->ebx = cpus;
			e->ecx = (TOPO_LEVEL_CORE << 8) | 1;
		} else {
			e->eax = 0;
			e->ebx = 0;
			e->ecx = e->index & 0xff;
		}
	}
}

void cpuid_set_topology(struct kvm_cpuid2 *cpuid, unsigned index, unsigned cpus)
{
	unsigned core_bits = cpuid_bits_for(cpus);
	unsigned apic_id = index;
	struct kvm_cpuid_entry2 *e;

	e = cpuid_find(cpuid, 1, 0);
	if (e) {
		e->ebx = (e->ebx & 0x0000ffffu) | (apic_id << 24) |
			 ((cpus > 1 ? (1u << core_bits) : 1u) << 16);
		if (cpus > 1)
			e->edx |= CPUID1_EDX_HTT;
		else
			e->edx &= ~CPUID1_EDX_HTT;
	}
	/* Intel deterministic cache leaf: cores per package - 1 in EAX[31:26]. */
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		e = &cpuid->entries[i];
		if (e->function == 4 && (e->eax & 0x1f))
			e->eax = (e->eax & 0x03ffffffu) | (((cpus - 1) & 0x3f) << 26);
	}
	set_ext_topology(cpuid, 0xb, apic_id, cpus);
	set_ext_topology(cpuid, 0x1f, apic_id, cpus);

	/* AMD: core count and APIC ID size, extended APIC ID. */
	e = cpuid_find(cpuid, 0x80000001, 0);
	if (e) {
		if (cpus > 1)
			e->ecx |= CPUIDX1_ECX_CMP_LEGACY;
		else
			e->ecx &= ~CPUIDX1_ECX_CMP_LEGACY;
	}
	e = cpuid_find(cpuid, 0x80000008, 0);
	if (e)
		e->ecx = (e->ecx & ~0xf0ffu) | (core_bits << 12) | ((cpus - 1) & 0xff);
	e = cpuid_find(cpuid, 0x8000001e, 0);
	if (e) {
		e->eax = apic_id;
		e->ebx = apic_id & 0xff;        /* core id; 1 thread per core */
		e->ecx = 0;                     /* node 0, 1 node per package */
	}
}
