/* libFuzzer target: a hostile stream's device sections (configurations
 * and states, named by id) into a device table of a UART, a CMOS and a
 * disk-like device, as snapshot.c reads them: the ids, lengths and the
 * devices' own loaders must hold whatever the bytes say. The input is the
 * stream after its header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/le_bytes.h"
#include "dev/cmos.h"
#include "dev/uart.h"
#include "migrate/device_sections.h"
#include "../unit/fake_devices.h"

static void tx(void *ctx, uint8_t byte) { }
static void set_irq(void *ctx, bool level) { }
static void rx_room(void *ctx) { }
static const struct uart_ops uart_ops = { .tx = tx, .set_irq = set_irq, .rx_room = rx_room };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mig_stream r;
	static struct device_table t;
	static struct devsec_loaded l;
	static struct uart uart;
	static struct cmos cmos;
	static struct fake_disk disk = { .sectors = 2048 };
	char err[256];
	bool checked = false;
	int fd = memfd_create("fuzz", 0);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	lseek(fd, 0, SEEK_SET);
	memset(&t, 0, sizeof(t));
	memset(&l, 0, sizeof(l));
	uart_init(&uart, &uart_ops, NULL);
	cmos_init(&cmos);
	if (device_table_add(&t, "uart", 0, &uart_device_ops, &uart) ||
	    device_table_add(&t, "cmos", 0, &cmos_device_ops, &cmos) ||
	    device_table_add(&t, "disk", 0, &disk_ops, &disk))
		abort();
	mig_reader_init(&r, fd);
	for (int n = 0; n < 64; n++) {
		uint32_t type, id, version, len;
		int s;

		if (mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err)))
			break;
		if (type != MIG_SEC_DEVICE_CONFIG && !checked) {
			if (devsec_check_configured(&t, &l, err, sizeof(err)))
				break;
			checked = true;
		}
		if (type == MIG_SEC_DEVICE_CONFIG)
			s = devsec_get_config(&r, &t, len, &l, err, sizeof(err));
		else if (type == MIG_SEC_DEVICE)
			s = devsec_get_state(&r, &t, len, &l, err, sizeof(err));
		else
			break;
		if (s < 0)
			break;
	}
	if (checked)
		devsec_apply(&t, &l, err, sizeof(err));
	devsec_loaded_free(&l);
	uart_destroy(&uart);
	close(fd);
	return 0;
}
