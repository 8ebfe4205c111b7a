#include "vm/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/layout.h"
#include "base/log.h"
#include "vm/vm.h"
#include "cpu/cpuid_topology.h"
#include "kvm/kvm_stats.h"
#include "vm/throttle.h"
#include "base/thread.h"

#define SIG_VCPU_KICK SIGUSR1

static void kick_handler(int sig)
{
	/* Nothing to do: the point is that KVM_RUN returns with EINTR. */
}

void vcpu_signals_init(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_VCPU_KICK, &sa, NULL);    /* no SA_RESTART */
}

/* Per-vCPU KVM capabilities some enlightenments need. */
static int enable_hyperv_caps(struct vcpu *vcpu, const struct hv_config *hv)
{
	struct kvm_enable_cap synic = { .cap = KVM_CAP_HYPERV_SYNIC2 };
	struct kvm_enable_cap evmcs = { .cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS };
	uint16_t evmcs_version;

	evmcs.args[0] = (uintptr_t)&evmcs_version;
	if ((hv->passthrough || (hv->features & (1u << HV_SYNIC))) &&
	    ioctl(vcpu->fd, KVM_ENABLE_CAP, &synic) < 0)
		return -errno;
	if ((hv->features & (1u << HV_EVMCS)) && ioctl(vcpu->fd, KVM_ENABLE_CAP, &evmcs) < 0)
		return -errno;
	return 0;
}

/* The guest gets exactly what its CPUID offers: KVM refuses (#GP, or an
 * error from the hypercall) the PV and Hyper-V MSRs it does not. Without
 * this, kvm-pv-eoi=off only hides the bit from a guest that looks. */
static int enforce_cpuid(struct vcpu *vcpu, const struct kvm_host *host,
			 const struct cpu_model *model)
{
	struct kvm_enable_cap pv = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 } };
	struct kvm_enable_cap hv = { .cap = KVM_CAP_HYPERV_ENFORCE_CPUID, .args = { 1 } };

	if (host->pv_enforce && !model->pv_enforce_off &&
	    ioctl(vcpu->fd, KVM_ENABLE_CAP, &pv) < 0)
		return -errno;
	if (host->hv_enforce && !model->hv_enforce_off && model->hv.features &&
	    !model->hv.passthrough && ioctl(vcpu->fd, KVM_ENABLE_CAP, &hv) < 0)
		return -errno;
	return 0;
}

int vcpu_create(struct vcpu *vcpu, struct vm *vm, unsigned index,
		const struct kvm_cpuid2 *base_cpuid)
{
	size_t cpuid_bytes = sizeof(*base_cpuid) + base_cpuid->nent * sizeof(base_cpuid->entries[0]);
	struct kvm_cpuid2 *cpuid;
	int mmap_bytes, err;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->stats_fd = -ENOENT;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0)
		return -errno;
	vcpu->stats_fd = kvm_stats_open(vcpu->fd);     /* a host without them: no query-stats */
	mmap_bytes = ioctl(vm->env->host->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_bytes < 0)
		return -errno;
	vcpu->run = mmap(NULL, mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	vcpu->run_bytes = mmap_bytes;
	err = dirty_log_map_vcpu(&vm->dirty, index, vcpu->fd);
	if (err)
		return err;

	cpuid = malloc(cpuid_bytes);
	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, base_cpuid, cpuid_bytes);
	cpuid_set_topology(cpuid, index, vm->nr_vcpus);
	err = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0 ? -errno : 0;
	free(cpuid);
	if (!err)
		err = enable_hyperv_caps(vcpu, &vm->env->cfg->cpu.hv);
	if (!err)
		err = enforce_cpuid(vcpu, vm->env->host, &vm->env->cfg->cpu);
	if (!err && vm->env->cfg->cpu.tsc_khz &&
	    ioctl(vcpu->fd, KVM_SET_TSC_KHZ, (unsigned long)vm->env->cfg->cpu.tsc_khz) < 0)
		err = -errno;
	return err;
}

static void dump_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "%-4s sel=%04x base=%016llx limit=%08x type=%x l=%d db=%d\n", name,
		s->selector, (unsigned long long)s->base, s->limit, s->type, s->l, s->db);
}

/* Register dump for the operator when the guest cannot continue. */
static void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fprintf(stderr, "meridian: vCPU %u register dump\n", vcpu->index);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) == 0) {
		fprintf(stderr, "rip=%016llx rsp=%016llx rflags=%016llx\n", r.rip, r.rsp, r.rflags);
		fprintf(stderr, "rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
			r.rax, r.rbx, r.rcx, r.rdx);
		fprintf(stderr, "rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n",
			r.rsi, r.rdi, r.rbp, r.r8);
		fprintf(stderr, "r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n",
			r.r9, r.r10, r.r11, r.r12);
		fprintf(stderr, "r13=%016llx r14=%016llx r15=%016llx\n", r.r13, r.r14, r.r15);
	}
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) == 0) {
		fprintf(stderr, "cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
			s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
		dump_segment("cs", &s.cs);
		dump_segment("ss", &s.ss);
		fprintf(stderr, "gdt base=%016llx limit=%04x idt base=%016llx limit=%04x\n",
			s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	}
	fflush(stderr);
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	/* data_offset/count come from KVM, not the guest: they stay inside the
	 * run page. */
	for (uint32_t i = 0; i < run->io.count; i++) {
		io_bus_access(&vcpu->vm->pio, run->io.port, run->io.direction == KVM_EXIT_IO_OUT,
			      data, run->io.size);
		data += run->io.size;
	}
}

/* PCI BARs; elsewhere reads see all ones and writes vanish. */
static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;
	struct pci_device *dev;
	uint64_t offset, gpa = run->mmio.phys_addr;
	int bar;

	if (len && gpa >= PCI_ECAM_GPA && gpa - PCI_ECAM_GPA < PCI_ECAM_BYTES) {
		pci_ecam_access(&vcpu->vm->pci, gpa - PCI_ECAM_GPA, run->mmio.data, len,
				run->mmio.is_write);
		return;
	}
	dev = len ? pci_bus_find_mmio(&vcpu->vm->pci, run->mmio.phys_addr, len, &bar, &offset) : NULL;
	if (dev && run->mmio.is_write && dev->bar_write)
		dev->bar_write(dev, bar, offset, run->mmio.data, len);
	else if (dev && !run->mmio.is_write && dev->bar_read)
		dev->bar_read(dev, bar, offset, run->mmio.data, len);
	else if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
}

