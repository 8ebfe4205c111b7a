#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/kvm_sys.h"
#include "kvm/layout.h"
#include "boot/boot_params.h"
#include "boot/linux_boot.h"
#include "boot/platform.h"
#include "boot/x86_entry.h"
#include "base/log.h"
#include "vm/board.h"
#include "vm/vcpu.h"


void vm_set_irq(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	ioctl(vm->fd, KVM_IRQ_LINE, &irq);
}

void vm_request_stop(void *opaque, enum vm_stop_reason reason)
{
	struct vm *vm = opaque;
	int expected = VM_RUNNING;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stop_reason, &expected, (int)reason))
		return;
	pthread_mutex_lock(&vm->run_lock);             /* parked vCPUs leave too */
	pthread_cond_broadcast(&vm->run_cond);
	pthread_mutex_unlock(&vm->run_lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	if (write(vm->env->wake_fd, &one, sizeof(one)) < 0)
		log_error("cannot wake the event loop: %s", strerror(errno));
}

void vm_park_vcpu(struct vm *vm)
{
	pthread_mutex_lock(&vm->run_lock);
	vm->parked_vcpus++;
	pthread_cond_broadcast(&vm->run_cond);
	while (atomic_load(&vm->pause_requested) &&
	       atomic_load(&vm->stop_reason) == VM_RUNNING)
		pthread_cond_wait(&vm->run_cond, &vm->run_lock);
	vm->parked_vcpus--;
	pthread_mutex_unlock(&vm->run_lock);
}

void vm_pause(struct vm *vm, bool tell_guest)
{
	atomic_store(&vm->pause_requested, true);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->run_lock);
	while (vm->parked_vcpus < vm->nr_vcpus && atomic_load(&vm->stop_reason) == VM_RUNNING)
		pthread_cond_wait(&vm->run_cond, &vm->run_lock);
	pthread_mutex_unlock(&vm->run_lock);
	if (tell_guest)
		vm_tell_guest_paused(vm);
}

void vm_tell_guest_paused(struct vm *vm)
{
	/* EINVAL just means this vCPU's guest has no kvmclock */
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		ioctl(vm->vcpus[i].fd, KVM_KVMCLOCK_CTRL, 0);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->run_lock);
	atomic_store(&vm->pause_requested, false);
	pthread_cond_broadcast(&vm->run_cond);
	pthread_mutex_unlock(&vm->run_lock);
}

static int set_memslots(struct vm *vm, uint32_t flags)
{
	for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
		const struct mem_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = i, .flags = flags, .guest_phys_addr = r->gpa,
			.memory_size = r->size_bytes, .userspace_addr = (uintptr_t)r->hva,
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return -errno;
	}
	return 0;
}

