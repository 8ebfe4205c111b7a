#include "dev/debug_exit.h"

void debug_exit_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct debug_exit *dev = opaque;
	uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	if (offset)
		return;         /* only a write to the port itself, as on QEMU */
	/* An exit status is 8 bits wide; the shell sees the low byte. */
	atomic_store(&dev->status, (int)((((value & mask) << 1) | 1) & 0xff));
	dev->stop(dev->stop_ctx, VM_DEBUG_EXIT);
}
