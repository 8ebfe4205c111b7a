#include "cpu/explain.h"

#include <string.h>

#include "cpu/cpu_features.h"
#include "cpu/cpu_model.h"
#include "cpu/cpuid_topology.h"
#include "cpu/hyperv.h"

struct linux_use {
	const char *what;               /* plain words */
	const char *dmesg;              /* the line it prints, NULL: none */
};

struct linux_view {
	const char *hypervisor;         /* what it detects, NULL: none */
	const char *clocksource;
	const char *clocksource_why;
	struct linux_use uses[16];      /* PV features it turns on */
	unsigned nr_uses;
};

/* Where the KVM leaves are: 0x40000000, 0x40000100 next to Hyper-V, or 0. */
static uint32_t kvm_base(const struct explain_facts *f)
{
	for (uint32_t base = KVM_CPUID_SIGNATURE; base <= KVM_CPUID_SIGNATURE + 0x100; base += 0x100) {
		struct kvm_cpuid_entry2 *e = cpuid_find((struct kvm_cpuid2 *)f->guest, base, 0);

		if (e && !memcmp(&e->ebx, "KVMK", 4))
			return base;
	}
	return 0;
}

static bool kvm_visible(const struct explain_facts *f)
{
	return kvm_base(f) != 0;
}

static bool guest_has(const struct explain_facts *f, const char *name)
{
	const struct cpu_feature *feat = cpu_feature_find(name);
	struct kvm_cpuid_entry2 *e;

	if (!cpu_feature_is_kvm_pv(feat))
		return cpu_feature_on(f->guest, feat);
	e = kvm_visible(f) ? cpuid_find((struct kvm_cpuid2 *)f->guest, kvm_base(f) + 1, 0) : NULL;
	return e && (e->eax & feat->mask) == feat->mask;
}

/* The guest's Hyper-V features leaf (0x40000003), or NULL without Hyper-V. */
static const struct kvm_cpuid_entry2 *hyperv_features(const struct explain_facts *f)
{
	struct kvm_cpuid_entry2 *e = cpuid_find((struct kvm_cpuid2 *)f->guest, HV_CPUID_BASE + 1, 0);

	if (!e || e->eax != 0x31237648u)        /* "Hv#1" */
		return NULL;
	return cpuid_find((struct kvm_cpuid2 *)f->guest, HV_CPUID_BASE + 3, 0);
}

static bool hv_has(const struct explain_facts *f, uint32_t eax_bits)
{
	const struct kvm_cpuid_entry2 *e = hyperv_features(f);

	return e && (e->eax & eax_bits) == eax_bits;
}

#define HV_TIME_BITS ((1u << 1) | (1u << 9))
/* Linux (ms_hyperv_platform) ignores a Hyper-V interface without these:
 * the hypercall and VP index MSRs (hv-vpindex, and any of relaxed, vapic,
 * time... for the hypercall page). */
#define HV_LINUX_NEEDS ((1u << 5) | (1u << 6))

