#include "serial.h"

#include "serial_escape.h"
#include "serial_ring.h"
#include "uart_guest.h"

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
#define UART_RBR 0 /* receive buffer (DLAB=0, reads) */
#define UART_IIR 2 /* interrupt identification (reads) */
#define IER_RDI 0x01  /* received-data interrupt enabled */
#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_BSP (1u << 8) /* this processor is the bootstrap processor (SDM Vol. 3A §11.4.4) */
/* Polls of a UART that makes no progress before we give up on it: about
 * 10 s of a real machine's port reads, far more than a line's worth. */
#define SPIN_LIMIT 10000000ul

/* Everything about the UART. The host code runs from a relocated copy of
 * this image (virtualize.c), with its own copy of this state; the original
 * runs start-up code: on the BSP, as the guest once it launched (its port
 * writes then exit into the copy's queue); on the APs, in root mode before
 * they launch, where their lines must join the copy's queue too, or they
 * would land in the middle of the queued lines being sent. serial_share
 * tells the original where the copy's state is; APs write there (root mode
 * reaches the arena), the BSP never (as a guest it cannot). */
struct serial_state {
	uint16_t uart_base;
	/* The queue and the UART's transmitter: one lock for both, since
	 * whoever holds it moves bytes from the one into the other. */
	volatile int lock;
	struct serial_ring ring;
	/* Queued output needs something to move it: until the first VM exit
	 * calls serial_pump, every write is sent before it returns (start-up,
	 * and the test guests that link this file). */
	bool queued_mode;
	bool fifo_on;
	uint64_t lost_bytes; /* our output the UART never took (SPIN_LIMIT) */
	/* The guest's use of the same port, as the I/O exits report it. */
	bool guest_dlab, guest_mid_line;
	uint32_t guest_end; /* ring.head after the guest's last byte: TEMT once sent */
	/* Input: what the guest has yet to read, the LSR error bits our own
	 * LSR reads took from it, a THRE interrupt identification our IIR read
	 * took from it, requests typed for us (1 << enum serial_request). */
	struct serial_ring rx;
	struct serial_escape escape;
	uint8_t lsr_owed, last_rbr;
	bool thre_owed;
	volatile unsigned requests;
};
static struct serial_state own;
static struct serial_state *copy_state; /* set in the original image only */
/* serial.h: 1 while bytes wait in own's queue, and until the first exit
 * switched to queued output; set with the bytes, cleared with the lock
 * held when the queue is empty. A writer to the copy's queue (an AP
 * before it launches) sets the copy's flag. */
volatile uint8_t serial_pump_wanted = 1;
static volatile uint8_t *copy_pump_wanted;

void serial_share(int64_t copy_delta)
{
	copy_state = (struct serial_state *)((uintptr_t)&own + (uint64_t)copy_delta);
	copy_pump_wanted = (volatile uint8_t *)((uintptr_t)&serial_pump_wanted + (uint64_t)copy_delta);
}

/* Bytes were queued in st (lock held): the exit path must pump. */
static void mark_queued(const struct serial_state *st)
{
	*(st == &own ? &serial_pump_wanted : copy_pump_wanted) = 1;
}

/* The state a writer uses: the copy's on an AP once there is a copy. */
static struct serial_state *writer_state(void)
{
	if (copy_state && !(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP))
		return copy_state;
	return &own;
}

/* Every LSR read of ours: its error bits belong to the guest. */
static uint8_t read_lsr(struct serial_state *st)
{
	uint8_t lsr = inb(st->uart_base + UART_LSR);
	st->lsr_owed |= lsr & UART_LSR_ERRORS;
	return lsr;
}

