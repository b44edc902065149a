#include "serial.h"

#include "serial_escape.h"
#include "serial_ring.h"

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
#define FCR_ENABLE 0x01
#define FCR_CLEAR_TX 0x04
#define UART_RBR 0 /* receive buffer (DLAB=0, reads) */
#define UART_IIR 2 /* interrupt identification (reads) */
#define LSR_DR 0x01   /* data ready */
#define LSR_ERRORS 0x9e /* overrun, parity, framing, break, error in FIFO: cleared by reading LSR */
#define LSR_THRE 0x20 /* transmit holding register (FIFO mode: the FIFO) empty */
#define LSR_TEMT 0x40 /* transmitter empty */
#define IER_RDI 0x01  /* received-data interrupt enabled */
#define IIR_NO_INT 0x01
#define IIR_ID 0x0e
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define UART_FIFO_BYTES 16
/* Polls of a UART that makes no progress before we give up on it: about
 * 10 s of a real machine's port reads, far more than a line's worth. */
#define SPIN_LIMIT 10000000ul

static uint16_t uart_base;
/* The queue and the UART's transmitter: one lock for both, since whoever
 * holds it moves bytes from the one into the other. */
static volatile int lock;
static struct serial_ring ring;
/* Queued output needs something to move it: until the first VM exit calls
 * serial_pump, every write is sent before it returns (start-up, and the
 * test guests that link this file). */
static bool queued_mode;
static bool fifo_on;
static uint64_t lost_bytes; /* our output the UART never took (SPIN_LIMIT) */
/* The guest's use of the same port, as the I/O exits report it. */
static bool guest_dlab, guest_mid_line;
/* Input (serial_input.c): what the guest has yet to read, the LSR error
 * bits our own LSR reads took from it, a THRE interrupt identification our
 * IIR read took from it. */
static struct serial_ring rx;
static struct serial_escape escape;
static uint8_t lsr_owed, last_rbr;
static bool thre_owed;
static uint32_t guest_end; /* ring.head after the guest's last byte: TEMT once sent */
static volatile unsigned requests; /* 1 << enum serial_request */

/* Every LSR read of ours: its error bits belong to the guest. */
static uint8_t read_lsr(void)
{
	uint8_t lsr = inb(uart_base + UART_LSR);
	lsr_owed |= lsr & LSR_ERRORS;
	return lsr;
}

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
	fifo_on = true;
}

uint16_t serial_port(void) { return uart_base; }

/* With THRE the transmit FIFO is empty (16550 data sheet, LSR bit 5):
 * it takes 16 bytes without a loss (a single byte with the FIFO off).
 * Never more, never without THRE: emulated FIFOs (Bochs) drop the rest.
 * A guest mid-way through programming the divisor latch (DLAB on) has the
 * line in an unknown state: nothing goes out until its next LCR write
 * (an exit, which pumps), unless `force`d (a final drain): then our bytes
 * go out as 8N1 to THR, not the latch, and its LCR comes back afterwards.
 * Lock held. */
static void fifo_send(bool force)
{
	if (serial_ring_used(&ring) == 0 || (guest_dlab && !force) || !(read_lsr() & LSR_THRE))
		return;
	uint8_t bytes[UART_FIFO_BYTES];
	unsigned n = serial_ring_take(&ring, bytes, fifo_on ? UART_FIFO_BYTES : 1);
	uint8_t lcr = 0;
	if (guest_dlab) {
		lcr = inb(uart_base + UART_LCR);
		outb(uart_base + UART_LCR, 0x03);
	}
	for (unsigned i = 0; i < n; i++)
		outb(uart_base + UART_THR, bytes[i]);
	if (guest_dlab)
		outb(uart_base + UART_LCR, lcr);
}

/* Until `need` bytes fit in the queue, sends what it holds. Lock held. */
static bool wait_room(uint32_t need)
{
	for (unsigned long spins = 0; serial_ring_room(&ring) < need; spins++) {
		if (spins > SPIN_LIMIT)
			return false; /* no UART there: do not hang the machine */
		fifo_send(true);
		cpu_pause();
	}
	return true;
}

/* Until the UART has sent all it holds (LSR.TEMT). Lock held. */
static void wait_transmitter_empty(void)
{
	for (unsigned long spins = 0; !(read_lsr() & LSR_TEMT) && spins < SPIN_LIMIT; spins++)
		cpu_pause();
}

/* Sends everything queued. Lock held. */
static void flush(void)
{
	if (!wait_room(SERIAL_RING_SIZE))
		ring.tail = ring.head; /* a dead UART: drop it rather than hang */
}

static void put_text(const char *s, unsigned long n)
{
	uint32_t need = serial_ring_wire_len(s, n);
	if (need > SERIAL_RING_SIZE || !wait_room(need))
		lost_bytes += need;
	else
		serial_ring_put_text(&ring, s, n);
}

void serial_write(const char *s, unsigned long n)
{
	if (!uart_base)
		return;
	spin_lock(&lock);
	/* The guest's line is unfinished: start ours on a fresh line. */
	if (guest_mid_line) {
		put_text("\n", 1);
		guest_mid_line = false;
	}
	put_text(s, n);
	if (!queued_mode)
		flush();
	spin_unlock(&lock);
}

