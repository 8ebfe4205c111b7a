/* A VM's processor side in the stream (clock, irqchip, PIT, vCPUs), read
 * and written through KVM: the snap_vm a real VM is, for snapshot.c. */
#ifndef MERIDIAN_CPU_SECTIONS_H
#define MERIDIAN_CPU_SECTIONS_H

#include "migrate/snapshot.h"

struct vm;

/* vm as snapshot.c sees it (its memory, device table, configuration and
 * KVM's state); valid while vm is. */
struct snap_vm snap_vm_of(struct vm *vm);

#endif
