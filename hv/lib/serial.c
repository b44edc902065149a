#include "serial.h"

#include <hv/cpu.h>

/* 16550 register offsets from the I/O base. */
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

static uint16_t uart_base;
/* The guest's use of the same port, as the I/O exits report it. */
static bool guest_dlab, guest_mid_line;

void serial_init(uint16_t io_base, uint32_t baud)
{
	uint32_t divisor = baud ? 115200 / baud : 1;
	if (!divisor)
		divisor = 1;
	uart_base = io_base;
	outb(uart_base + UART_IER, 0x00); /* we poll: no UART interrupts */
	outb(uart_base + UART_LCR, 0x80); /* DLAB on */
	outb(uart_base + UART_DLL, (uint8_t)divisor);
	outb(uart_base + UART_DLM, (uint8_t)(divisor >> 8));
	outb(uart_base + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(uart_base + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(uart_base + UART_MCR, 0x03); /* DTR, RTS */
}

uint16_t serial_port(void) { return uart_base; }

static void put_byte(uint8_t c)
{
	/* Never write without THRE: emulated FIFOs (Bochs) drop characters. */
	for (unsigned long spins = 0; !(inb(uart_base + UART_LSR) & LSR_THRE); spins++) {
		if (spins > 10000000ul)
			return; /* no UART there: do not hang the machine */
		cpu_pause();
	}
	outb(uart_base + UART_THR, c);
}

void serial_guest_wrote(uint16_t port, uint8_t value)
{
	if (port == uart_base + UART_LCR)
		guest_dlab = value & 0x80;
	else if (port == uart_base + UART_THR && !guest_dlab && value != '\r')
		guest_mid_line = value != '\n';
}

void serial_write(const char *s, unsigned long n)
{
	if (!uart_base)
		return;
	/* A guest mid-programming the divisor latch: our bytes must reach
	 * THR, not the latch; its LCR comes back afterwards. */
	uint8_t lcr = 0;
	if (guest_dlab) {
		lcr = inb(uart_base + UART_LCR);
		outb(uart_base + UART_LCR, lcr & 0x7f);
	}
	/* The guest's line is unfinished: start ours on a fresh line. */
	if (guest_mid_line) {
		put_byte('\r');
		put_byte('\n');
		guest_mid_line = false;
	}
	while (n--) {
		if (*s == '\n')
			put_byte('\r');
		put_byte((uint8_t)*s++);
	}
	if (guest_dlab)
		outb(uart_base + UART_LCR, lcr);
}

void serial_drain(void)
{
	if (!uart_base)
		return;
	for (unsigned long spins = 0; !(inb(uart_base + UART_LSR) & LSR_TEMT) && spins < 10000000ul; spins++)
		cpu_pause();
}
