#include "boot/x86_entry.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kvm/layout.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_RW       (1ull << 1)
#define PTE_PS       (1ull << 7)
#define CR0_PE       (1ull << 0)
#define CR0_ET       (1ull << 4)
#define CR0_PG       (1ull << 31)
#define CR4_PAE      (1ull << 5)
#define EFER_LME     (1ull << 8)
#define EFER_LMA     (1ull << 10)

#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

/* GDT entries: base 0, limit 0xfffff pages. 0xa09b: 64-bit code, 0xc093: data. */
static const uint64_t boot_gdt[] = {
	0,
	0,
	0x00af9b000000ffffull,  /* 0x10: code, L=1 */
	0x00cf93000000ffffull,  /* 0x18: data */
	0x00cf9b000000ffffull,  /* 0x20: code, 32-bit (multiboot) */
};

int x86_write_boot_tables(const struct guest_mem *mem)
{
	uint64_t *gdt = guest_mem_ptr(mem, GDT_GPA, sizeof(boot_gdt));
	uint64_t *pml4 = guest_mem_ptr(mem, PML4_GPA, 4096);
	uint64_t *pdpt = guest_mem_ptr(mem, PDPT_GPA, 4096);
	uint64_t *pd = guest_mem_ptr(mem, PD_GPA, 4 * 4096);

	if (!gdt || !pml4 || !pdpt || !pd)
		return -1;
	memcpy(gdt, boot_gdt, sizeof(boot_gdt));
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = PDPT_GPA | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (PD_GPA + i * 4096) | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
	return 0;
}

/* long: a 64-bit code segment (L=1, D=0); otherwise 32-bit (D=1). */
static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, int long_code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = long_code ? 0 : 1, .s = 1, .l = long_code ? 1 : 0,
		.g = 1,
	};
}

/* The state both entries share: flat segments with code segment cs, our
 * GDT, no IDT, then regs and a reset FPU. cr0/cr3/cr4/efer come from
 * the caller. */
static int enter(int vcpu_fd, struct kvm_segment cs, struct kvm_sregs *sregs,
		 const struct kvm_regs *regs)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	sregs->cs = cs;
	sregs->ds = flat_segment(BOOT_DS_SELECTOR, 0x3, 0);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->gdt.base = GDT_GPA;
	sregs->gdt.limit = sizeof(boot_gdt) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, sregs) < 0)
		return -errno;
	if (ioctl(vcpu_fd, KVM_SET_REGS, regs) < 0)
		return -errno;
	if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

int x86_setup_boot_vcpu(int vcpu_fd, uint64_t entry_gpa, uint64_t zero_page_gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = entry_gpa, .rsi = zero_page_gpa, .rsp = BOOT_STACK_GPA,
		.rbp = BOOT_STACK_GPA, .rflags = 0x2,
	};

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	return enter(vcpu_fd, flat_segment(BOOT_CS_SELECTOR, 0xb, 1), &sregs, &regs);
}

int x86_setup_boot_vcpu_32(int vcpu_fd, uint32_t entry_gpa, uint32_t eax, uint32_t ebx)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = entry_gpa, .rax = eax, .rbx = ebx, .rflags = 0x2 };

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cr0 = CR0_PE | CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	return enter(vcpu_fd, flat_segment(BOOT_CS32_SELECTOR, 0xb, 0), &sregs, &regs);
}

static void lvt_set_mode(struct kvm_lapic_state *lapic, int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, lapic->regs + reg, 4);
	v = (v & ~0x700u) | (mode << 8);
	memcpy(lapic->regs + reg, &v, 4);
}

int x86_setup_lapic_lint(int vcpu_fd)
{
	struct kvm_lapic_state lapic;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	lvt_set_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	lvt_set_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(vcpu_fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}
