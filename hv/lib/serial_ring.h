/* The hypervisor's output queue in front of its UART (serial.c): bytes in,
 * bytes out in order, all or nothing per write. Pure (host unit test:
 * test/unit/test_serial_ring.c); the caller holds the lock. */
#ifndef HV_SERIAL_RING_H
#define HV_SERIAL_RING_H

#include <stdbool.h>
#include <stdint.h>

#define SERIAL_RING_SIZE 16384u /* a power of two: 1.4 s of output at 115200 baud */

struct serial_ring {
	uint32_t head, tail; /* free-running: head - tail bytes are queued */
	uint8_t buf[SERIAL_RING_SIZE];
};

static inline uint32_t serial_ring_used(const struct serial_ring *r) { return r->head - r->tail; }
static inline uint32_t serial_ring_room(const struct serial_ring *r) { return SERIAL_RING_SIZE - serial_ring_used(r); }

/* The bytes a line of text takes on the wire: each "\n" goes out as
 * "\r\n" (a terminal's carriage return). */
uint32_t serial_ring_wire_len(const char *s, unsigned long n);

/* Queues s (n bytes, "\n" as "\r\n") when all of it fits; false, and
 * nothing queued, when it does not. */
bool serial_ring_put_text(struct serial_ring *r, const char *s, unsigned long n);

/* Queues one byte as it is; false when full. */
bool serial_ring_put_byte(struct serial_ring *r, uint8_t c);

/* Takes up to max bytes, oldest first; returns how many. */
unsigned serial_ring_take(struct serial_ring *r, uint8_t *out, unsigned max);

#endif
