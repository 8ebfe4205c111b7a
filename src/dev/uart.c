#include "dev/uart.h"

#include <stdio.h>

#include "base/vmstate.h"

#include <string.h>

/* Register offsets */
#define UART_RBR_THR 0
#define UART_IER 1
#define UART_IIR_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI   0x01
#define IER_THRI  0x02
#define IER_MASK  0x0f          /* a plain 16550A has no bits above 3 */
#define IIR_NO_INT 0x01
#define IIR_THRI  0x02
#define IIR_RDI   0x04
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE_FIFO 0x01
#define FCR_CLEAR_RCVR  0x02
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_MASK  0x1f
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

void uart_init(struct uart *u, const struct uart_ops *ops, void *ctx)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->ops = ops;
	u->ctx = ctx;
	u->dll = 0x0c;          /* 9600 baud, as after firmware */
}

void uart_destroy(struct uart *u)
{
	pthread_mutex_destroy(&u->lock);
}

static unsigned rx_capacity(const struct uart *u)
{
	return (u->fcr & FCR_ENABLE_FIFO) ? UART_FIFO_BYTES : 1;
}

static uint8_t iir_locked(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE_FIFO) ? IIR_FIFO_ENABLED : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

static void update_irq_locked(struct uart *u)
{
	bool level = !(iir_locked(u) & IIR_NO_INT);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->irq_raises += level;
		u->ops->set_irq(u->ctx, level);
	}
}

static void rx_put_locked(struct uart *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u))
		return;         /* overrun: the byte is lost, as on hardware */
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_BYTES] = byte;
	u->rx_count++;
}

static uint8_t rx_get_locked(struct uart *u, bool *drained)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_BYTES;
	u->rx_count--;
	*drained = u->rx_count == 0;
	return byte;
}

static uint8_t msr_locked(const struct uart *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	/* Loopback wires the modem outputs back to the inputs. */
	if (u->mcr & MCR_RTS) msr |= MSR_CTS;
	if (u->mcr & MCR_DTR) msr |= MSR_DSR;
	if (u->mcr & MCR_OUT1) msr |= MSR_RI;
	if (u->mcr & MCR_OUT2) msr |= MSR_DCD;
	return msr;
}

static uint8_t lsr_locked(const struct uart *u)
{
	return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
}

void uart_view(struct uart *u, struct uart_view *v)
{
	pthread_mutex_lock(&u->lock);
	*v = (struct uart_view){
		.ier = u->ier, .iir = iir_locked(u), .lsr = lsr_locked(u), .lcr = u->lcr,
		.mcr = u->mcr, .thr_ipending = u->thr_ipending, .irq_level = u->irq_level,
		.rx_count = u->rx_count, .tx_bytes = u->tx_bytes, .irq_raises = u->irq_raises,
	};
	pthread_mutex_unlock(&u->lock);
}

uint8_t uart_read(struct uart *u, unsigned offset)
{
	bool drained = false;
	uint8_t v = 0xff;

	pthread_mutex_lock(&u->lock);
	switch (offset) {
	case UART_RBR_THR:
		v = (u->lcr & LCR_DLAB) ? u->dll : rx_get_locked(u, &drained);
		break;
	case UART_IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		v = iir_locked(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thr_ipending = false;        /* reading IIR acknowledges THRE */
		break;
	case UART_LCR: v = u->lcr; break;
	case UART_MCR: v = u->mcr; break;
	case UART_LSR: v = lsr_locked(u); break;
	case UART_MSR: v = msr_locked(u); break;
	case UART_SCR: v = u->scr; break;
	}
	update_irq_locked(u);
	pthread_mutex_unlock(&u->lock);
	if (drained && u->ops->rx_room)
		u->ops->rx_room(u->ctx);
	return v;
}

void uart_write(struct uart *u, unsigned offset, uint8_t value)
{
	bool had_input;

	pthread_mutex_lock(&u->lock);
	had_input = u->rx_count > 0;
	switch (offset) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = value;
			break;
		}
		if (u->mcr & MCR_LOOP)
			rx_put_locked(u, value);
		else
			u->ops->tx(u->ctx, value);
		u->tx_bytes++;
		u->thr_ipending = true;         /* sent at once: THR is empty again */
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = value;
			break;
		}
		if ((value & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = true;
		u->ier = value & IER_MASK;
		break;
	case UART_IIR_FCR:
		if (value & FCR_CLEAR_RCVR)
			u->rx_count = 0;
		if ((value ^ u->fcr) & FCR_ENABLE_FIFO)
			u->rx_count = 0;        /* switching FIFO mode resets it */
		u->fcr = value & FCR_ENABLE_FIFO;
		break;
	case UART_LCR: u->lcr = value; break;
	case UART_MCR: u->mcr = value & MCR_MASK; break;
	case UART_SCR: u->scr = value; break;
	default: break;         /* LSR, MSR: read-only */
	}
	update_irq_locked(u);
	had_input = had_input && u->rx_count == 0;
	pthread_mutex_unlock(&u->lock);
	if (had_input && u->ops->rx_room)
		u->ops->rx_room(u->ctx);
}