void serial_init(uint16_t io_base, uint32_t baud)
{
	struct serial_state *st = &own;
	uint32_t divisor = baud ? 115200 / baud : 1;
	if (!divisor)
		divisor = 1;
	st->uart_base = io_base;
	outb(st->uart_base + UART_IER, 0x00); /* we poll: no UART interrupts */
	outb(st->uart_base + UART_LCR, 0x80); /* DLAB on */
	outb(st->uart_base + UART_DLL, (uint8_t)divisor);
	outb(st->uart_base + UART_DLM, (uint8_t)(divisor >> 8));
	outb(st->uart_base + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(st->uart_base + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(st->uart_base + UART_MCR, 0x03); /* DTR, RTS */
	st->fifo_on = true;
}

uint16_t serial_port(void) { return own.uart_base; }

/* With THRE the transmit FIFO is empty (16550 data sheet, LSR bit 5):
 * it takes 16 bytes without a loss (a single byte with the FIFO off).
 * Never more, never without THRE: emulated FIFOs (Bochs) drop the rest.
 * A guest mid-way through programming the divisor latch (DLAB on) has the
 * line in an unknown state: nothing goes out until its next LCR write
 * (an exit, which pumps), unless `force`d (a final drain): then our bytes
 * go out as 8N1 to THR, not the latch, and its LCR comes back afterwards.
 * Lock held. */
static void fifo_send(struct serial_state *st, bool force)
{
	if (serial_ring_used(&st->ring) == 0 || (st->guest_dlab && !force) || !(read_lsr(st) & UART_LSR_THRE))
		return;
	uint8_t bytes[UART_FIFO_BYTES];
	unsigned n = serial_ring_take(&st->ring, bytes, st->fifo_on ? UART_FIFO_BYTES : 1);
	uint8_t lcr = 0;
	if (st->guest_dlab) {
		lcr = inb(st->uart_base + UART_LCR);
		outb(st->uart_base + UART_LCR, 0x03);
	}
	for (unsigned i = 0; i < n; i++)
		outb(st->uart_base + UART_THR, bytes[i]);
	if (st->guest_dlab)
		outb(st->uart_base + UART_LCR, lcr);
}

/* Until `need` bytes fit in the queue, sends what it holds. Lock held. */
static bool wait_room(struct serial_state *st, uint32_t need)
{
	for (unsigned long spins = 0; serial_ring_room(&st->ring) < need; spins++) {
		if (spins > SPIN_LIMIT)
			return false; /* no UART there: do not hang the machine */
		fifo_send(st, true);
		cpu_pause();
	}
	return true;
}

/* Until the UART has sent all it holds (LSR.TEMT). Lock held. */
static void wait_transmitter_empty(struct serial_state *st)
{
	for (unsigned long spins = 0; !(read_lsr(st) & UART_LSR_TEMT) && spins < SPIN_LIMIT; spins++)
		cpu_pause();
}

/* Sends everything queued. Lock held. */
static void flush(struct serial_state *st)
{
	if (!wait_room(st, SERIAL_RING_SIZE))
		st->ring.tail = st->ring.head; /* a dead UART: drop it rather than hang */
}

static void put_text(struct serial_state *st, const char *s, unsigned long n)
{
	uint32_t need = serial_ring_wire_len(s, n);
	if (need > SERIAL_RING_SIZE || !wait_room(st, need))
		st->lost_bytes += need;
	else if (serial_ring_put_text(&st->ring, s, n))
		mark_queued(st);
}

void serial_write(const char *s, unsigned long n)
{
	struct serial_state *st = writer_state();
	if (!st->uart_base)
		return;
	spin_lock(&st->lock);
	/* The guest's line is unfinished: start ours on a fresh line. */
	if (st->guest_mid_line) {
		put_text(st, "\n", 1);
		st->guest_mid_line = false;
	}
	put_text(st, s, n);
	if (!st->queued_mode)
		flush(st);
	spin_unlock(&st->lock);
}

/* The exit path's functions run in the copy: its own state. Reached only
 * while serial_pump_wanted (serial_pump, inline): the common exit, with
 * nothing queued, costs one load. */
void serial_pump_queued(void)
{
	struct serial_state *st = &own;
	st->queued_mode = true;
	if (!st->uart_base) {
		serial_pump_wanted = 0;
		return;
	}
	if (__atomic_exchange_n(&st->lock, 1, __ATOMIC_ACQUIRE))
		return; /* another CPU is at it */
	fifo_send(st, false);
	if (serial_ring_used(&st->ring) == 0)
		serial_pump_wanted = 0;
	spin_unlock(&st->lock);
}

uint32_t serial_room(void) { return serial_ring_room(&own.ring); }

uint64_t serial_lost_bytes(void) { return own.lost_bytes; }

void serial_drain(void)
{
	struct serial_state *st = writer_state();
	if (!st->uart_base)
		return;
	spin_lock(&st->lock);
	flush(st);
	wait_transmitter_empty(st);
	spin_unlock(&st->lock);
}

/* The guest's FIFO control: enabling or disabling the FIFO, or clearing
 * its transmit side, discards what the transmitter holds (16550 data
 * sheet, FCR bits 0 and 2), which may be ours: let it go out first. */
static void guest_fifo_control(struct serial_state *st, uint8_t value)
{
	spin_lock(&st->lock);
	wait_transmitter_empty(st);
	outb(st->uart_base + UART_FCR, value);
	st->fifo_on = value & FCR_ENABLE;
	spin_unlock(&st->lock);
}

bool serial_guest_write(uint16_t port, uint8_t value)
{
	struct serial_state *st = &own;
	if (!st->uart_base)
		return false;
	if (port == st->uart_base + UART_LCR) {
		/* A new line format or divisor would garble what the FIFO
		 * still holds of ours: let it go out first. */
		spin_lock(&st->lock);
		wait_transmitter_empty(st);
		st->guest_dlab = value & 0x80;
		spin_unlock(&st->lock);
		return false;
	}
	if (port == st->uart_base + UART_FCR) {
		guest_fifo_control(st, value);
		return true;
	}
	if (port != st->uart_base + UART_THR || st->guest_dlab)
		return false; /* the divisor latch: the guest's */
	spin_lock(&st->lock);
	if (value != '\r')
		st->guest_mid_line = value != '\n';
	st->thre_owed = false; /* a THR write ends a THRE interrupt on the UART too */
	/* Behind whatever of ours is queued, never dropped: a full queue
	 * holds the guest as a full FIFO would. */
	if (wait_room(st, 1) && serial_ring_put_byte(&st->ring, value))
		mark_queued(st);
	else
		outb(st->uart_base + UART_THR, value);
	st->guest_end = st->ring.head;
	fifo_send(st, false);
	spin_unlock(&st->lock);
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
static void rx_pull(struct serial_state *st)
{
	for (unsigned i = 0; i < 64 && (read_lsr(st) & UART_LSR_DR); i++) {
		uint8_t out[2];
		enum serial_request r;
		unsigned n = serial_escape_feed(&st->escape, inb(st->uart_base + UART_RBR), out, &r);
		if (r)
			st->requests |= 1u << r;
		for (unsigned k = 0; k < n; k++)
			if (!serial_ring_put_byte(&st->rx, out[k]))
				st->lsr_owed |= 0x02; /* the guest left 16 KB unread: an overrun, as the UART's own */
	}
}

/* LSR and IIR as the guest sees them (uart_guest.h). Lock held. */
static uint8_t guest_lsr(struct serial_state *st)
{
	struct uart_guest_lsr_in in = {
		.hw = read_lsr(st),
		.errors_owed = st->lsr_owed,
		.rx_waiting = serial_ring_used(&st->rx) != 0,
		.tx_room = serial_ring_room(&st->ring),
		.guest_bytes_sent = (int32_t)(st->ring.tail - st->guest_end) >= 0,
		.tx_queued = serial_ring_used(&st->ring) != 0,
	};
	st->lsr_owed = 0;
	return uart_guest_lsr(&in);
}

static uint8_t guest_iir(struct serial_state *st)
{
	uint8_t iir = inb(st->uart_base + UART_IIR);
	bool rdi = inb(st->uart_base + UART_IER) & IER_RDI;
	return uart_guest_iir(iir, serial_ring_used(&st->rx) != 0, rdi, &st->thre_owed);
}

bool serial_guest_read(uint16_t port, uint8_t *value)
{
	struct serial_state *st = &own;
	if (!st->uart_base || st->guest_dlab || port < st->uart_base)
		return false; /* DLAB on: the divisor latch, the guest's */
	unsigned reg = port - st->uart_base;
	if (reg != UART_RBR && reg != UART_IIR && reg != UART_LSR)
		return false;
	spin_lock(&st->lock);
	rx_pull(st);
	if (reg == UART_RBR) {
		serial_ring_take(&st->rx, &st->last_rbr, 1); /* empty: the last byte again, as RBR */
		*value = st->last_rbr;
	} else {
		*value = reg == UART_LSR ? guest_lsr(st) : guest_iir(st);
	}
	fifo_send(st, false);
	spin_unlock(&st->lock);
	return true;
}

unsigned serial_take_requests(void) { return __atomic_exchange_n(&own.requests, 0, __ATOMIC_ACQ_REL); }
