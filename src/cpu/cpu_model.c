#include "cpu/cpu_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpuid_topology.h"

#define SPEC_MAX_BYTES 1024

static int parse_on_off(const char *v, bool *on)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) { *on = true; return 0; }
		if (!strcmp(v, no[i])) { *on = false; return 0; }
	}
	return -1;
}

static int add_request(struct cpu_model *m, const char *name, bool on, char *err, int err_len)
{
	const struct cpu_feature *f = cpu_feature_find(name);

	if (!f) {
		snprintf(err, err_len, "unknown feature '%s'", name);
		return -1;
	}
	if (m->nr_reqs == CPU_MODEL_MAX_REQUESTS) {
		snprintf(err, err_len, "too many features");
		return -1;
	}
	m->reqs[m->nr_reqs++] = (struct cpu_request){ .feature = f, .on = on };
	return 0;
}

/* hv-NAME[=on|off], hv-spinlocks=N, hv-vendor-id=STR, hv-passthrough. */
static int parse_hv_item(struct cpu_model *m, const char *name, const char *value, bool on,
			 char *err, int err_len)
{
	int f;

	if (!strcmp(name, "hv-vendor-id")) {
		if (!value || !*value || strlen(value) > 12) {
			snprintf(err, err_len, "hv-vendor-id=%s: expected 1 to 12 characters",
				 value ? value : "");
			return -1;
		}
		snprintf(m->hv.vendor, sizeof(m->hv.vendor), "%-12s", value);
		return 0;
	}
	if (!strcmp(name, "hv-spinlocks") && value) {
		char *end;
		unsigned long long n = strtoull(value, &end, 0);

		if (*end || end == value || n > 0xffffffffull) {
			snprintf(err, err_len, "hv-spinlocks=%s: expected a retry count", value);
			return -1;
		}
		m->hv.spinlock_retries = (uint32_t)n;
		m->hv.features |= 1u << HV_SPINLOCKS;
		return 0;
	}
	if (value && parse_on_off(value, &on)) {
		snprintf(err, err_len, "%s=%s: expected on or off", name, value);
		return -1;
	}
	if (!strcmp(name, "hv-passthrough")) {
		m->hv.passthrough = on;
		return 0;
	}
	f = hv_feature_by_name(name);
	if (f < 0) {
		snprintf(err, err_len, "unknown feature '%s'", name);
		return -1;
	}
	if (f == HV_SPINLOCKS) {
		snprintf(err, err_len, "hv-spinlocks needs a value (hv-spinlocks=N)");
		return -1;
	}
	if (on)
		m->hv.features |= 1u << f;
	else
		m->hv.features &= ~(1u << f);
	return 0;
}

bool cpu_model_has_hyperv(const struct cpu_model *m)
{
	return m->hv.features || m->hv.passthrough;
}

/* kvm-pv-enforce-cpuid / hv-enforce-cpuid, in any of +x, -x, x, x=on|off.
 * Returns 1 when item was one of them, 0 when not, -1 on a bad value. */
static int parse_enforce(struct cpu_model *m, const char *item, char *err, int err_len)
{
	const char *name = item + (item[0] == '+' || item[0] == '-');
	const char *eq = strchr(name, '=');
	int len = eq ? (int)(eq - name) : (int)strlen(name);
	bool on = item[0] != '-';
	bool *off;

#define IS(s) (len == (int)strlen(s) && !strncmp(name, s, len))
	if (IS("kvm-pv-enforce-cpuid") || IS("kvm_pv_enforce_cpuid"))
		off = &m->pv_enforce_off;
	else if (IS("hv-enforce-cpuid") || IS("hv_enforce_cpuid"))
		off = &m->hv_enforce_off;
	else
		return 0;
#undef IS
	if (eq && parse_on_off(eq + 1, &on)) {
		snprintf(err, err_len, "%s: expected on or off", name);
		return -1;
	}
	*off = !on;
	return 1;
}

