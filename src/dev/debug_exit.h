/* QEMU's isa-debug-exit at port 0xf4 (with --debug-exit): a guest write of
 * value v ends meridian with exit status (v << 1) | 1, so test kernels
 * written for QEMU report their result the same way. */
#ifndef MERIDIAN_DEBUG_EXIT_H
#define MERIDIAN_DEBUG_EXIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/lifecycle.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_BYTES 4

struct debug_exit {
	vm_stop_fn stop;
	void *stop_ctx;
	_Atomic int status;     /* meridian's exit status once written */
};

void debug_exit_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);

#endif
