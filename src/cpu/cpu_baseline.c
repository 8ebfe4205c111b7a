#include "cpu/cpu_baseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_baseline_tables.h"

int cpu_baseline_host(struct cpu_host *host, bool *pv_enforce, bool *hv_enforce)
{
	memset(host, 0, sizeof(*host));
	host->supported = cpuid_table_new(baseline_cpuid, sizeof(baseline_cpuid) / sizeof(baseline_cpuid[0]));
	host->hv_supported = cpuid_table_new(baseline_hv_cpuid,
					     sizeof(baseline_hv_cpuid) / sizeof(baseline_hv_cpuid[0]));
	host->tsc_deadline = true;
	*pv_enforce = *hv_enforce = true;
	if (!host->supported || !host->hv_supported) {
		cpu_baseline_free(host);
		return -ENOMEM;
	}
	return 0;
}

void cpu_baseline_free(struct cpu_host *host)
{
	free((void *)host->supported);
	free((void *)host->hv_supported);
	host->supported = host->hv_supported = NULL;
}
