#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dev/uart.h"

/* What the UART did to the outside world. */
struct wires {
	char out[64];
	unsigned out_len;
	bool irq;
	unsigned irq_edges;
	unsigned room_calls;
};

static void tx(void *ctx, uint8_t b)
{
	struct wires *w = ctx;

	w->out[w->out_len++] = (char)b;
}

static void set_irq(void *ctx, bool level)
{
	struct wires *w = ctx;

	if (level && !w->irq)
		w->irq_edges++;
	w->irq = level;
}

static void rx_room(void *ctx)
{
	((struct wires *)ctx)->room_calls++;
}

static const struct uart_ops ops = { .tx = tx, .set_irq = set_irq, .rx_room = rx_room };

enum { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static void transmits_and_reports_empty(void **state)
{
	struct wires w = { 0 };
	struct uart u;

	uart_init(&u, &ops, &w);
	uart_write(&u, RBR, 'h');
	uart_write(&u, RBR, 'i');
	assert_int_equal(w.out_len, 2);
	assert_memory_equal(w.out, "hi", 2);
	assert_int_equal(uart_read(&u, LSR) & 0x60, 0x60);      /* THRE | TEMT */
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x01);      /* no interrupt enabled */
	assert_false(w.irq);
	uart_destroy(&u);
}

static void scratch_ier_and_divisor(void **state)
{
	struct wires w = { 0 };
	struct uart u;

	uart_init(&u, &ops, &w);
	uart_write(&u, SCR, 0xa5);
	assert_int_equal(uart_read(&u, SCR), 0xa5);
	uart_write(&u, IER, 0xff);                      /* plain 16550A: 4 bits */
	assert_int_equal(uart_read(&u, IER), 0x0f);
	uart_write(&u, IER, 0);
	uart_write(&u, LCR, 0x80);                      /* DLAB */
	uart_write(&u, RBR, 0x01);
	uart_write(&u, IER, 0x00);
	assert_int_equal(uart_read(&u, RBR), 0x01);
	assert_int_equal(uart_read(&u, IER), 0x00);
	assert_int_equal(w.out_len, 0);                 /* divisor writes send nothing */
	uart_write(&u, LCR, 0x03);
	assert_int_equal(uart_read(&u, IER), 0);
	uart_destroy(&u);
}

static void loopback_as_linux_probes_it(void **state)
{
	struct wires w = { 0 };
	struct uart u;

	uart_init(&u, &ops, &w);
	assert_int_equal(uart_read(&u, MSR) & 0xf0, 0xb0);     /* DCD DSR CTS */
	uart_write(&u, MCR, 0x10 | 0x0a);                       /* LOOP | OUT2 | RTS */
	assert_int_equal(uart_read(&u, MSR) & 0xf0, 0x90);     /* DCD | CTS */
	uart_write(&u, MCR, 0x1f);
	assert_int_equal(uart_read(&u, MSR) & 0xf0, 0xf0);
	uart_write(&u, RBR, 'x');                               /* looped back, not sent */
	assert_int_equal(w.out_len, 0);
	assert_int_equal(uart_read(&u, LSR) & 1, 1);
	assert_int_equal(uart_read(&u, RBR), 'x');
	assert_int_equal(uart_rx_push(&u, (const uint8_t *)"y", 1), 0); /* line cut off */
	uart_destroy(&u);
}

static void fifo_detection_and_receive(void **state)
{
	struct wires w = { 0 };
	struct uart u;
	uint8_t in[40];

	memset(in, 'a', sizeof(in));
	uart_init(&u, &ops, &w);
	uart_write(&u, FCR, 0x07);                       /* enable + clear */
	assert_int_equal(uart_read(&u, IIR) & 0xc0, 0xc0); /* 16550A FIFO */
	assert_int_equal(uart_rx_push(&u, in, sizeof(in)), 16);
	assert_false(w.irq);                            /* RDI not enabled yet */
	uart_write(&u, IER, 0x01);
	assert_true(w.irq);
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x04);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(uart_read(&u, LSR) & 1, 1);
		assert_int_equal(uart_read(&u, RBR), 'a');
	}
	assert_int_equal(uart_read(&u, LSR) & 1, 0);
	assert_false(w.irq);
	assert_int_equal(w.room_calls, 1);              /* drained: the host may push more */
	/* FIFO off: one byte of buffer */
	uart_write(&u, FCR, 0x00);
	assert_int_equal(uart_rx_push(&u, in, 3), 1);
	uart_write(&u, FCR, 0x03);                      /* clearing counts as drained */
	assert_int_equal(uart_read(&u, LSR) & 1, 0);
	assert_int_equal(w.room_calls, 2);
	uart_destroy(&u);
}

