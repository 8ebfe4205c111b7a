#include "cpu/hyperv.h"

#include <stdio.h>
#include <string.h>

#include "cpu/cpuid_topology.h"

#define HV_INTERFACE_SIGNATURE 0x31237648u      /* "Hv#1" */
#define LEAF_FEATURES   0x40000003u
#define LEAF_ENLIGHT    0x40000004u
#define HV_HYPERCALL_AVAILABLE (1u << 5)        /* 0x40000003 EAX: any enlightenment */

/* Where each enlightenment shows in CPUID, and what it needs first. */
static const struct {
	const char *name;
	uint32_t features_eax;          /* 0x40000003 EAX: partition privileges */
	uint32_t features_edx;          /* 0x40000003 EDX */
	uint32_t enlight_eax;           /* 0x40000004 EAX: recommendations */
	uint32_t needs;                 /* other features (bits of enum hv_feature) */
} hv[HV_NR_FEATURES] = {
	[HV_RELAXED] = { "hv-relaxed", 0, 0, 1u << 5, 0 },
	[HV_VAPIC] = { "hv-vapic", 1u << 4, 0, 1u << 3, 0 },
	[HV_SPINLOCKS] = { "hv-spinlocks", 0, 0, 0, 0 },
	[HV_VPINDEX] = { "hv-vpindex", 1u << 6, 0, 0, 0 },
	[HV_RUNTIME] = { "hv-runtime", 1u << 0, 0, 0, 0 },
	[HV_CRASH] = { "hv-crash", 0, 1u << 10, 0, 0 },
	[HV_TIME] = { "hv-time", (1u << 1) | (1u << 9), 0, 0, 0 },
	[HV_SYNIC] = { "hv-synic", 1u << 2, 0, 0, 1u << HV_VPINDEX },
	[HV_STIMER] = { "hv-stimer", 1u << 3, 0, 0, (1u << HV_SYNIC) | (1u << HV_TIME) },
	[HV_STIMER_DIRECT] = { "hv-stimer-direct", 0, 1u << 19, 0, 1u << HV_STIMER },
	[HV_TLBFLUSH] = { "hv-tlbflush", 0, 0, (1u << 2) | (1u << 11), 1u << HV_VPINDEX },
	[HV_IPI] = { "hv-ipi", 0, 0, (1u << 10) | (1u << 11), 1u << HV_VPINDEX },
	[HV_RESET] = { "hv-reset", 1u << 7, 0, 0, 0 },
	[HV_FREQUENCIES] = { "hv-frequencies", 1u << 11, 1u << 8, 0, 0 },
	[HV_REENLIGHTENMENT] = { "hv-reenlightenment", 1u << 13, 0, 0, 0 },
	[HV_EVMCS] = { "hv-evmcs", 0, 0, 1u << 14, 1u << HV_VAPIC },
};

int hv_feature_by_name(const char *name)
{
	for (int i = 0; i < HV_NR_FEATURES; i++)
		if (!strcmp(hv[i].name, name))
			return i;
	return -1;
}

const char *hv_feature_name(enum hv_feature f)
{
	return hv[f].name;
}

int hv_check_dependencies(uint32_t features, char *err, int err_len)
{
	for (int i = 0; i < HV_NR_FEATURES; i++) {
		if (!(features & (1u << i)))
			continue;
		for (int d = 0; d < HV_NR_FEATURES; d++) {
			if ((hv[i].needs & (1u << d)) && !(features & (1u << d))) {
				snprintf(err, err_len, "%s needs %s", hv[i].name, hv[d].name);
				return -1;
			}
		}
	}
	return 0;
}

static const struct kvm_cpuid_entry2 *host_leaf(const struct kvm_cpuid2 *host, uint32_t leaf)
{
	return cpuid_find((struct kvm_cpuid2 *)host, leaf, 0);
}

/* With hv-passthrough: every enlightenment whose bits the host has. */
static uint32_t host_features(const struct kvm_cpuid2 *host_hv)
{
	const struct kvm_cpuid_entry2 *f = host_leaf(host_hv, LEAF_FEATURES);
	const struct kvm_cpuid_entry2 *e = host_leaf(host_hv, LEAF_ENLIGHT);
	uint32_t all = 1u << HV_SPINLOCKS;

	for (int i = 0; i < HV_NR_FEATURES; i++) {
		if (i == HV_SPINLOCKS)
			continue;
		if (f && (f->eax & hv[i].features_eax) == hv[i].features_eax &&
		    (f->edx & hv[i].features_edx) == hv[i].features_edx &&
		    (!hv[i].enlight_eax || (e && (e->eax & hv[i].enlight_eax) == hv[i].enlight_eax)))
			all |= 1u << i;
	}
	return all;
}

int hv_build_leaves(const struct hv_config *cfg, const struct kvm_cpuid2 *host_hv,
		    struct kvm_cpuid_entry2 *out, unsigned max, char *err, int err_len)
{
	uint32_t want = cfg->passthrough ? host_features(host_hv) : cfg->features;
	uint32_t have = host_features(host_hv);
	uint32_t f_eax = HV_HYPERCALL_AVAILABLE, f_edx = 0, e_eax = 0;
	const char *vendor = cfg->vendor[0] ? cfg->vendor : HV_DEFAULT_VENDOR;
	unsigned n = 0;

	if (max < HV_CPUID_LAST - HV_CPUID_BASE + 1) {
		snprintf(err, err_len, "no room for the Hyper-V leaves");
		return -1;
	}
	for (int i = 0; i < HV_NR_FEATURES; i++) {
		if (!(want & (1u << i)))
			continue;
		if (!(have & (1u << i))) {
			snprintf(err, err_len, "%s is not supported by this host", hv[i].name);
			return -1;
		}
		f_eax |= hv[i].features_eax;
		f_edx |= hv[i].features_edx;
		e_eax |= hv[i].enlight_eax;
	}
	for (uint32_t leaf = HV_CPUID_BASE; leaf <= HV_CPUID_LAST; leaf++) {
		const struct kvm_cpuid_entry2 *h = host_leaf(host_hv, leaf);
		struct kvm_cpuid_entry2 *e = &out[n++];

		memset(e, 0, sizeof(*e));
		e->function = leaf;
		switch (leaf) {
		case HV_CPUID_BASE:
			e->eax = HV_CPUID_LAST;
			memcpy(&e->ebx, vendor, 4);
			memcpy(&e->ecx, vendor + 4, 4);
			memcpy(&e->edx, vendor + 8, 4);
			break;
		case HV_CPUID_BASE + 1:
			e->eax = HV_INTERFACE_SIGNATURE;
			break;
		case LEAF_FEATURES:
			e->eax = f_eax;
			e->edx = f_edx;
			break;
		case LEAF_ENLIGHT:
			e->eax = e_eax;
			e->ebx = (want & (1u << HV_SPINLOCKS)) ? cfg->spinlock_retries : HV_SPINLOCKS_NEVER;
			break;
		case HV_CPUID_BASE + 2:         /* version */
		case HV_CPUID_BASE + 5:         /* limits */
		case HV_CPUID_BASE + 6:         /* hardware features in use */
			if (h)
				*e = *h;
			break;
		case HV_CPUID_LAST:             /* nested: eVMCS version */
			if (h && (want & (1u << HV_EVMCS)))
				*e = *h;
			e->function = leaf;
			break;
		default:
			break;
		}
		e->index = 0;
		e->flags = 0;
	}
	return (int)n;
}
