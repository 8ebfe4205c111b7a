/* libFuzzer target: a hostile driver. The input is the guest's memory
 * (rings, indirect tables, buffers) and its first byte the negotiated
 * features; the device pops and pushes until the queue is empty or
 * broken. Nothing may crash, and every buffer a chain hands out must lie
 * inside guest RAM. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtqueue.h"

#define RAM_BYTES (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct virtq_chain c;
	struct virtq vq = { 0 };
	char err[200];

	if (!mem.base_hva && guest_mem_map(&mem, RAM_BYTES))
		abort();
	if (size < 1)
		return 0;
	memset(mem.base_hva, 0, RAM_BYTES);
	memcpy(mem.base_hva, data + 1, size - 1 < RAM_BYTES ? size - 1 : RAM_BYTES);
	vq.indirect = data[0] & 1;
	vq.event_idx = data[0] & 2;
	if (virtq_enable(&vq, &mem, 8, 0x0, 0x80, 0x100, err, sizeof(err)))
		abort();
	for (int i = 0; i < 64; i++) {
		int r = virtq_pop(&vq, &c, err, sizeof(err));

		if (r <= 0)
			break;
		for (unsigned s = 0; s < c.nr_segs; s++)
			if (c.segs[s].len &&
			    (uint8_t *)c.segs[s].hva + c.segs[s].len > mem.base_hva + RAM_BYTES)
				abort();
		virtq_push(&vq, c.head, (uint32_t)c.writable_bytes);
		virtq_should_notify(&vq);
	}
	return 0;
}
