#include "kvm/kvm_sys.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"

#define KVM_API_VERSION_EXPECTED 12
#define CPUID_MAX_ENTRIES 512
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#define XFEATURE_XTILEDATA 18

static const struct { long cap; const char *name; } required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
};

int kvm_check_cap(const struct kvm_host *host, long cap)
{
	int r = ioctl(host->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

bool kvm_param_off(const char *text)
{
	return text[0] == 'N' || text[0] == 'n' || text[0] == '0';
}

const char *kvm_host_shadow_paging(void)
{
	static const struct { const char *path, *name; } params[] = {
		{ "/sys/module/kvm_amd/parameters/npt", "kvm_amd.npt=0" },
		{ "/sys/module/kvm_intel/parameters/ept", "kvm_intel.ept=0" },
	};

	for (unsigned i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		char text[8] = "";
		int fd = open(params[i].path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n > 0 && kvm_param_off(text))
			return params[i].name;
	}
	return NULL;
}

const char *kvm_host_unusable_reason(void)
{
	unsigned a, b, c, d;
	int vmx = 0, svm = 0;

	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return "/dev/kvm is served by kvm_pvm (PVM), which cannot run stock guest kernels";
	if (__get_cpuid(1, &a, &b, &c, &d))
		vmx = !!(c & (1u << 5));
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		svm = !!(c & (1u << 2));
	if (!vmx && !svm)
		return "this CPU has no hardware virtualization (VMX/SVM), so /dev/kvm cannot run stock guest kernels";
	return NULL;
}

/* AMX state needs the process's permission before KVM lets a guest use it. */
static void request_amx_permission(struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0xd || e->index != 0 || !(e->eax & (1u << XFEATURE_XTILEDATA)))
			continue;
		if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA)) {
			e->eax &= ~(3u << 17);
			log_once("AMX not permitted for guests: hidden from the guest");
		}
	}
}

/* KVM_GET_SUPPORTED_CPUID or KVM_GET_SUPPORTED_HV_CPUID into a new table. */
static int get_cpuid_table(int fd, unsigned long request, struct kvm_cpuid2 **out)
{
	size_t bytes = sizeof(struct kvm_cpuid2) +
		       CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = calloc(1, bytes);

	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(fd, request, cpuid) < 0) {
		int err = -errno;

		free(cpuid);
		return err;
	}
	*out = cpuid;
	return 0;
}

static int load_supported_cpuid(struct kvm_host *host)
{
	int r = get_cpuid_table(host->fd, KVM_GET_SUPPORTED_CPUID, &host->supported_cpuid);

	if (r)
		return r;
	request_amx_permission(host->supported_cpuid);
	/* Hyper-V emulation is optional: without it hv-* options are refused. */
	if (kvm_check_cap(host, KVM_CAP_SYS_HYPERV_CPUID) > 0)
		get_cpuid_table(host->fd, KVM_GET_SUPPORTED_HV_CPUID, &host->hv_supported_cpuid);
	return 0;
}

const char *kvm_device_path(void)
{
	return getenv(KVM_DEVICE_ENV) ? getenv(KVM_DEVICE_ENV) : KVM_DEVICE_DEFAULT;
}

int kvm_host_open(struct kvm_host *host, bool for_boot)
{
	const char *reason;
	int version, r;

	memset(host, 0, sizeof(*host));
	host->path = kvm_device_path();
	host->fd = open(host->path, O_RDWR | O_CLOEXEC);
	if (host->fd < 0) {
		log_error("%s: %s (is the kvm module loaded, and may this user open it?)",
			  host->path, strerror(errno));
		return -1;
	}
	version = ioctl(host->fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION_EXPECTED) {
		if (version < 0)
			log_error("%s: not a KVM device (%s)", host->path, strerror(errno));
		else
			log_error("%s: KVM API version %d, need %d", host->path, version,
				  KVM_API_VERSION_EXPECTED);
		goto err;
	}
	reason = kvm_host_unusable_reason();
	if (reason && for_boot) {
		log_error("%s; run `make demo` to boot the guest inside the lab instead", reason);
		goto err;
	}
	if (for_boot)
		host->shadow_paging = kvm_host_shadow_paging();
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (!kvm_check_cap(host, required_caps[i].cap)) {
			log_error("%s: missing capability %s", host->path, required_caps[i].name);
			goto err;
		}
	}
	host->max_vcpus = kvm_check_cap(host, KVM_CAP_MAX_VCPUS);
	if (host->max_vcpus <= 0)
		host->max_vcpus = kvm_check_cap(host, KVM_CAP_NR_VCPUS);
	host->tsc_deadline = kvm_check_cap(host, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	host->tsc_scaling = kvm_check_cap(host, KVM_CAP_TSC_CONTROL) > 0;
	host->pv_enforce = kvm_check_cap(host, KVM_CAP_ENFORCE_PV_FEATURE_CPUID) > 0;
	host->hv_enforce = kvm_check_cap(host, KVM_CAP_HYPERV_ENFORCE_CPUID) > 0;
	r = load_supported_cpuid(host);
	if (r) {
		log_error("%s: KVM_GET_SUPPORTED_CPUID: %s", host->path, strerror(-r));
		goto err;
	}
	return 0;
err:
	close(host->fd);
	host->fd = -1;
	return -1;
}

int kvm_host_tsc_khz(const struct kvm_host *host)
{
	int vm = ioctl(host->fd, KVM_CREATE_VM, 0), vcpu = -1, khz;

	if (vm < 0)
		return -errno;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	khz = vcpu < 0 ? -errno : ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
	if (khz < 0 && vcpu >= 0)
		khz = -errno;
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return khz;
}

void kvm_host_close(struct kvm_host *host)
{
	if (host->fd >= 0)
		close(host->fd);
	free(host->supported_cpuid);
	free(host->hv_supported_cpuid);
	host->supported_cpuid = NULL;
	host->hv_supported_cpuid = NULL;
	host->fd = -1;
}
