/* The output queue (serial_ring.h). */
#include "serial_ring.h"

uint32_t serial_ring_wire_len(const char *s, unsigned long n)
{
	uint32_t len = 0;
	for (unsigned long i = 0; i < n; i++)
		len += s[i] == '\n' ? 2 : 1;
	return len;
}

bool serial_ring_put_text(struct serial_ring *r, const char *s, unsigned long n)
{
	if (serial_ring_wire_len(s, n) > serial_ring_room(r))
		return false;
	for (unsigned long i = 0; i < n; i++) {
		if (s[i] == '\n')
			r->buf[r->head++ % SERIAL_RING_SIZE] = '\r';
		r->buf[r->head++ % SERIAL_RING_SIZE] = (uint8_t)s[i];
	}
	return true;
}

bool serial_ring_put_byte(struct serial_ring *r, uint8_t c)
{
	if (!serial_ring_room(r))
		return false;
	r->buf[r->head++ % SERIAL_RING_SIZE] = c;
	return true;
}

unsigned serial_ring_take(struct serial_ring *r, uint8_t *out, unsigned max)
{
	unsigned n = 0;
	while (n < max && r->tail != r->head)
		out[n++] = r->buf[r->tail++ % SERIAL_RING_SIZE];
	return n;
}
