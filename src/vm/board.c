/* The PC the guest sees: the legacy devices at their ports (UART, i8042,
 * CMOS, ACPI PM, fw_cfg, debug-exit), the PCI bus with its BAR windows and
 * shared INTx lines, and the device kinds the configuration may ask for.
 * The one place that names device types. */
#include "vm/board.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "boot/boot_params.h"
#include "dev/virtio_balloon.h"
#include "dev/virtio_blk.h"
#include "dev/virtio_net.h"
#include "dev/virtio_rng.h"
#include "kvm/layout.h"
#include "vm/vm.h"

static void vm_set_sci(void *opaque, bool level)
{
	vm_set_irq(opaque, ACPI_SCI_IRQ, level);
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
static uint64_t take_bar(void *ctx, bool high)
{
	struct vm *vm = ctx;
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

/* The event loop has news from a device (the balloon moved). */
static void wake_loop(void *ctx)
{
	struct vm *vm = ctx;
	uint64_t one = 1;

	if (write(vm->env->wake_fd, &one, sizeof(one)) < 0)
		log_error("cannot wake the event loop: %s", strerror(errno));
}

static int plug(void *ctx, struct pci_device *dev);

static struct device_host device_host_of(struct vm *vm)
{
	return (struct device_host){
		.virtio = { .vm_fd = vm->fd, .mem = &vm->mem, .loop = vm->env->loop,
			    .routes = &vm->routes, .set_intx = pci_set_intx, .intx_ctx = vm },
		.cfg = vm->env->cfg, .disks = vm->env->disks, .nets = vm->env->nets,
		.take_bar = take_bar, .plug = plug, .wake = wake_loop, .ctx = vm,
	};
}

/* The devices the configuration asks for, kind by kind and in this
 * order, which is the order of their PCI slots and BARs (the guest sees
 * it: keep it). */
static const struct device_kind *const kinds[] = {
	&virtio_rng_kind,
	&virtio_blk_kind,
	&virtio_net_kind,
	&virtio_balloon_kind,
};

static int add_kind(struct vm *vm, const struct device_host *host, const struct device_kind *k)
{
	unsigned n = k->count(vm->env->cfg);

	for (unsigned i = 0; i < n; i++) {
		struct device d = { 0 };
		int r = k->create(host, i, &d);

		/* a half-built device is in the table too: its destroy undoes it */
		if (d.dev && device_table_add(&vm->devices, k->type, i, d.ops, d.dev)) {
			d.ops->destroy(d.dev);
			return -ENOSPC;
		}
		if (r)
			return r;
	}
	return 0;
}

/* Puts a device on the bus and tells it its interrupt line. */
static int plug(void *ctx, struct pci_device *dev)
{
	struct vm *vm = ctx;
	int slot = pci_bus_add(&vm->pci, dev);

	if (slot < 0)
		return -ENOSPC;
	dev->config[PCI_INTERRUPT_LINE] = (uint8_t)PCI_INTX_GSI(slot);
	return 0;
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

/* The platform's devices with state, then the ones the configuration
 * asks for; the port I/O bus; the PCI bus. */
int board_create(struct vm *vm)
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
	const struct device_host host = device_host_of(vm);
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
	if (device_table_add(&vm->devices, "uart", 0, &uart_device_ops, &vm->uart) ||
	    device_table_add(&vm->devices, "acpi-pm", 0, &acpi_pm_device_ops, &vm->pm) ||
	    device_table_add(&vm->devices, "cmos", 0, &cmos_device_ops, vm->env->cmos))
		return -ENOSPC;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((r = add_kind(vm, &host, kinds[i])))
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

void board_destroy(struct vm *vm)
{
	uart_destroy(&vm->uart);
	pci_bus_destroy(&vm->pci);
	pthread_mutex_destroy(&vm->intx_lock);
}