/* Mirrors the decisions of arch/x86/kernel/kvm.c and kvmclock.c (6.1). */
static void linux_view(const struct explain_facts *f, struct linux_view *v)
{
	bool kvm = kvm_visible(f), steal = kvm && guest_has(f, "kvm-steal-time");

	memset(v, 0, sizeof(*v));
	/* Linux ranks KVM above Hyper-V when both signatures are there. */
	v->hypervisor = kvm ? "KVM" : hv_has(f, HV_LINUX_NEEDS) && guest_has(f, "hypervisor") ?
			"Microsoft Hyper-V" : NULL;
	if (kvm && guest_has(f, "kvmclock")) {
		v->clocksource = "kvm-clock";
		v->clocksource_why = "the paravirtual clock";
	} else if (!kvm && v->hypervisor && hv_has(f, HV_TIME_BITS)) {
		v->clocksource = "hyperv_clocksource_tsc_page";
		v->clocksource_why = f->clock_flags < 0 ?
			"the Hyper-V reference TSC page; valid only where the host's TSC is stable, "
			"else each read falls back to the reference counter MSR, much slower" :
			(f->clock_flags & KVM_CLOCK_TSC_STABLE) ?
			"the Hyper-V reference TSC page, valid on this host" :
			"the Hyper-V reference TSC page; invalid on this host (TSC not stable), so "
			"each read falls back to the reference counter MSR, much slower";
	} else if (guest_has(f, "invtsc")) {
		v->clocksource = "tsc";
		v->clocksource_why = "the invariant TSC, trusted as is";
	} else {
		v->clocksource = "acpi_pm";
		v->clocksource_why = "the ACPI PM timer: no kvm-clock, no invariant TSC, and meridian has no HPET";
	}
	if (!kvm)
		return;
#define USE(cond, w, line) do { if (cond) v->uses[v->nr_uses++] = (struct linux_use){ w, line }; } while (0)
	USE(guest_has(f, "kvmclock"), "kvm-clock", "kvm-clock: Using msrs 4b564d01 and 4b564d00");
	USE(guest_has(f, "kvm-pv-unhalt") && f->cpus > 1, "PV spinlocks", "kvm-guest: PV spinlocks enabled");
	USE(guest_has(f, "kvm-pv-ipi") && f->cpus > 1, "PV IPIs", "kvm-guest: setup PV IPIs");
	USE(guest_has(f, "kvm-pv-tlb-flush") && steal, "PV TLB flush", "kvm-guest: KVM setup pv remote TLB flush");
	USE(guest_has(f, "kvm-pv-sched-yield") && steal && f->cpus > 1, "PV sched yield", "kvm-guest: setup PV sched yield");
	USE(steal, "steal time accounting", NULL);
	USE(guest_has(f, "kvm-pv-eoi"), "PV end-of-interrupt", NULL);
	USE(guest_has(f, "kvm-asyncpf-int"), "async page faults", NULL);
	USE(guest_has(f, "kvm-poll-control"), "host-side halt polling control", NULL);
	USE(guest_has(f, "kvm-nopiodelay"), "no I/O delay on port 0x80", NULL);
#undef USE
}

static const char *reg_name[] = { "eax", "ebx", "ecx", "edx" };

static uint32_t reg_value(const struct kvm_cpuid_entry2 *e, int r)
{
	return r == 0 ? e->eax : r == 1 ? e->ebx : r == 2 ? e->ecx : e->edx;
}

/* Calls fn for each register that differs between host and guest; a leaf
 * only one side has is reported with the other side's registers as 0. */
static void for_each_difference(const struct explain_facts *f,
				void (*fn)(void *ctx, uint32_t leaf, uint32_t index, int reg,
					   uint32_t host, uint32_t guest, const char *how),
				void *ctx)
{
	for (unsigned i = 0; i < f->host->nent; i++) {
		const struct kvm_cpuid_entry2 *h = &f->host->entries[i];
		struct kvm_cpuid_entry2 *g = cpuid_find((struct kvm_cpuid2 *)f->guest, h->function, h->index);

		for (int r = 0; r < 4; r++) {
			uint32_t hv = reg_value(h, r), gv = g ? reg_value(g, r) : 0;

			if (!g && r == 0)
				fn(ctx, h->function, h->index, -1, 0, 0, "removed");
			if (g && hv != gv)
				fn(ctx, h->function, h->index, r, hv, gv, "changed");
		}
	}
}

/* Names of the known features whose bits changed in this register. */
static void feature_changes(uint32_t leaf, uint32_t index, int reg, uint32_t host,
			    uint32_t guest, char *buf, size_t len)
{
	const struct cpu_feature *feat;
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; (feat = cpu_feature_at(i)); i++) {
		if (feat->leaf != leaf || feat->index != index || (int)feat->reg != reg)
			continue;
		if ((host & feat->mask) == (guest & feat->mask))
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, " %c%s",
			      (guest & feat->mask) ? '+' : '-', feat->name);
	}
}

static void text_difference(void *ctx, uint32_t leaf, uint32_t index, int reg, uint32_t host,
			    uint32_t guest, const char *how)
{
	FILE *out = ctx;
	char names[256];

	if (reg < 0) {
		fprintf(out, "  0x%08x.%u: removed\n", leaf, index);
		return;
	}
	feature_changes(leaf, index, reg, host, guest, names, sizeof(names));
	fprintf(out, "  0x%08x.%u %s: 0x%08x -> 0x%08x%s\n", leaf, index, reg_name[reg], host, guest,
		names);
}

