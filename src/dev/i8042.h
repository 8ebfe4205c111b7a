/* Just enough of the PC keyboard controller for the guest to reset the
 * machine: command 0xfe on port 0x64 pulses the reset line. No keyboard. */
#ifndef MERIDIAN_I8042_H
#define MERIDIAN_I8042_H

#include <stdint.h>

#include "base/lifecycle.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64

struct i8042 {
	vm_stop_fn stop;
	void *stop_ctx;
};

uint32_t i8042_io_read(void *opaque, uint16_t offset, unsigned size);
void i8042_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);

#endif