static void fatal_exit(struct vcpu *vcpu, const char *what)
{
	log_error("vCPU %u: %s", vcpu->index, what);
	vcpu_dump(vcpu);
	vm_request_stop(vcpu->vm, VM_FATAL);
}

/* Returns false when the vCPU should stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_DIRTY_RING_FULL:
		/* this vCPU's ring is full: take it, then it can run on */
		switch (dirty_log_ring_full(&vcpu->vm->dirty, vcpu->index)) {
		case 0:
			return true;
		case -EOVERFLOW:
			fatal_exit(vcpu, "KVM wrote past the end of this vCPU's dirty ring and counts "
				   "entries it never handed over: it will not run the vCPU again "
				   "(Linux 6.1 on shadow page tables; use --dirty-tracking dirty-log-clear)");
			return false;
		default:
			fatal_exit(vcpu, "the dirty ring is full and cannot be reset");
			return false;
		}
	case KVM_EXIT_SHUTDOWN:
		fatal_exit(vcpu, "triple fault (KVM_EXIT_SHUTDOWN): the guest cannot continue");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u",
			 run->internal.suberror);
		fatal_exit(vcpu, what);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		fatal_exit(vcpu, what);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			vm_request_stop(vcpu->vm, VM_RESET);
		else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			vm_request_stop(vcpu->vm, VM_POWEROFF);
		else
			vm_request_stop(vcpu->vm, VM_FATAL);
		return false;
	default:
		snprintf(what, sizeof(what), "unhandled KVM exit reason %u", run->exit_reason);
		fatal_exit(vcpu, what);
		return false;
	}
}

/* KVM finishes an exit to the VMM (an IN's value into RAX, RIP past an
 * OUT or an MMIO access) only on the next KVM_RUN. A vCPU saved before
 * that would run the instruction again after a restore: an OUT twice, or
 * the UART's IIR read twice, which acknowledges twice and loses an
 * interrupt. So before parking: KVM_RUN with immediate_exit, which
 * completes the exit and returns EINTR without running guest code. (A
 * string instruction can exit again on the way; that exit is handled.) */
static bool complete_exit(struct vcpu *vcpu)
{
	for (;;) {
		vcpu->run->immediate_exit = 1;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			vcpu->run->immediate_exit = 0;
			if (errno == EINTR || errno == EAGAIN)
				return true;
			log_error("vCPU %u: KVM_RUN: %s", vcpu->index, strerror(errno));
			vm_request_stop(vcpu->vm, VM_FATAL);
			return false;
		}
		if (!handle_exit(vcpu))
			return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	bool exit_open = false;         /* an exit handled, not yet completed by KVM */

	atomic_store(&vcpu->tid, (int)gettid());
	while (atomic_load(&vcpu->vm->stop_reason) == VM_RUNNING) {
		if (atomic_load(&vcpu->vm->pause_requested)) {
			if (exit_open && !complete_exit(vcpu))
				break;
			exit_open = false;
			vm_park_vcpu(vcpu->vm);
			vcpu->run->immediate_exit = 0;  /* the kick that parked us is spent */
			continue;
		}
		if (atomic_exchange(&vcpu->throttle_due, false)) {
			unsigned pct = atomic_load(&vcpu->vm->throttle_pct);

			if (pct)
				usleep(THROTTLE_PERIOD_US / 100 * pct);
			continue;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* kicked: the kick is spent; the flags say why */
				vcpu->run->immediate_exit = 0;
				exit_open = false;
				continue;
			}
			log_error("vCPU %u: KVM_RUN: %s", vcpu->index, strerror(errno));
			vm_request_stop(vcpu->vm, VM_FATAL);
			break;
		}
		if (!handle_exit(vcpu))
			break;
		exit_open = true;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int r = thread_start(&vcpu->thread, ROLE_VCPU, vcpu->index, vcpu_thread, vcpu);

	if (r)
		return r;
	vcpu->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->run)
		return;
	vcpu->run->immediate_exit = 1;
	if (vcpu->started)
		pthread_kill(vcpu->thread, SIG_VCPU_KICK);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->started)
		pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_bytes);
	if (vcpu->stats_fd >= 0)
		close(vcpu->stats_fd);
	vcpu->stats_fd = -ENOENT;
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
