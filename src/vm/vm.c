#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/layout.h"
#include "boot/boot_params.h"
#include "boot/linux_boot.h"
#include "boot/platform.h"
#include "boot/x86_entry.h"
#include "base/log.h"
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

static void vm_set_sci(void *opaque, bool level)
{
	vm_set_irq(opaque, ACPI_SCI_IRQ, level);
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
	for (unsigned i = 0; on && i < vm->nr_net; i++)
		virtio_net_allow_kernel_path(&vm->net[i], false);
	r = set_memslots(vm, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	if (!r && on)
		r = dirty_log_begin(&vm->dirty);
	for (unsigned i = 0; !on && i < vm->nr_net; i++)
		virtio_net_allow_kernel_path(&vm->net[i], true);
	return r;
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
	if (vm->has_rng)
		virtio_pci_freeze(&vm->rng.vp, frozen);
	for (unsigned i = 0; i < vm->nr_blk; i++) {
		virtio_pci_freeze(&vm->blk[i].vp, frozen);
		if (frozen)
			virtio_blk_drain(&vm->blk[i]);
	}
	for (unsigned i = 0; i < vm->nr_net; i++)
		virtio_net_freeze(&vm->net[i], frozen);
	if (vm->has_balloon)
		virtio_pci_freeze(&vm->balloon.vp, frozen);
}

static void uart_set_irq(void *opaque, bool level)
{
	vm_set_irq(opaque, UART_COM1_IRQ, level);
}

/* The UART's interrupt goes to this VM; its bytes go to the console. */
static void uart_tx(void *opaque, uint8_t byte)
{
	struct vm *vm = opaque;

	vm->env->uart_ops->tx(vm->env->uart_ctx, byte);
}

static void uart_rx_room(void *opaque)
{
	struct vm *vm = opaque;

	vm->env->uart_ops->rx_room(vm->env->uart_ctx);
}

static const struct uart_ops vm_uart_ops = {
	.tx = uart_tx, .set_irq = uart_set_irq, .rx_room = uart_rx_room,
};

/* The next virtio BAR: in the 32-bit window below 4 GiB, or (high) in the
 * 64-bit window above RAM, which keeps the hole for 32-bit-only guests.
 * 0 when the window is full. */
static uint64_t take_bar(struct vm *vm, bool high)
{
	uint64_t *next = high ? &vm->next_bar64_gpa : &vm->next_bar_gpa;
	uint64_t end = high ? PCI_MMIO64_END : PCI_MMIO32_END, gpa = *next;

	if (gpa + VIRTIO_BAR_BYTES > end)
		return 0;
	*next += VIRTIO_BAR_BYTES;
	return gpa;
}

/* A PCI device's INTx: slots share the eight lines (PCI_INTX_GSI), so a
 * line is up while any of its slots holds it up. */
static void pci_set_intx(void *opaque, struct pci_device *dev, bool level)
{
	struct vm *vm = opaque;
	int slot = pci_bus_slot_of(&vm->pci, dev);
	unsigned gsi, line;

	if (slot < 0)
		return;
	gsi = PCI_INTX_GSI(slot);
	line = gsi - PCI_INTX_GSI(0);
	pthread_mutex_lock(&vm->intx_lock);
	if (level)
		vm->intx_slots[line] |= 1u << slot;
	else
		vm->intx_slots[line] &= ~(1u << slot);
	vm_set_irq(vm, gsi, vm->intx_slots[line] != 0);
	pthread_mutex_unlock(&vm->intx_lock);
}

static struct virtio_host virtio_host_of(struct vm *vm)
{
	return (struct virtio_host){ .vm_fd = vm->fd, .mem = &vm->mem, .loop = vm->env->loop,
				     .routes = &vm->routes, .set_intx = pci_set_intx, .intx_ctx = vm };
}

/* Puts a device on the bus and tells it its interrupt line. */
static int plug(struct vm *vm, struct pci_device *dev)
{
	int slot = pci_bus_add(&vm->pci, dev);

	if (slot < 0)
		return -ENOSPC;
	dev->config[PCI_INTERRUPT_LINE] = (uint8_t)PCI_INTX_GSI(slot);
	return 0;
}

/* virtio-rng on PCI */
static int add_rng(struct vm *vm)
{
	const struct virtio_host host = virtio_host_of(vm);
	int r = virtio_rng_init(&vm->rng, &host, take_bar(vm, false));

	vm->has_rng = true;
	return r ? r : plug(vm, &vm->rng.vp.pci);
}

/* One virtio-blk per --disk, in order; a request queue per vCPU; BARs
 * above RAM. */
static int add_disks(struct vm *vm)
{
	const struct virtio_host host = virtio_host_of(vm);

	for (unsigned i = 0; i < vm->env->nr_disks; i++) {
		struct virtio_blk *blk = &vm->blk[i];
		int r = virtio_blk_init(blk, &vm->env->disks[i], vm->env->cfg->cpus, &host,
					take_bar(vm, true));

		vm->nr_blk++;
		if (r || (r = plug(vm, &blk->vp.pci)))
			return r;
	}
	return 0;
}

/* From a vCPU thread (the driver wrote "actual"): the event loop tells
 * the API's clients (BALLOON_CHANGE). */
static void balloon_actual(void *opaque, uint64_t actual_pages)
{
	struct vm *vm = opaque;
	uint64_t one = 1;

	atomic_store(&vm->balloon_changed, true);
	if (write(vm->env->wake_fd, &one, sizeof(one)) < 0)
		log_error("cannot wake the event loop: %s", strerror(errno));
}

/* virtio-balloon (--balloon), aiming at its starting target */
static int add_balloon(struct vm *vm)
{
	const struct vm_config *cfg = vm->env->cfg;
	const struct virtio_host host = virtio_host_of(vm);
	int r = virtio_balloon_init(&vm->balloon, &host, take_bar(vm, false), cfg->balloon_reporting);

	if (r)
		return r;
	vm->has_balloon = true;
	vm->balloon.on_actual = balloon_actual;
	vm->balloon.ctx = vm;
	if (cfg->balloon_target_bytes)
		vm->balloon.target_pages =
			(uint32_t)((cfg->mem_bytes - cfg->balloon_target_bytes) / GUEST_PAGE_BYTES);
	return plug(vm, &vm->balloon.vp.pci);
}

/* One virtio-net per --net; its tap opened now, or (incoming) once the
 * guest has arrived. A tap that cannot be opened is said here, once. */
static int add_nets(struct vm *vm)
{
	const struct virtio_host host = virtio_host_of(vm);
	char err[200];

	for (unsigned i = 0; i < vm->env->cfg->nr_nets; i++) {
		struct virtio_net *net = &vm->net[i];

		if (virtio_net_init(net, &vm->env->cfg->nets[i], &host, take_bar(vm, false),
				    !vm->env->incoming, err, sizeof(err))) {
			log_error("--net: %s", err);
			return -ECANCELED;
		}
		vm->nr_net++;
		if (plug(vm, &net->vp.pci))
			return -ENOSPC;
	}
	return 0;
}

int vm_attach_backends(struct vm *vm, unsigned wait_ms)
{
	char err[200];

	for (unsigned i = 0; i < vm->nr_net; i++)
		if (vm->net[i].tap_fd < 0 && virtio_net_attach(&vm->net[i], wait_ms, err, sizeof(err))) {
			log_error("--net: %s", err);
			return -1;
		}
	return 0;
}

void vm_release_backends(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_net; i++)
		virtio_net_detach(&vm->net[i]);
}