static int parse_item(struct cpu_model *m, char *item, char *err, int err_len)
{
	char *eq = strchr(item, '=');
	bool on;
	int r = parse_enforce(m, item, err, err_len);

	if (r)
		return r < 0 ? -1 : 0;
	if (!strncmp(item + (item[0] == '+' || item[0] == '-'), "hv-", 3)) {
		bool sign = item[0] == '+' || item[0] == '-';

		if (eq)
			*eq = '\0';
		return parse_hv_item(m, item + sign, eq ? eq + 1 : NULL, item[0] != '-', err,
				     err_len);
	}
	if (item[0] == '+' || item[0] == '-')
		return add_request(m, item + 1, item[0] == '+', err, err_len);
	if (!eq)
		return add_request(m, item, true, err, err_len);
	*eq = '\0';
	if (!strcmp(item, "vendor")) {
		if (strlen(eq + 1) != CPU_VENDOR_BYTES) {
			snprintf(err, err_len, "vendor=%s: the vendor string has exactly 12 characters",
				 eq + 1);
			return -1;
		}
		memcpy(m->vendor, eq + 1, CPU_VENDOR_BYTES + 1);
		return 0;
	}
	if (!strcmp(item, "tsc-frequency") || !strcmp(item, "tsc_freq")) {
		char *end;
		unsigned long long hz = strtoull(eq + 1, &end, 10);

		if (*end || end == eq + 1 || hz < 1000000 || hz > 100000000000ull) {
			snprintf(err, err_len, "%s=%s: expected a frequency in Hz (e.g. 2600000000)",
				 item, eq + 1);
			return -1;
		}
		m->tsc_khz = (uint32_t)(hz / 1000);
		return 0;
	}
	if (parse_on_off(eq + 1, &on)) {
		snprintf(err, err_len, "%s=%s: expected on or off", item, eq + 1);
		return -1;
	}
	if (!strcmp(item, "kvm")) {
		m->kvm_hidden = !on;
		return 0;
	}
	return add_request(m, item, on, err, err_len);
}

int cpu_model_parse(const char *spec, struct cpu_model *m, char *err, int err_len)
{
	char buf[SPEC_MAX_BYTES], *item, *save;

	memset(m, 0, sizeof(*m));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, err_len, "spec too long");
		return -1;
	}
	strcpy(buf, spec);
	item = strtok_r(buf, ",", &save);
	if (!item || strcmp(item, "host")) {
		snprintf(err, err_len, "unknown CPU model '%s' (known: host)", item ? item : "");
		return -1;
	}
	while ((item = strtok_r(NULL, ",", &save)))
		if (parse_item(m, item, err, err_len))
			return -1;
	return 0;
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case R_EAX: return &e->eax;
	case R_EBX: return &e->ebx;
	case R_ECX: return &e->ecx;
	default: return &e->edx;
	}
}

struct kvm_cpuid2 *cpuid_table_new(const struct kvm_cpuid_entry2 *entries, size_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(*entries));

	if (!c)
		return NULL;
	c->nent = (__u32)n;
	memcpy(c->entries, entries, n * sizeof(*entries));
	return c;
}

bool cpu_feature_on(const struct kvm_cpuid2 *cpuid, const struct cpu_feature *f)
{
	struct kvm_cpuid_entry2 *e = cpuid_find((struct kvm_cpuid2 *)cpuid, f->leaf, f->index);

	return e && (*reg_of(e, f->reg) & f->mask) == f->mask;
}

static void set_feature(struct kvm_cpuid2 *cpuid, const struct cpu_feature *f, bool on)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, f->leaf, f->index);

	if (!e)
		return;
	if (on)
		*reg_of(e, f->reg) |= f->mask;
	else
		*reg_of(e, f->reg) &= ~f->mask;
}

