/* libFuzzer target: a hostile --cpu spec, parsed and built against a small
 * host table with Hyper-V support. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kvm_cpuid_entry2 host_entries[] = {
		{ .function = 1, .ecx = 0x76f83203 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
		{ .function = 0x40000001, .eax = 0x01fffaff },
	};
	static const struct kvm_cpuid_entry2 hv_entries[] = {
		{ .function = 0x40000003, .eax = 0x2fff, .edx = 0x580 },
		{ .function = 0x40000004, .eax = 0x4e2c },
	};
	static struct kvm_cpuid2 *host, *hv;
	struct cpu_model m;
	struct kvm_cpuid2 *out;
	char spec[1100], err[160];

	if (!host) {
		host = calloc(1, sizeof(*host) + sizeof(host_entries));
		host->nent = 3;
		memcpy(host->entries, host_entries, sizeof(host_entries));
		hv = calloc(1, sizeof(*hv) + sizeof(hv_entries));
		hv->nent = 2;
		memcpy(hv->entries, hv_entries, sizeof(hv_entries));
	}
	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (cpu_model_parse(spec, &m, err, sizeof(err)) == 0) {
		struct cpu_host h = { .supported = host, .tsc_deadline = true, .hv_supported = hv };

		out = cpu_model_build(&m, &h, err, sizeof(err));
		free(out);
	}
	return 0;
}
