/* libFuzzer target: a hostile migration stream's RAM sections (plain,
 * zero, zstd) into a small guest RAM, as the destination reads them. The
 * input is the stream after its header: sections as mig_get_section reads
 * them. Nothing may be written outside RAM, whatever the counts, lengths
 * and frames say. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "migrate/ram_pages.h"
#include "migrate/stream.h"

#define PAGES 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mig_stream r;
	static uint8_t *ram;
	struct guest_mem mem = { .total_bytes = PAGES * 4096ull, .nr_regions = 1 };
	char err[256];
	int fd = memfd_create("fuzz", 0);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	lseek(fd, 0, SEEK_SET);
	if (!ram)
		ram = malloc(PAGES * 4096);
	mem.base_hva = ram;
	mem.regions[0] = (struct mem_region){ .size_bytes = mem.total_bytes, .hva = ram };
	mig_reader_init(&r, fd);
	for (int n = 0; n < 64; n++) {
		uint32_t type, id, version, len;

		if (mig_get_section(&r, &type, &id, &version, &len, err, sizeof(err)))
			break;
		if (type != MIG_SEC_RAM && type != MIG_SEC_RAM_ZERO && type != MIG_SEC_RAM_ZSTD)
			break;
		if (ram_get_section(&r, &mem, type, len, err, sizeof(err)))
			break;
	}
	close(fd);
	return 0;
}