size_t uart_rx_push(struct uart *u, const uint8_t *bytes, size_t n)
{
	size_t done = 0;

	pthread_mutex_lock(&u->lock);
	if (!(u->mcr & MCR_LOOP)) {
		while (done < n && u->rx_count < rx_capacity(u))
			rx_put_locked(u, bytes[done++]);
	}
	update_irq_locked(u);
	pthread_mutex_unlock(&u->lock);
	return done;
}

uint32_t uart_io_read(void *opaque, uint16_t offset, unsigned size)
{
	return uart_read(opaque, offset);
}

void uart_io_write(void *opaque, uint16_t offset, unsigned size, uint32_t value)
{
	uart_write(opaque, offset, (uint8_t)value);
}

/* --- state --- */

static const struct vmstate_field uart_fields[] = {
	VMSTATE_FIELD(struct uart, ier), VMSTATE_FIELD(struct uart, lcr),
	VMSTATE_FIELD(struct uart, mcr), VMSTATE_FIELD(struct uart, scr),
	VMSTATE_FIELD(struct uart, fcr), VMSTATE_FIELD(struct uart, dll),
	VMSTATE_FIELD(struct uart, dlm), VMSTATE_FIELD(struct uart, thr_ipending),
	VMSTATE_ARRAY(struct uart, rx), VMSTATE_FIELD(struct uart, rx_head),
	VMSTATE_FIELD(struct uart, rx_count),
};
static const struct vmstate_desc uart_desc = {
	.name = "uart", .version = 1, .fields = uart_fields,
	.nr_fields = sizeof(uart_fields) / sizeof(uart_fields[0]),
};

ssize_t uart_save(struct uart *u, uint8_t *buf, size_t cap)
{
	ssize_t n;

	pthread_mutex_lock(&u->lock);
	n = vmstate_save(&uart_desc, u, buf, cap);
	pthread_mutex_unlock(&u->lock);
	return n;
}

ssize_t uart_load(struct uart *u, const uint8_t *buf, size_t len, char *err, int err_len)
{
	ssize_t n;

	pthread_mutex_lock(&u->lock);
	n = vmstate_load(&uart_desc, u, buf, len, err, err_len);
	if (n >= 0 && (u->rx_head >= UART_FIFO_BYTES || u->rx_count > UART_FIFO_BYTES)) {
		snprintf(err, err_len, "uart: receive FIFO %u+%u out of range", u->rx_head,
			 u->rx_count);
		u->rx_head = u->rx_count = 0;
		n = -1;
	}
	u->irq_level = false;
	update_irq_locked(u);           /* the line as the registers say */
	pthread_mutex_unlock(&u->lock);
	return n;
}

/* --- in the device table --- */

static ssize_t device_save(void *dev, uint8_t *buf, size_t cap)
{
	return uart_save(dev, buf, cap);
}

static ssize_t device_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return uart_load(dev, buf, len, err, err_len);
}

const struct device_ops uart_device_ops = { .save = device_save, .load = device_load };
