/* kvmhold: L1's standing VM, started by l1-init before any scenario.
 *
 * Linux live-patches its own code when a static key flips: it writes an
 * int3 over the site, syncs the other CPUs, writes the new bytes, and
 * removes the int3 (text_poke_bp). KVM flips two such keys on paths every
 * guest run takes: the scheduler's preempt notifiers (on in finish_task_
 * switch while any VM exists, so flipped whenever L1 goes from no VM to
 * one and back) and the local APIC's "software disabled" key (while any
 * vCPU's APIC is, so flipped by each new vCPU). QEMU's TCG sometimes keeps
 * running its stale translation of the patched site with the int3 still
 * in it, while the kernel, reading memory, finds the int3 gone, backs up
 * and retries: that L1 CPU loops there forever (docs/lab.md, session 9).
 *
 * Holding one VM, with a vCPU whose APIC stays software-disabled (it never
 * runs), keeps both keys on from boot, so no guest run patches L1's code.
 * A lab artifact: on real hardware the patching is safe. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_VCPU, 0) < 0) {
		perror("kvmhold");
		return 1;
	}
	printf("kvmhold: holding a VM with one vCPU (never run)\n");
	fflush(stdout);
	for (;;)
		pause();
}
