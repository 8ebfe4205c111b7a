/* Why a VM instance stops running. Devices ask for a stop through a
 * vm_stop_fn; the first reason wins. */
#ifndef MERIDIAN_LIFECYCLE_H
#define MERIDIAN_LIFECYCLE_H

enum vm_stop_reason {
	VM_RUNNING = 0,
	VM_POWEROFF,    /* ACPI S5: exit 0 */
	VM_RESET,       /* guest reset: restart, or exit 0 with --no-reboot */
	VM_QUIT,        /* operator asked (signal, Ctrl-A x): exit 0 */
	VM_FATAL,       /* triple fault, KVM error: exit 2 */
	VM_SETUP_ERROR, /* could not build the VM: exit 1 */
	VM_DEBUG_EXIT,  /* the guest wrote to the debug-exit port: its status */
};

typedef void (*vm_stop_fn)(void *ctx, enum vm_stop_reason reason);

#endif
