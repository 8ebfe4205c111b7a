/* Hyper-V enlightenments (QEMU's hv-* names): which CPUID leaves and bits
 * each one needs (Hyper-V TLFS, "Feature and Interface Discovery"), the
 * dependency rules between them, and the leaves they produce. */
#ifndef MERIDIAN_HYPERV_H
#define MERIDIAN_HYPERV_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

enum hv_feature {
	HV_RELAXED, HV_VAPIC, HV_SPINLOCKS, HV_VPINDEX, HV_RUNTIME, HV_CRASH, HV_TIME,
	HV_SYNIC, HV_STIMER, HV_STIMER_DIRECT, HV_TLBFLUSH, HV_IPI, HV_RESET,
	HV_FREQUENCIES, HV_REENLIGHTENMENT, HV_EVMCS,
	HV_NR_FEATURES
};

#define HV_CPUID_BASE 0x40000000u
#define HV_CPUID_LAST 0x4000000au
#define HV_DEFAULT_VENDOR "Microsoft Hv"
#define HV_SPINLOCKS_NEVER 0xffffffffu

struct hv_config {
	uint32_t features;              /* bit per enum hv_feature */
	bool passthrough;               /* hv-passthrough: all the host has */
	uint32_t spinlock_retries;      /* hv-spinlocks=N */
	char vendor[13];                /* hv-vendor-id= */
};

/* The feature called name ("hv-relaxed"), or -1. */
int hv_feature_by_name(const char *name);
const char *hv_feature_name(enum hv_feature f);

/* Checks the dependency rules. Returns 0 or -1 with err naming both sides
 * ("hv-stimer needs hv-synic"). */
int hv_check_dependencies(uint32_t features, char *err, int err_len);

/* Appends the Hyper-V leaves (0x40000000..0x4000000a) for cfg to out, from
 * the host's KVM_GET_SUPPORTED_HV_CPUID table. Returns the number of
 * entries, or -1 with err naming an enlightenment the host lacks. */
int hv_build_leaves(const struct hv_config *cfg, const struct kvm_cpuid2 *host_hv,
		    struct kvm_cpuid_entry2 *out, unsigned max, char *err, int err_len);

#endif