int vm_set_dirty_logging(struct vm *vm, bool on)
{
	int r;

	/* a kernel data path (vhost) writes guest RAM unseen by the dirty log */
	if (on)
		device_table_dirty_logging(&vm->devices, true);
	if (!on)
		dirty_log_end(&vm->dirty);
	r = set_memslots(vm, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	if (!r && on)
		r = dirty_log_begin(&vm->dirty);
	if (!on)
		device_table_dirty_logging(&vm->devices, false);
	return r;
}

void vm_devices_own_paths(struct vm *vm, bool on)
{
	device_table_dirty_logging(&vm->devices, on);
}

int vm_take_dirty(struct vm *vm, uint64_t *bitmap)
{
	uint64_t words = (vm->mem.total_bytes / GUEST_PAGE_BYTES + 63) / 64;
	int r = dirty_log_sync(&vm->dirty, bitmap);

	/* and what meridian's devices wrote */
	for (uint64_t w = 0; w < words; w++)
		bitmap[w] |= guest_mem_take_dirty(&vm->mem, w);
	return r;
}

void vm_freeze_devices(struct vm *vm, bool frozen)
{
	device_table_freeze(&vm->devices, frozen);
}

void vm_sync_disks(struct vm *vm)
{
	for (unsigned i = 0; i < vm->env->nr_disks; i++)
		if (fdatasync(vm->env->disks[i].fd) < 0)
			log_error("disk %u: fdatasync: %s", i, strerror(errno));
}

int vm_attach_backends(struct vm *vm, unsigned wait_ms)
{
	return device_table_attach(&vm->devices, wait_ms);
}

void vm_release_backends(struct vm *vm)
{
	device_table_release(&vm->devices);
}

static int create_vcpus(struct vm *vm)
{
	const struct vm_config *cfg = vm->env->cfg;
	int r;

	vm->vcpus = calloc(cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	vm->nr_vcpus = cfg->cpus;
	for (unsigned i = 0; i < cfg->cpus; i++) {
		r = vcpu_create(&vm->vcpus[i], vm, i, vm->env->cpuid);
		if (r)
			return r;
		r = x86_setup_lapic_lint(vm->vcpus[i].fd);
		if (r)
			return r;
	}
	return 0;
}

static int load_linux(struct vm *vm)
{
	const struct vm_env *env = vm->env;
	struct linux_boot_plan plan;
	char err[160];

	uint64_t initrd_bytes = env->initrd_file ? env->initrd_file->size_bytes : 0;
	int r;

	if (linux_boot_plan(env->kernel, &vm->mem, initrd_bytes, env->cfg->cmdline,
			    &plan, err, sizeof(err))) {
		log_error("%s", err);
		return -EINVAL;
	}
	struct unpacked_kernel vmlinux, *unpacked = NULL;
	uint64_t entry_gpa;

	/* Unpacked per boot and freed at once: 50 MiB of vmlinux would
	 * otherwise stay in meridian's RSS for the guest's lifetime. */
	if (!env->cfg->kaslr) {
		r = kernel_unpack(env->kernel_file, env->kernel, &vmlinux, err, sizeof(err));
		if (r == 0)
			unpacked = &vmlinux;
		else if (r == -ENOTSUP)
			log_once("%s: the guest decompresses it itself (slower boot)", err);
		else
			log_once("cannot unpack the kernel on the host (%s): the guest decompresses it", err);
	}
	r = linux_boot_load(&vm->mem, env->kernel, &plan, env->kernel_file, env->initrd_file,
			    unpacked, env->cfg->cmdline, env->cfg->cpus, &entry_gpa);
	if (unpacked)
		unpacked_kernel_free(unpacked);
	if (r)
		return r;
	return x86_setup_boot_vcpu(vm->vcpus[0].fd, entry_gpa, ZERO_PAGE_GPA);
}

/* The machine checked the plan already; the modules' places are in it. */
static int load_multiboot(struct vm *vm)
{
	const struct vm_env *env = vm->env;
	uint32_t mbi_gpa;
	int r;

	r = multiboot_load(&vm->mem, env->multiboot, env->kernel_file, env->modules,
			   env->nr_modules, env->multiboot_cmdline, &mbi_gpa);
	if (!r)
		r = platform_tables_write(&vm->mem, env->cfg->cpus, NULL);
	if (r)
		return r;
	return x86_setup_boot_vcpu_32(vm->vcpus[0].fd, env->multiboot->entry_gpa,
				      MULTIBOOT_BOOTLOADER_MAGIC, mbi_gpa);
}

static int load_guest(struct vm *vm)
{
	if (vm->env->incoming)
		return 0;       /* RAM and registers come from the stream */
	return vm->env->format == KERNEL_MULTIBOOT ? load_multiboot(vm) : load_linux(vm);
}

static int create_platform(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity_gpa = KVM_IDENTITY_GPA;
	int r;

	/* Intel needs these pages for real-mode emulation; they sit in the
	 * MMIO hole, outside any memory slot. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA) < 0 ||
	    ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &identity_gpa) < 0 ||
	    ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return -errno;
	/* the PC's lines; the MADT's PIT override matches (GSI 0 at pin 2) */
	r = irq_routes_init(&vm->routes, vm->fd);
	vm->routes_ready = !r;
	return r;
}

static int map_memory(struct vm *vm)
{
	int r = guest_mem_map(&vm->mem, vm->env->cfg->mem_bytes);

	if (!r && vm->env->cfg->mem_prealloc)
		r = guest_mem_prealloc(&vm->mem);
	return r ? r : set_memslots(vm, 0);
}

/* Before the vCPUs: the dirty ring is per vCPU and set up with the VM. */
static int init_dirty_tracking(struct vm *vm)
{
	/* there KVM pushes whole page tables' worth of entries in one exit,
	 * past any ring's end, and loses pages (issue 26) */
	const char *shadow = vm->env->cfg->dirty == DIRTY_RING ? vm->env->host->shadow_paging : NULL;
	int r;

	if (shadow) {
		log_error("--dirty-tracking dirty-ring: KVM runs guests on shadow page tables here "
			  "(%s), where it overflows the dirty ring and loses pages; use dirty-log-clear "
			  "(the default) or dirty-log", shadow);
		return -ECANCELED;
	}
	r = dirty_log_init(&vm->dirty, vm->fd, &vm->mem, vm->env->cfg->dirty, vm->env->cfg->cpus);
	vm->dirty_ready = true;
	return r;
}

/* The order in which a VM is built; each step returns 0 or -errno. */
static const struct {
	const char *what;
	int (*run)(struct vm *vm);
} build_steps[] = {
	{ "irqchip, PIT and interrupt routing", create_platform },
	{ "guest memory", map_memory },
	{ "dirty page tracking (--dirty-tracking)", init_dirty_tracking },
	{ "devices", board_create },
	{ "vCPUs", create_vcpus },
	{ "loading the kernel", load_guest },
};

int vm_create(struct vm *vm, const struct vm_env *env)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->env = env;
	pthread_mutex_init(&vm->run_lock, NULL);
	pthread_cond_init(&vm->run_cond, NULL);
	vm->fd = ioctl(env->host->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		log_error("creating the VM: KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(build_steps) / sizeof(build_steps[0]); i++) {
		r = build_steps[i].run(vm);
		if (r) {
			if (r != -ECANCELED)    /* the step said why itself */
				log_error("creating the VM: %s: %s", build_steps[i].what, strerror(-r));
			vm_destroy(vm);
			return -1;
		}
	}
	return 0;
}

int vm_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		int r = vcpu_start(&vm->vcpus[i]);

		if (r) {
			log_error("starting vCPU %u: %s", i, strerror(-r));
			vm_request_stop(vm, VM_SETUP_ERROR);
			return -1;
		}
	}
	return 0;
}

void vm_join(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(&vm->vcpus[i]);
}

void vm_destroy(struct vm *vm)
{
	if (vm->vcpus) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vcpu_destroy(&vm->vcpus[i]);
		free(vm->vcpus);
		vm->vcpus = NULL;
	}
	if (vm->dirty_ready)
		dirty_log_destroy(&vm->dirty);
	vm->dirty_ready = false;
	device_table_destroy(&vm->devices);
	if (vm->devices_ready)
		board_destroy(vm);
	vm->devices_ready = false;
	vm->nr_vcpus = 0;
	if (vm->routes_ready)
		irq_routes_destroy(&vm->routes);
	vm->routes_ready = false;
	guest_mem_unmap(&vm->mem);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	pthread_cond_destroy(&vm->run_cond);
	pthread_mutex_destroy(&vm->run_lock);
}