void serial_pump(void)
{
	queued_mode = true;
	if (ring.head == ring.tail || !uart_base) /* unlocked peek: the common case costs two loads */
		return;
	if (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		return; /* another CPU is at it */
	fifo_send(false);
	spin_unlock(&lock);
}

uint32_t serial_room(void) { return serial_ring_room(&ring); }

uint64_t serial_lost_bytes(void) { return lost_bytes; }

void serial_drain(void)
{
	if (!uart_base)
		return;
	spin_lock(&lock);
	flush();
	wait_transmitter_empty();
	spin_unlock(&lock);
}

/* The guest's FIFO control: enabling or disabling the FIFO, or clearing
 * its transmit side, discards what the transmitter holds (16550 data
 * sheet, FCR bits 0 and 2), which may be ours: let it go out first. */
static void guest_fifo_control(uint8_t value)
{
	spin_lock(&lock);
	wait_transmitter_empty();
	outb(uart_base + UART_FCR, value);
	fifo_on = value & FCR_ENABLE;
	spin_unlock(&lock);
}

bool serial_guest_write(uint16_t port, uint8_t value)
{
	if (!uart_base)
		return false;
	if (port == uart_base + UART_LCR) {
		/* A new line format or divisor would garble what the FIFO
		 * still holds of ours: let it go out first. */
		spin_lock(&lock);
		wait_transmitter_empty();
		guest_dlab = value & 0x80;
		spin_unlock(&lock);
		return false;
	}
	if (port == uart_base + UART_FCR) {
		guest_fifo_control(value);
		return true;
	}
	if (port != uart_base + UART_THR || guest_dlab)
		return false; /* the divisor latch: the guest's */
	spin_lock(&lock);
	if (value != '\r')
		guest_mid_line = value != '\n';
	/* Behind whatever of ours is queued, never dropped: a full queue
	 * holds the guest as a full FIFO would. */
	if (wait_room(1))
		serial_ring_put_byte(&ring, value);
	else
		outb(uart_base + UART_THR, value);
	guest_end = ring.head;
	fifo_send(false);
	spin_unlock(&lock);
	return true;
}

/* ---- input: the guest's reads of RBR, IIR and LSR exit ----
 * Every byte received passes through us before the guest sees it, so
 * requests typed on the terminal (serial_escape.h) can be taken out. What
 * the guest reads stays coherent with what it is given: LSR.DR while bytes
 * wait for it, IIR "received data" while they do and it enabled that
 * interrupt. The UART raised its interrupt when the bytes arrived; the
 * guest's handler reads IIR, LSR and RBR until we say there is no more. */

/* The received bytes into `rx`, requests taken out. Lock held, DLAB off. */
static void rx_pull(void)
{
	for (unsigned i = 0; i < 64 && (read_lsr() & LSR_DR); i++) {
		uint8_t out[2];
		enum serial_request r;
		unsigned n = serial_escape_feed(&escape, inb(uart_base + UART_RBR), out, &r);
		if (r)
			requests |= 1u << r;
		for (unsigned k = 0; k < n; k++)
			if (!serial_ring_put_byte(&rx, out[k]))
				lsr_owed |= 0x02; /* the guest left 16 KB unread: an overrun, as the UART's own */
	}
}

/* LSR as the guest sees it: data ready while bytes wait for it, room for
 * a FIFO's worth in our output queue as THRE, TEMT when its own bytes have
 * left the queue (ours after them need not hold it up: a driver may poll
 * for TEMT, and each poll is an exit). */
static uint8_t guest_lsr(void)
{
	uint8_t lsr = read_lsr(), v = lsr_owed; /* every other bit is ours to say */
	lsr_owed = 0;
	if (serial_ring_used(&rx))
		v |= LSR_DR;
	if (serial_ring_room(&ring) >= UART_FIFO_BYTES)
		v |= LSR_THRE;
	if ((int32_t)(ring.tail - guest_end) >= 0 && (serial_ring_used(&ring) || (lsr & LSR_TEMT)))
		v |= LSR_TEMT;
	return v;
}

/* IIR as the guest sees it: "received data" first while bytes wait and it
 * enabled that interrupt; a THRE identification our read consumed from the
 * UART is given at the next read that has nothing higher. */
static uint8_t guest_iir(void)
{
	uint8_t iir = inb(uart_base + UART_IIR), fifo = iir & 0xc0;
	bool pending = !(iir & IIR_NO_INT);
	bool rx_id = pending && ((iir & IIR_ID) == IIR_RDA || (iir & IIR_ID) == 0x0c);
	if (pending && (iir & IIR_ID) == IIR_THRE)
		thre_owed = true;
	if (serial_ring_used(&rx) && (inb(uart_base + UART_IER) & IER_RDI))
		return fifo | IIR_RDA;
	if (pending && !rx_id && (iir & IIR_ID) != IIR_THRE)
		return iir; /* line or modem status */
	if (thre_owed) {
		thre_owed = false;
		return fifo | IIR_THRE;
	}
	return fifo | IIR_NO_INT; /* the UART's received data was ours, or all taken */
}

bool serial_guest_read(uint16_t port, uint8_t *value)
{
	if (!uart_base || guest_dlab || port < uart_base)
		return false; /* DLAB on: the divisor latch, the guest's */
	unsigned reg = port - uart_base;
	if (reg != UART_RBR && reg != UART_IIR && reg != UART_LSR)
		return false;
	spin_lock(&lock);
	rx_pull();
	if (reg == UART_RBR) {
		serial_ring_take(&rx, &last_rbr, 1); /* empty: the last byte again, as RBR */
		*value = last_rbr;
	} else {
		*value = reg == UART_LSR ? guest_lsr() : guest_iir();
	}
	fifo_send(false);
	spin_unlock(&lock);
	return true;
}

unsigned serial_take_requests(void) { return __atomic_exchange_n(&requests, 0, __ATOMIC_ACQ_REL); }
