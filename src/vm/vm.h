/* One running instance of the guest: the KVM VM, its memory, devices and
 * vCPU threads. A guest reset destroys the instance and the machine builds
 * a fresh one (machine.c); what survives a reset (console, CMOS NVRAM)
 * belongs to the machine. */
#ifndef MERIDIAN_VM_H
#define MERIDIAN_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_file.h"
#include "boot/bzimage.h"
#include "config/vm_config.h"
#include "base/lifecycle.h"
#include "dev/acpi_pm.h"
#include "boot/multiboot.h"
#include "dev/cmos.h"
#include "dev/debug_exit.h"
#include "dev/device.h"
#include "dev/fw_cfg.h"
#include "dev/i8042.h"
#include "dev/io_bus.h"
#include "dev/pci.h"
#include "dev/uart.h"
#include "kvm/dirty_log.h"
#include "kvm/guest_mem.h"
#include "kvm/kvm_sys.h"

struct vcpu;

/* What the machine lends to each VM instance. */
struct vm_env {
	const struct vm_config *cfg;
	const struct kvm_host *host;
	const struct kvm_cpuid2 *cpuid;    /* the CPU model's table, before topology */
	enum kernel_format format;         /* KERNEL_BZIMAGE or KERNEL_MULTIBOOT */
	const struct bzimage *kernel;
	const struct multiboot_image *multiboot;
	const struct boot_file *kernel_file;
	const struct boot_file *initrd_file;    /* bzImage; NULL: none */
	const struct mb_module *modules;        /* multiboot */
	unsigned nr_modules;
	const char *multiboot_cmdline;          /* "KERNEL-PATH CMDLINE" */
	struct cmos *cmos;
	const struct uart_ops *uart_ops;   /* console side of the UART */
	void *uart_ctx;
	int wake_fd;                       /* eventfd: wakes the event loop */
	struct evloop *loop;               /* where device fds (queue kicks) are watched */
	const struct disk_image *disks;    /* --disk, opened */
	unsigned nr_disks;
	struct netdev *nets;          /* --net's backends (held, or taken once a guest arrived) */
	bool incoming;                     /* the state comes from a stream: no kernel load */
};

struct vm {
	const struct vm_env *env;
	int fd;
	struct guest_mem mem;
	struct dirty_log dirty;         /* which pages the vCPUs wrote (migration) */
	bool dirty_ready;
	struct io_bus pio;
	struct uart uart;
	struct i8042 kbc;
	struct acpi_pm pm;
	struct fw_cfg fw_cfg;
	struct pci_bus pci;
	struct device_table devices;    /* every device with state (board.c) */
	uint64_t next_bar_gpa;          /* PCI BARs are handed out upward from here, */
	uint64_t next_bar64_gpa;        /* and in the 64-bit window from here */
	struct irq_routes routes;       /* GSI routing: PC lines + MSI routes for irqfds */
	bool routes_ready;
	pthread_mutex_t intx_lock;
	uint32_t intx_slots[8];         /* per INTx line: the slots holding it up */
	struct debug_exit debug_exit;
	bool devices_ready;
	struct vcpu *vcpus;
	unsigned nr_vcpus;
	_Atomic int stop_reason;        /* enum vm_stop_reason */
	/* stop/cont: vCPU threads park outside KVM_RUN while pause_requested */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	_Atomic bool pause_requested;
	unsigned parked_vcpus;
	_Atomic unsigned throttle_pct;  /* auto-converge: share of each 10 ms asleep */
};

/* Builds the VM. Returns 0, or -1 after printing one line. */
int vm_create(struct vm *vm, const struct vm_env *env);
int vm_start(struct vm *vm);
/* Asks the VM to stop (thread-safe; the first reason wins). */
void vm_request_stop(void *vm, enum vm_stop_reason reason);
/* After a stop request: waits for the vCPU threads to leave. */
void vm_join(struct vm *vm);
void vm_destroy(struct vm *vm);
/* Parks every vCPU thread outside KVM_RUN and waits until they are (from
 * the event loop's thread). With tell_guest, each vCPU's kvmclock is told
 * it was paused (KVM_KVMCLOCK_CTRL), so the guest's watchdogs do not take
 * the pause for a lockup. */
void vm_pause(struct vm *vm, bool tell_guest);
void vm_resume(struct vm *vm);
/* KVM_KVMCLOCK_CTRL on every vCPU: the guest's watchdogs forgive the pause. */
void vm_tell_guest_paused(struct vm *vm);
/* For vCPU threads: parks while a pause is asked for. */
void vm_park_vcpu(struct vm *vm);

/* Dirty page tracking for live migration: KVM's record of the vCPUs'
 * writes (kvm/dirty_log.h, vm->dirty) plus the pages meridian's devices
 * wrote, taken and ORed into a bitmap of RAM pages (from RAM's start):
 * what the caller has not sent yet stays in it. With the dirty-log-clear
 * method the caller re-arms each chunk (dirty_log_clear) before reading it. */
int vm_set_dirty_logging(struct vm *vm, bool on);
int vm_take_dirty(struct vm *vm, uint64_t *bitmap);
/* The devices keep to meridian's own data paths (no vhost-net) while on:
 * post-copy's destination, until every page of RAM has arrived. */
void vm_devices_own_paths(struct vm *vm, bool on);

/* Freezes the virtio devices (no new requests from their queues) and
 * waits for the requests in flight, so nothing writes guest RAM any more;
 * false thaws them. With the vCPUs paused: the moment a VM's final state
 * is taken (live migration's last round). */
void vm_freeze_devices(struct vm *vm, bool frozen);
/* Every --disk's writes on stable storage (fdatasync): before a snapshot. */
void vm_sync_disks(struct vm *vm);

/* The network backends: attached after an incoming migration (waiting
 * up to wait_ms for the source to let its taps go), released when this
 * VM's guest went to a destination. Attach returns 0 or -1 (said). */
int vm_attach_backends(struct vm *vm, unsigned wait_ms);
void vm_release_backends(struct vm *vm);

/* Raises or lowers an interrupt line of the in-kernel irqchip. */
void vm_set_irq(struct vm *vm, unsigned gsi, int level);

#endif
