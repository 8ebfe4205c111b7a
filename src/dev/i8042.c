#include "dev/i8042.h"

#define CMD_PULSE_RESET 0xfe

uint32_t i8042_io_read(void *opaque, uint16_t offset, unsigned size)
{
	/* Status 0: output buffer empty, input buffer empty, so a guest
	 * waiting to send a command (kb_wait) proceeds at once. */
	return 0;
}

void i8042_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	struct i8042 *kbc = opaque;

	/* offset 4 is port 0x64 when the device spans 0x60-0x64 */
	if (offset == I8042_CMD_PORT - I8042_DATA_PORT && (value & 0xff) == CMD_PULSE_RESET)
		kbc->stop(kbc->stop_ctx, VM_RESET);
}
