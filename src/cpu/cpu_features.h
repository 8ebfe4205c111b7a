/* Named CPUID features, with QEMU's names: ordinary CPUID flags and the
 * KVM paravirtual features of leaf 0x40000001. */
#ifndef MERIDIAN_CPU_FEATURES_H
#define MERIDIAN_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

enum cpuid_reg { R_EAX, R_EBX, R_ECX, R_EDX };

#define KVM_CPUID_SIGNATURE 0x40000000u
#define KVM_CPUID_FEATURES  0x40000001u

struct cpu_feature {
	const char *name;
	uint32_t leaf, index;
	enum cpuid_reg reg;
	uint32_t mask;
	const char *what;       /* plain words for `cpu explain` */
};

/* NULL when the name is unknown. */
const struct cpu_feature *cpu_feature_find(const char *name);
/* Iteration: NULL past the end. */
const struct cpu_feature *cpu_feature_at(unsigned i);
bool cpu_feature_is_kvm_pv(const struct cpu_feature *f);

#endif