/* Bits the VMM provides although KVM_GET_SUPPORTED_CPUID does not list them. */
static bool vmm_provides(const struct cpu_host *host, const struct cpu_feature *f)
{
	if (!strcmp(f->name, "hypervisor"))
		return true;
	if (!strcmp(f->name, "tsc-deadline"))
		return host->tsc_deadline;
	return false;
}

static void hide_kvm(struct kvm_cpuid2 *cpuid)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		uint32_t fn = cpuid->entries[i].function;

		if (fn >= KVM_CPUID_SIGNATURE && fn <= KVM_CPUID_SIGNATURE + 0xff)
			continue;
		cpuid->entries[out++] = cpuid->entries[i];
	}
	cpuid->nent = out;
}

static void set_vendor(struct kvm_cpuid2 *cpuid, const char *vendor)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, 0, 0);

	if (!e)
		return;
	memcpy(&e->ebx, vendor, 4);
	memcpy(&e->edx, vendor + 4, 4);
	memcpy(&e->ecx, vendor + 8, 4);
}

/* Hyper-V at 0x40000000; KVM's own leaves, when visible, move to
 * 0x40000100, where KVM and Linux look for them next to Hyper-V's. */
static int add_hyperv(const struct cpu_model *m, const struct cpu_host *host,
		      struct kvm_cpuid2 *cpuid, unsigned room, char *err, int err_len)
{
	int n;

	if (!m->hv.passthrough && hv_check_dependencies(m->hv.features, err, err_len))
		return -1;
	if (!host->hv_supported) {
		snprintf(err, err_len, "this host's KVM has no Hyper-V emulation "
			 "(KVM_CAP_SYS_HYPERV_CPUID)");
		return -1;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		uint32_t fn = cpuid->entries[i].function;

		if (fn >= KVM_CPUID_SIGNATURE && fn <= KVM_CPUID_SIGNATURE + 0xff)
			cpuid->entries[i].function += 0x100;
	}
	n = hv_build_leaves(&m->hv, host->hv_supported, cpuid->entries + cpuid->nent, room,
			    err, err_len);
	if (n < 0)
		return -1;
	cpuid->nent += (uint32_t)n;
	return 0;
}

#define HV_LEAVES_ROOM 16

struct kvm_cpuid2 *cpu_model_build(const struct cpu_model *m, const struct cpu_host *host,
				   char *err, int err_len)
{
	const struct kvm_cpuid2 *sup = host->supported;
	size_t bytes = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(bytes + HV_LEAVES_ROOM * sizeof(sup->entries[0]));
	const struct cpu_feature *invtsc = cpu_feature_find("invtsc");

	if (!cpuid) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	memcpy(cpuid, sup, bytes);
	/* Defaults: what QEMU's "host" model gives, except invtsc, which pins
	 * the guest to a TSC that changes frequency across hosts. */
	set_feature(cpuid, cpu_feature_find("hypervisor"), true);
	set_feature(cpuid, cpu_feature_find("tsc-deadline"), host->tsc_deadline);
	set_feature(cpuid, invtsc, false);
	for (unsigned i = 0; i < m->nr_reqs; i++) {
		const struct cpu_feature *f = m->reqs[i].feature;

		if (m->reqs[i].on && cpu_feature_is_kvm_pv(f) && m->kvm_hidden) {
			snprintf(err, err_len, "%s needs the KVM signature, which kvm=off hides", f->name);
			goto fail;
		}
		if (m->reqs[i].on && !cpu_feature_on(sup, f) && !vmm_provides(host, f)) {
			snprintf(err, err_len, "%s is not supported by this host", f->name);
			goto fail;
		}
		set_feature(cpuid, f, m->reqs[i].on);
	}
	if (m->kvm_hidden)
		hide_kvm(cpuid);
	if (cpu_model_has_hyperv(m) && add_hyperv(m, host, cpuid, HV_LEAVES_ROOM, err, err_len))
		goto fail;
	if (m->vendor[0])
		set_vendor(cpuid, m->vendor);
	return cpuid;
fail:
	free(cpuid);
	return NULL;
}
