/* meridian: a virtual machine monitor for x86-64 Linux hosts with KVM. */
#include <stdio.h>
#include <string.h>

#include "cli/cpu_explain.h"
#include "cli/ctl.h"
#include "cli/run_options.h"
#include "base/log.h"
#include "core/machine.h"
#include "kvm/kvm_sys.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: meridian COMMAND [OPTIONS]\n"
		"  run [OPTIONS]   boot a guest (meridian run --help)\n"
		"  cpu explain [--cpu SPEC] [--cpus N] [--json]\n"
		"                  what the guest sees of this CPU model and what it will do\n"
		"  ctl PATH COMMAND [JSON-ARGS]\n"
		"                  one QMP command to the meridian serving PATH (--api)\n"
		"  probe [--cpuid] can this host's /dev/kvm boot stock kernels? (exit 0 yes, 1 no)\n"
		"  version         print the version\n");
}

static void print_cpuid(const char *what, const struct kvm_cpuid2 *table)
{
	for (unsigned i = 0; table && i < table->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &table->entries[i];

		printf("%s %08x.%u: flags=%x eax=%08x ebx=%08x ecx=%08x edx=%08x\n", what,
		       e->function, e->index, e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
}

/* `meridian probe [--cpuid]`: lets scripts (make demo) choose native or
 * lab; --cpuid also lists KVM_GET_SUPPORTED_CPUID ("cpuid" lines) and
 * KVM_GET_SUPPORTED_HV_CPUID ("hv-cpuid"), the form src/cpu/cpu_baseline.c
 * was recorded in. */
static int cmd_probe(int argc, char **argv)
{
	struct kvm_host host;

	if (kvm_host_open(&host, true))
		return 1;
	printf("%s: hardware KVM, up to %d vCPUs\n", host.path, host.max_vcpus);
	if (argc > 2 && !strcmp(argv[2], "--cpuid")) {
		print_cpuid("cpuid", host.supported_cpuid);
		print_cpuid("hv-cpuid", host.hv_supported_cpuid);
	}
	kvm_host_close(&host);
	return 0;
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int r;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "run")) {
		r = run_options_parse(argc - 1, argv + 1, &cfg);
		if (r)
			return r == 2 ? 0 : 1;
		return machine_run(&cfg);
	}
	if (!strcmp(argv[1], "cpu") && argc > 2 && !strcmp(argv[2], "explain"))
		return cmd_cpu_explain(argc - 2, argv + 2);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe"))
		return cmd_probe(argc, argv);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("meridian %s\n", MERIDIAN_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	log_error("%s: unknown command", argv[1]);
	usage(stderr);
	return 1;
}
