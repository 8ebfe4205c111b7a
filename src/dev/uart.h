/* 16550A UART (the PC's COM1 at 0x3f8, IRQ 4), register model only: the
 * byte sink, the interrupt line and "room for input" are callbacks, so the
 * model runs in unit tests without KVM. Thread-safe: vCPU threads do port
 * I/O while the event loop pushes input. */
#ifndef MERIDIAN_UART_H
#define MERIDIAN_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dev/device.h"

#define UART_COM1_PORT 0x3f8
#define UART_COM1_IRQ  4
#define UART_FIFO_BYTES 16

struct uart_ops {
	void (*tx)(void *ctx, uint8_t byte);           /* guest sent a byte */
	void (*set_irq)(void *ctx, bool level);        /* interrupt line changed */
	void (*rx_room)(void *ctx);                    /* input FIFO became empty */
};

struct uart {
	pthread_mutex_t lock;
	const struct uart_ops *ops;
	void *ctx;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_ipending;      /* "transmitter empty" interrupt not yet acknowledged */
	bool irq_level;
	uint8_t rx[UART_FIFO_BYTES];
	unsigned rx_head, rx_count;
	uint64_t tx_bytes, irq_raises;  /* since start: for x-meridian-query-serial */
};

/* What the registers say now, read without the side effects a guest's
 * read has (IIR acknowledging THRE, RBR taking a byte). */
struct uart_view {
	uint8_t ier, iir, lsr, lcr, mcr;
	bool thr_ipending, irq_level;
	unsigned rx_count;
	uint64_t tx_bytes, irq_raises;
};

void uart_init(struct uart *u, const struct uart_ops *ops, void *ctx);
void uart_destroy(struct uart *u);
uint8_t uart_read(struct uart *u, unsigned offset);
void uart_write(struct uart *u, unsigned offset, uint8_t value);
/* Host input: queues up to n bytes, returns how many fitted. */
size_t uart_rx_push(struct uart *u, const uint8_t *bytes, size_t n);
void uart_view(struct uart *u, struct uart_view *v);
/* Adapters for the port I/O bus. */
uint32_t uart_io_read(void *opaque, uint16_t offset, unsigned size);
void uart_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value);

/* State for snapshots and migration (base/vmstate.h). */
ssize_t uart_save(struct uart *u, uint8_t *buf, size_t cap);
ssize_t uart_load(struct uart *u, const uint8_t *buf, size_t len, char *err, int err_len);

/* Its state in a VM's device table. */
extern const struct device_ops uart_device_ops;

#endif