static void thre_interrupt_is_acknowledged_by_iir(void **state)
{
	struct wires w = { 0 };
	struct uart u;

	uart_init(&u, &ops, &w);
	uart_write(&u, IER, 0x02);                      /* THRI on: THR is empty */
	assert_true(w.irq);
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x02);
	assert_false(w.irq);                            /* reading IIR acknowledged it */
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x01);
	uart_write(&u, RBR, 'z');                       /* sent at once: THRE again */
	assert_true(w.irq);
	assert_int_equal(w.irq_edges, 2);
	/* received data has priority over THRE */
	uart_write(&u, IER, 0x03);
	uart_rx_push(&u, (const uint8_t *)"q", 1);
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x04);
	assert_int_equal(uart_read(&u, RBR), 'q');
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x02);
	uart_destroy(&u);
}

/* Linux's 8250 driver: interrupt-driven output, with printk's console
 * write (IER masked, bytes polled out, IER restored) coming in between.
 * Each time the driver then waits for "transmitter empty", the line must
 * have gone up anew: an edge-triggered ISA pin sees nothing else. */
static void every_wait_for_thre_gets_an_edge(void **state)
{
	struct wires w = { 0 };
	struct uart u;
	unsigned edges;

	uart_init(&u, &ops, &w);
	uart_write(&u, IER, 0x01);                      /* port open: receive only */
	uart_write(&u, IER, 0x03);                      /* start_tx: THRI on */
	assert_true(w.irq);
	edges = w.irq_edges;
	/* the handler: IIR says THRE, up to 16 bytes go, the loop reads IIR again */
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x02);
	for (int i = 0; i < 16; i++)
		uart_write(&u, RBR, 'a');
	assert_true(w.irq);
	assert_int_equal(w.irq_edges, edges + 1);
	/* printk on the other vCPU, before the handler's next IIR read */
	assert_int_equal(uart_read(&u, IER), 0x03);
	uart_write(&u, IER, 0x00);
	assert_false(w.irq);                            /* masked: the line falls */
	uart_write(&u, RBR, 'k');
	uart_write(&u, IER, 0x03);                      /* restored: up again */
	assert_true(w.irq);
	assert_int_equal(w.irq_edges, edges + 2);
	/* the buffer drained: stop_tx, and the line is down for the next start */
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x02);
	uart_write(&u, IER, 0x01);
	assert_false(w.irq);
	uart_write(&u, IER, 0x03);
	assert_int_equal(w.irq_edges, edges + 3);
	uart_destroy(&u);
}

/* x-meridian-query-serial's view: what the registers say, with no
 * acknowledging; and the counters */
static void view_reads_without_side_effects(void **state)
{
	struct wires w = { 0 };
	struct uart_view v;
	struct uart u;

	uart_init(&u, &ops, &w);
	uart_write(&u, IER, 0x03);
	uart_write(&u, RBR, 'x');
	uart_write(&u, RBR, 'y');
	uart_rx_push(&u, (const uint8_t *)"q", 1);
	uart_view(&u, &v);
	assert_int_equal(v.ier, 0x03);
	assert_int_equal(v.iir & 0x0f, 0x04);           /* received data first */
	assert_int_equal(v.lsr & 0x61, 0x61);
	assert_true(v.thr_ipending);
	assert_true(v.irq_level);
	assert_int_equal(v.rx_count, 1);
	assert_int_equal(v.tx_bytes, 2);
	assert_int_equal(v.irq_raises, w.irq_edges);
	uart_view(&u, &v);                              /* again: nothing taken */
	assert_int_equal(v.rx_count, 1);
	assert_true(v.thr_ipending);
	assert_int_equal(uart_read(&u, RBR), 'q');
	assert_int_equal(uart_read(&u, IIR) & 0x0f, 0x02);
	uart_destroy(&u);
}

static void bad_offsets_are_harmless(void **state)
{
	struct wires w = { 0 };
	struct uart u;

	uart_init(&u, &ops, &w);
	uart_write(&u, LSR, 0x00);                      /* read-only */
	uart_write(&u, 9, 0xff);                        /* out of range */
	assert_int_equal(uart_read(&u, 9), 0xff);
	assert_int_equal(uart_read(&u, LSR) & 0x60, 0x60);
	uart_destroy(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transmits_and_reports_empty),
		cmocka_unit_test(scratch_ier_and_divisor),
		cmocka_unit_test(loopback_as_linux_probes_it),
		cmocka_unit_test(fifo_detection_and_receive),
		cmocka_unit_test(thre_interrupt_is_acknowledged_by_iir),
		cmocka_unit_test(every_wait_for_thre_gets_an_edge),
		cmocka_unit_test(view_reads_without_side_effects),
		cmocka_unit_test(bad_offsets_are_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
