/* `meridian cpu explain`: what a CPU model shows the guest, and what a
 * Linux and a Windows guest will do with it, in plain words. */
#ifndef MERIDIAN_EXPLAIN_H
#define MERIDIAN_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm.h>

#include "cpu/hyperv.h"

struct explain_facts {
	const char *spec;
	const struct kvm_cpuid2 *host;          /* KVM_GET_SUPPORTED_CPUID */
	const struct kvm_cpuid2 *guest;         /* after the model */
	unsigned cpus;
	int clock_flags;                        /* KVM_GET_CLOCK flags, -1 unknown */
	const char *unusable;                   /* why this KVM cannot boot stock kernels */
	int host_tsc_khz;                       /* <= 0: unknown */
	bool tsc_scaling;                       /* KVM_CAP_TSC_CONTROL */
	uint32_t guest_tsc_khz;                 /* tsc-frequency=, 0: the host's */
	const struct hv_config *hv;             /* the model's enlightenments, NULL: none */
	bool pv_enforced;                       /* KVM refuses PV MSRs CPUID does not offer */
	bool hv_enforced;                       /* the same for Hyper-V MSRs and hypercalls */
	/* NULL: host is this machine's KVM. Else the host facts are unknown
	 * (no /dev/kvm here) and host is the named baseline (cpu_baseline.h). */
	const char *baseline;
	const char *baseline_why;               /* why: "/dev/kvm: No such file ..." */
};

void explain_text(FILE *out, const struct explain_facts *f);
void explain_json(FILE *out, const struct explain_facts *f);

#endif