/* fw_cfg tells the guest its RAM, CPUs, command line and e820 map. */
static int setup_fw_cfg(struct vm *vm)
{
	struct boot_e820_entry e820[8];
	unsigned n_e820 = e820_build(&vm->mem, e820, 8);
	const struct fw_cfg_machine fw = {
		.ram_bytes = vm->mem.total_bytes, .cpus = (uint16_t)vm->env->cfg->cpus,
		.cmdline = vm->env->cfg->cmdline, .e820 = e820, .e820_bytes = n_e820 * sizeof(e820[0]),
	};

	return fw_cfg_init(&vm->fw_cfg, &fw);
}

static int add_devices(struct vm *vm)
{
	const struct io_dev devs[] = {
		{ "uart", UART_COM1_PORT, 8, &vm->uart, uart_io_read, uart_io_write },
		{ "i8042", I8042_DATA_PORT, 5, &vm->kbc, i8042_io_read, i8042_io_write },
		{ "cmos", CMOS_PORT, 2, vm->env->cmos, cmos_io_read, cmos_io_write },
		{ "pm1-evt", PORT_ACPI_PM1_EVT, 4, &vm->pm, acpi_pm_evt_read, acpi_pm_evt_write },
		{ "pm1-cnt", PORT_ACPI_PM1_CNT, 2, &vm->pm, acpi_pm_cnt_read, acpi_pm_cnt_write },
		{ "pm-tmr", PORT_ACPI_PM_TMR, 4, &vm->pm, acpi_pm_tmr_read, NULL },
		{ "fw_cfg", FW_CFG_PORT_SEL, 2, &vm->fw_cfg, fw_cfg_io_read, fw_cfg_io_write },
		{ "pci-config", PCI_CONFIG_ADDRESS_PORT, 8, &vm->pci, pci_io_read, pci_io_write },
	};

	const struct io_dev exit_dev = { "debug-exit", DEBUG_EXIT_PORT, DEBUG_EXIT_BYTES,
					 &vm->debug_exit, NULL, debug_exit_io_write };
	int r;

	if (setup_fw_cfg(vm))
		return -E2BIG;
	vm->debug_exit = (struct debug_exit){ .stop = vm_request_stop, .stop_ctx = vm };
	if (vm->env->cfg->debug_exit && io_bus_add(&vm->pio, &exit_dev))
		return -EEXIST;
	uart_init(&vm->uart, &vm_uart_ops, vm);
	pci_bus_init(&vm->pci);
	pthread_mutex_init(&vm->intx_lock, NULL);
	vm->devices_ready = true;
	vm->next_bar_gpa = PCI_MMIO32_GPA;
	vm->next_bar64_gpa = PCI_MMIO64_GPA;
	if (vm->env->cfg->rng && add_rng(vm))
		return -ENODEV;
	r = add_disks(vm);
	if (r || (r = add_nets(vm)) || (vm->env->cfg->balloon && (r = add_balloon(vm))))
		return r;
	vm->kbc = (struct i8042){ .stop = vm_request_stop, .stop_ctx = vm };
	acpi_pm_init(&vm->pm, vm_request_stop, vm);
	vm->pm.set_sci = vm_set_sci;
	vm->pm.sci_ctx = vm;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (io_bus_add(&vm->pio, &devs[i]))
			return -EEXIST;
	return 0;
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
	int r = dirty_log_init(&vm->dirty, vm->fd, &vm->mem, vm->env->cfg->dirty,
			       vm->env->cfg->cpus);

	vm->dirty_ready = true;
	if (!r && vm->dirty.method == DIRTY_RING)
		log_once("--dirty-tracking dirty-ring: on Linux 6.1 with shadow paging it lost guest "
			 "pages in live migrations (README); the default, dirty-log-clear, did not");
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
	{ "devices", add_devices },
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
	if (vm->has_rng)
		virtio_rng_destroy(&vm->rng);
	vm->has_rng = false;
	for (unsigned i = 0; i < vm->nr_blk; i++)
		virtio_blk_destroy(&vm->blk[i]);
	vm->nr_blk = 0;
	for (unsigned i = 0; i < vm->nr_net; i++)
		virtio_net_destroy(&vm->net[i]);
	vm->nr_net = 0;
	if (vm->has_balloon)
		virtio_balloon_destroy(&vm->balloon);
	vm->has_balloon = false;
	if (vm->devices_ready) {
		uart_destroy(&vm->uart);
		pci_bus_destroy(&vm->pci);
		pthread_mutex_destroy(&vm->intx_lock);
	}
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