static const char *clock_fact(int flags)
{
	if (flags < 0)
		return "unknown (KVM_GET_CLOCK failed)";
	return (flags & KVM_CLOCK_TSC_STABLE) ?
	       "stable: KVM's master clock is on, kvm-clock can tell the guest it is stable "
	       "and a Hyper-V TSC page would be valid" :
	       "not stable: KVM's master clock is off, so kvm-clock is per-vCPU and a Hyper-V "
	       "TSC page would be invalid (guests fall back to slower reads)";
}

void explain_text(FILE *out, const struct explain_facts *f)
{
	struct linux_view lv;

	linux_view(f, &lv);
	if (f->baseline)
		fprintf(out, "Host facts unknown (%s): explained against the baseline %s\n",
			f->baseline_why, f->baseline);
	fprintf(out, "CPU model: %s (%u vCPU%s)\n", f->spec, f->cpus, f->cpus == 1 ? "" : "s");
	fprintf(out, "CPUID that differs from %s:\n", f->baseline ?
		"the baseline's KVM_GET_SUPPORTED_CPUID" : "this host's KVM_GET_SUPPORTED_CPUID");
	for_each_difference(f, text_difference, out);
	fprintf(out, "A Linux guest will:\n");
	if (lv.hypervisor)
		fprintf(out, "  detect %s (\"Hypervisor detected: %s\")\n", lv.hypervisor, lv.hypervisor);
	else if (guest_has(f, "hypervisor") && hyperv_features(f))
		fprintf(out, "  ignore the Hyper-V interface: Linux needs its hypercall and VP index MSRs "
			"(add hv-vpindex), so it detects no particular hypervisor\n");
	else if (guest_has(f, "hypervisor"))
		fprintf(out, "  know it is virtual (CPUID.1:ECX[31]) but detect no particular hypervisor\n");
	else
		fprintf(out, "  believe it runs on bare metal (no hypervisor bit, no signature)\n");
	fprintf(out, "  use the clocksource %s (%s)\n", lv.clocksource, lv.clocksource_why);
	for (unsigned i = 0; i < lv.nr_uses; i++)
		fprintf(out, "  use %s%s%s%s\n", lv.uses[i].what, lv.uses[i].dmesg ? " (\"" : "",
			lv.uses[i].dmesg ? lv.uses[i].dmesg : "", lv.uses[i].dmesg ? "\")" : "");
	if (!lv.hypervisor)
		fprintf(out, "  use no KVM paravirtual feature (they need the KVM signature)\n");
	fprintf(out, "A Windows guest will:\n");
	if (hyperv_features(f) && guest_has(f, "hypervisor")) {
		fprintf(out, "  detect Hyper-V and use its enlightenments:");
		for (int i = 0; i < HV_NR_FEATURES; i++)
			if (f->hv && (f->hv->passthrough || (f->hv->features & (1u << i))))
				fprintf(out, " %s", hv_feature_name(i));
		fprintf(out, "\n");
		if (hv_has(f, HV_TIME_BITS))
			fprintf(out, "  read time from the reference TSC page%s\n",
				f->clock_flags < 0 ? ", valid only where the host's TSC is stable (else "
				"it falls back to the reference counter MSR, a VM exit per read)" :
				(f->clock_flags & KVM_CLOCK_TSC_STABLE) ? "" :
				", which is invalid on this host now: it falls back to the reference "
				"counter MSR (a VM exit per read)");
	} else {
		fprintf(out, "  %s\n", guest_has(f, "hypervisor") ?
			"see a hypervisor but no Hyper-V interface: no paravirtual clock, timers or "
			"IPIs (add hv-* enlightenments)" :
			"believe it runs on bare metal");
	}
	fprintf(out, "Beyond CPUID:\n");
	fprintf(out, "  %s\n", f->pv_enforced ?
		"KVM refuses the KVM PV MSRs this CPUID does not offer (a guest that writes one "
		"anyway gets #GP)" :
		"KVM does not enforce the PV leaf: a guest that ignores CPUID can still use every "
		"KVM PV MSR (kvm-pv-enforce-cpuid=off, or this KVM cannot)");
	if (f->hv && (f->hv->features || f->hv->passthrough))
		fprintf(out, "  %s\n", f->hv_enforced ?
			"KVM refuses the Hyper-V MSRs and hypercalls this CPUID does not offer" :
			"KVM does not enforce the Hyper-V leaves: the guest can use every Hyper-V MSR "
			"KVM emulates (hv-enforce-cpuid=off, hv-passthrough, or this KVM cannot)");
	if (f->baseline) {
		fprintf(out, "Host facts: unknown; the TSC's stability, frequency and scaling are "
			"those of the host that will run the guest\n");
		return;
	}
	fprintf(out, "Host facts now:\n");
	fprintf(out, "  the host TSC is %s\n", clock_fact(f->clock_flags));
	if (f->host_tsc_khz > 0)
		fprintf(out, "  the host TSC runs at %d kHz and KVM %s scale it%s\n", f->host_tsc_khz,
			f->tsc_scaling ? "can" : "cannot",
			f->tsc_scaling ? "" : ": a guest keeps this frequency, and a migration to a host "
			"of another frequency needs scaling there");
	if (f->guest_tsc_khz)
		fprintf(out, "  the guest's TSC runs at %u kHz (tsc-frequency)\n", f->guest_tsc_khz);
	if (f->unusable)
		fprintf(out, "  but %s: these are only this KVM's answers\n", f->unusable);
}

