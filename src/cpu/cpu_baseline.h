/* The host `meridian cpu explain` explains against where there is no
 * /dev/kvm to ask (a laptop planning guests for a server): what Linux
 * 6.1's kvm-amd offers on an AMD EPYC (Zen 1) CPU, recorded with
 * `meridian probe --cpuid` in the lab's L1 (QEMU -cpu EPYC). */
#ifndef MERIDIAN_CPU_BASELINE_H
#define MERIDIAN_CPU_BASELINE_H

#include <linux/kvm.h>

#include "cpu/cpu_model.h"

#define CPU_BASELINE_NAME "AMD EPYC (Zen 1) under Linux 6.1's kvm-amd"

/* Fills host with the baseline's tables (malloc'd: free both with
 * cpu_baseline_free) and its KVM facts (TSC deadline timer, PV and
 * Hyper-V CPUID enforcement: all in Linux 6.1). Returns 0 or -ENOMEM. */
int cpu_baseline_host(struct cpu_host *host, bool *pv_enforce, bool *hv_enforce);
void cpu_baseline_free(struct cpu_host *host);

#endif
