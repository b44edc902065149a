/* 16550 UART, polled, with an output queue (serial_ring.h). The hypervisor
 * owns its port after start-up; the guest may share it.
 *
 * Output never waits for the line once the hypervisor runs: serial_write
 * queues whole lines, and serial_pump, called on every VM exit, moves up
 * to 16 bytes into the UART's FIFO when it is empty (LSR.THRE). Before the
 * first exit (start-up) every write is sent at once. The guest's bytes to
 * the shared port (THR writes exit, io.c) join the same queue, so both
 * stay in order and none is lost. When the queue is full a writer sends
 * until there is room, as a full FIFO holds a driver: nothing is dropped
 * unless the UART makes no progress at all (serial_lost_bytes). The
 * periodic statistics check serial_room and skip a dump rather than wait
 * (stats/dump.h). */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

void serial_init(uint16_t io_base, uint32_t baud);
/* The host code runs from a copy of this image `copy_delta` bytes away
 * (virtualize.c): from now on this image uses the copy's queue and lock. */
void serial_share(int64_t copy_delta);
void serial_write(const char *s, unsigned long n);
/* On every VM exit: from now on output is queued; sends what the FIFO
 * takes without waiting. Inline, one load, when nothing is queued. */
extern volatile uint8_t serial_pump_wanted;
void serial_pump_queued(void);
static inline void serial_pump(void)
{
	if (serial_pump_wanted)
		serial_pump_queued();
}
/* Free bytes in the queue. */
uint32_t serial_room(void);
/* Bytes of our output the UART never took (it made no progress). */
uint64_t serial_lost_bytes(void);
/* Sends everything queued and waits until the transmitter is empty
 * (LSR.TEMT), so that a machine powered off right after the last line
 * still shows it. */
void serial_drain(void);
uint16_t serial_port(void);
/* The guest wrote `value` to `port` (an OUT exit on the UART's THR, FCR or
 * LCR). Returns true when it was done here: a THR byte (DLAB off) joins
 * the queue; an FCR write waits until our bytes have left the FIFO it may
 * clear. False: the caller performs the write (LCR, the divisor latch).
 * Tracks whether the guest's line is unfinished, so our next line starts
 * on a new one, and whether DLAB is on, so our bytes still reach THR. */
bool serial_guest_write(uint16_t port, uint8_t value);
/* The guest reads `port` (an IN exit on the UART's RBR, IIR or LSR with
 * DLAB off): received bytes pass through the terminal's requests
 * (serial_escape.h) first. Returns true with *value as the guest sees the
 * register; false when the caller reads the port itself. */
bool serial_guest_read(uint16_t port, uint8_t *value);
/* Requests typed since the last call: bits 1 << enum serial_request. */
unsigned serial_take_requests(void);

#endif
