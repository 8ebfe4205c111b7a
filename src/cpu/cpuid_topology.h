/* Per-vCPU CPUID: the host's supported leaves with this vCPU's APIC ID and
 * a topology of one socket with `cpus` cores, one thread each. */
#ifndef MERIDIAN_CPUID_TOPOLOGY_H
#define MERIDIAN_CPUID_TOPOLOGY_H

#include <stdint.h>
#include <linux/kvm.h>

/* Finds leaf/subleaf in the table (subleaf ignored for leaves without
 * index significance). NULL if absent. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid, uint32_t leaf, uint32_t index);

/* Rewrites the topology and APIC ID fields of *cpuid for vCPU `index`. */
void cpuid_set_topology(struct kvm_cpuid2 *cpuid, unsigned index, unsigned cpus);

/* Bits needed to number `count` things (ceil(log2(count))). */
unsigned cpuid_bits_for(unsigned count);

#endif