struct json_ctx {
	FILE *out;
	bool first;
};

static void json_difference(void *opaque, uint32_t leaf, uint32_t index, int reg, uint32_t host,
			    uint32_t guest, const char *how)
{
	struct json_ctx *ctx = opaque;
	FILE *out = ctx->out;

	fprintf(out, "%s\n    {\"leaf\": %u, \"index\": %u, \"reg\": \"%s\", \"host\": %u, \"guest\": %u, "
		"\"change\": \"%s\"}", ctx->first ? "" : ",", leaf, index, reg < 0 ? "all" : reg_name[reg],
		host, guest, how);
	ctx->first = false;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void explain_json(FILE *out, const struct explain_facts *f)
{
	struct json_ctx ctx = { out, true };
	struct linux_view lv;
	bool first = true;

	linux_view(f, &lv);
	fprintf(out, "{\n  \"host_facts\": %s,\n  \"baseline\": ", f->baseline ? "\"unknown\"" : "\"known\"");
	if (f->baseline)
		json_str(out, f->baseline);
	else
		fprintf(out, "null");
	fprintf(out, ",\n  \"model\": ");
	json_str(out, f->spec);
	fprintf(out, ",\n  \"cpus\": %u,\n  \"differences\": [", f->cpus);
	for_each_difference(f, json_difference, &ctx);
	fprintf(out, "\n  ],\n  \"hypervisor_leaves\": [");
	for (unsigned i = 0; i < f->guest->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &f->guest->entries[i];

		if (e->function < 0x40000000u || e->function > 0x4fffffffu)
			continue;
		fprintf(out, "%s\n    {\"leaf\": %u, \"index\": %u, \"eax\": %u, \"ebx\": %u, "
			"\"ecx\": %u, \"edx\": %u}", first ? "" : ",", e->function, e->index, e->eax,
			e->ebx, e->ecx, e->edx);
		first = false;
	}
	fprintf(out, "\n  ],\n  \"hypervisor_bit\": %s,\n  \"linux\": {\"hypervisor\": ",
		guest_has(f, "hypervisor") ? "true" : "false");
	if (lv.hypervisor)
		json_str(out, lv.hypervisor);
	else
		fprintf(out, "null");
	fprintf(out, ", \"clocksource\": ");
	json_str(out, lv.clocksource);
	fprintf(out, ", \"uses\": [");
	for (unsigned i = 0; i < lv.nr_uses; i++) {
		fprintf(out, "%s{\"what\": ", i ? ", " : "");
		json_str(out, lv.uses[i].what);
		fprintf(out, ", \"dmesg\": ");
		if (lv.uses[i].dmesg)
			json_str(out, lv.uses[i].dmesg);
		else
			fprintf(out, "null");
		fprintf(out, "}");
	}
	fprintf(out, "]},\n  \"enforced\": {\"kvm_pv\": %s, \"hyperv\": %s},",
		f->pv_enforced ? "true" : "false", f->hv_enforced ? "true" : "false");
	fprintf(out, "\n  \"host\": {\"tsc_stable\": %s, \"tsc_khz\": %d, \"tsc_scaling\": %s}\n}\n",
		f->clock_flags < 0 ? "null" : (f->clock_flags & KVM_CLOCK_TSC_STABLE) ? "true" : "false",
		f->host_tsc_khz > 0 ? f->host_tsc_khz : 0, f->tsc_scaling ? "true" : "false");
}
