/* /dev/kvm: opening it, checking that it can run a stock kernel, and the
 * system-wide queries (capabilities, vCPU limit, supported CPUID). */
#ifndef MERIDIAN_KVM_SYS_H
#define MERIDIAN_KVM_SYS_H

#include <stdbool.h>
#include <linux/kvm.h>

#define KVM_DEVICE_DEFAULT "/dev/kvm"
/* Tests may point meridian at another device node (e.g. /dev/null). */
#define KVM_DEVICE_ENV "MERIDIAN_KVM_DEVICE"

struct kvm_host {
	int fd;
	const char *path;
	int max_vcpus;
	struct kvm_cpuid2 *supported_cpuid;     /* malloc'd */
	bool tsc_deadline;                      /* KVM_CAP_TSC_DEADLINE_TIMER */
	bool tsc_scaling;                       /* KVM_CAP_TSC_CONTROL */
	bool pv_enforce;                        /* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	bool hv_enforce;                        /* KVM_CAP_HYPERV_ENFORCE_CPUID */
	struct kvm_cpuid2 *hv_supported_cpuid;  /* KVM_GET_SUPPORTED_HV_CPUID, NULL: no Hyper-V */
	/* kvm_host_shadow_paging(), read once when opened for a boot (no
	 * file is opened per guest reset) */
	const char *shadow_paging;
};

/* The KVM device meridian opens: $MERIDIAN_KVM_DEVICE, else /dev/kvm. */
const char *kvm_device_path(void);

/* Opens and checks /dev/kvm. On failure prints one line naming the reason
 * and returns -1. With for_boot false (queries only, as `cpu explain`
 * does), a KVM that cannot boot stock kernels is accepted. */
int kvm_host_open(struct kvm_host *host, bool for_boot);
void kvm_host_close(struct kvm_host *host);
int kvm_check_cap(const struct kvm_host *host, long cap);

/* The TSC frequency KVM gives a new vCPU (the host's), in kHz, or -errno. */
int kvm_host_tsc_khz(const struct kvm_host *host);

/* Whether KVM runs guests on shadow page tables (no NPT/EPT: the host
 * has none, or it is turned off): the kernel parameter that says so
 * ("kvm_amd.npt=0", "kvm_intel.ept=0"), or NULL for two-dimensional
 * paging. Read from /sys/module/kvm_{amd,intel}/parameters. */
const char *kvm_host_shadow_paging(void);
/* A boolean module parameter's text ("N", "0", "Y\n", "1") says off. */
bool kvm_param_off(const char *text);

/* Why this KVM cannot run a stock kernel, or NULL when it can. */
const char *kvm_host_unusable_reason(void);

#endif
