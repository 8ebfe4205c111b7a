#include "cli/cpu_explain.h"
#include "config/limits.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/log.h"
#include "cpu/cpu_baseline.h"
#include "cpu/cpu_model.h"
#include "cpu/explain.h"
#include "kvm/kvm_sys.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: meridian cpu explain [--cpu SPEC] [--cpus N] [--json]\n"
		"  what a guest on this host sees with this CPU model, and what a Linux and\n"
		"  a Windows guest will do with it\n");
}

/* KVM_GET_CLOCK's flags from a throwaway VM: is the host TSC stable? */
static int host_clock_flags(const struct kvm_host *host)
{
	struct kvm_clock_data clock = { 0 };
	int vm = ioctl(host->fd, KVM_CREATE_VM, 0), flags = -1;

	if (vm < 0)
		return -1;
	if (ioctl(vm, KVM_GET_CLOCK, &clock) == 0)
		flags = (int)clock.flags;
	close(vm);
	return flags;
}

static void print_explanation(const struct explain_facts *facts, bool json)
{
	if (json)
		explain_json(stdout, facts);
	else
		explain_text(stdout, facts);
}

/* No /dev/kvm here: the same explanation against the baseline host, its
 * host facts (TSC stability and frequency) unknown. */
static int explain_baseline(struct explain_facts *facts, const struct cpu_model *model,
			    const char *why, bool json)
{
	struct kvm_cpuid2 *guest;
	struct cpu_host ch;
	bool pv_enforce, hv_enforce;
	char err[160];

	if (cpu_baseline_host(&ch, &pv_enforce, &hv_enforce)) {
		log_error("cpu explain: out of memory");
		return 1;
	}
	guest = cpu_model_build(model, &ch, err, sizeof(err));
	if (!guest) {
		log_error("--cpu %s: %s (on the baseline %s)", facts->spec, err, CPU_BASELINE_NAME);
		cpu_baseline_free(&ch);
		return 1;
	}
	facts->baseline = CPU_BASELINE_NAME;
	facts->baseline_why = why;
	facts->host = ch.supported;
	facts->guest = guest;
	facts->clock_flags = -1;
	facts->guest_tsc_khz = model->tsc_khz;
	facts->hv = &model->hv;
	facts->pv_enforced = pv_enforce && !model->pv_enforce_off;
	facts->hv_enforced = hv_enforce && !model->hv_enforce_off && model->hv.features &&
			     !model->hv.passthrough;
	print_explanation(facts, json);
	free(guest);
	cpu_baseline_free(&ch);
	return 0;
}

int cmd_cpu_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'C' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct explain_facts facts = { .spec = "host", .cpus = 1 };
	struct kvm_cpuid2 *guest = NULL;
	struct kvm_host host;
	struct cpu_model model;
	struct cpu_host ch;
	bool json = false;
	char err[160], why[160], *end;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': facts.spec = optarg; break;
		case 'j': json = true; break;
		case 'c':
			facts.cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !facts.cpus || facts.cpus > MAX_VCPUS) {
				log_error("--cpus %s: expected a number from 1 to %d", optarg, MAX_VCPUS);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':': log_error("%s: missing value", argv[optind - 1]); return 1;
		default:
			log_error("%s: unknown option (see meridian cpu explain --help)", argv[optind - 1]);
			return 1;
		}
	}
	if (cpu_model_parse(facts.spec, &model, err, sizeof(err))) {
		log_error("--cpu %s: %s", facts.spec, err);
		return 1;
	}
	if (access(kvm_device_path(), F_OK) && errno == ENOENT) {
		snprintf(why, sizeof(why), "%s: %s", kvm_device_path(), strerror(ENOENT));
		return explain_baseline(&facts, &model, why, json);
	}
	if (kvm_host_open(&host, false))
		return 1;
	ch = (struct cpu_host){ .supported = host.supported_cpuid, .tsc_deadline = host.tsc_deadline,
				.hv_supported = host.hv_supported_cpuid };
	guest = cpu_model_build(&model, &ch, err, sizeof(err));
	if (!guest) {
		log_error("--cpu %s: %s", facts.spec, err);
		kvm_host_close(&host);
		return 1;
	}
	facts.host = host.supported_cpuid;
	facts.guest = guest;
	facts.clock_flags = host_clock_flags(&host);
	facts.unusable = kvm_host_unusable_reason();
	facts.host_tsc_khz = kvm_host_tsc_khz(&host);
	facts.tsc_scaling = host.tsc_scaling;
	facts.guest_tsc_khz = model.tsc_khz;
	facts.hv = &model.hv;
	facts.pv_enforced = host.pv_enforce && !model.pv_enforce_off;
	facts.hv_enforced = host.hv_enforce && !model.hv_enforce_off && model.hv.features &&
			    !model.hv.passthrough;
	print_explanation(&facts, json);
	free(guest);
	kvm_host_close(&host);
	return 0;
}
