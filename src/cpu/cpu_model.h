/* `--cpu MODEL[,FEATURE...]` in QEMU's syntax, and the CPUID table it
 * gives the guest. Model "host" starts from KVM_GET_SUPPORTED_CPUID. */
#ifndef MERIDIAN_CPU_MODEL_H
#define MERIDIAN_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "cpu/cpu_features.h"
#include "cpu/hyperv.h"

#define CPU_MODEL_MAX_REQUESTS 128
#define CPU_VENDOR_BYTES 12

struct cpu_request {
	const struct cpu_feature *feature;
	bool on;
};

struct cpu_model {
	struct cpu_request reqs[CPU_MODEL_MAX_REQUESTS];
	unsigned nr_reqs;
	bool kvm_hidden;                        /* kvm=off */
	char vendor[CPU_VENDOR_BYTES + 1];      /* "": the host's */
	uint32_t tsc_khz;                       /* tsc-frequency=, 0: the host's */
	struct hv_config hv;                    /* Hyper-V enlightenments */
	/* KVM refuses the guest the PV MSRs / Hyper-V MSRs and hypercalls its
	 * CPUID does not offer (KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
	 * KVM_CAP_HYPERV_ENFORCE_CPUID). On unless turned off with
	 * kvm-pv-enforce-cpuid=off / hv-enforce-cpuid=off (QEMU's names;
	 * QEMU's default is off). */
	bool pv_enforce_off;
	bool hv_enforce_off;
};

/* What the host offers beyond its supported CPUID table. */
struct cpu_host {
	const struct kvm_cpuid2 *supported;
	bool tsc_deadline;                      /* KVM_CAP_TSC_DEADLINE_TIMER */
	const struct kvm_cpuid2 *hv_supported;  /* KVM_GET_SUPPORTED_HV_CPUID, NULL: none */
};

/* Does the model ask for any Hyper-V enlightenment? */
bool cpu_model_has_hyperv(const struct cpu_model *m);

/* Parses a spec. Returns 0, or -1 with the reason in err (naming the bad
 * part, e.g. "unknown feature 'foo'"). */
int cpu_model_parse(const char *spec, struct cpu_model *m, char *err, int err_len);

/* The guest's CPUID table (malloc'd) for this model on this host. Returns
 * NULL with the reason in err (e.g. a feature the host lacks). */
struct kvm_cpuid2 *cpu_model_build(const struct cpu_model *m, const struct cpu_host *host,
				   char *err, int err_len);

/* A malloc'd kvm_cpuid2 holding a copy of n entries, or NULL. */
struct kvm_cpuid2 *cpuid_table_new(const struct kvm_cpuid_entry2 *entries, size_t n);

/* Is the feature on in this table? */
bool cpu_feature_on(const struct kvm_cpuid2 *cpuid, const struct cpu_feature *f);

#endif
