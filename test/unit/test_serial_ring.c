/* The hypervisor's output queue (hv/lib/serial_ring.c): order, CR LF,
 * all-or-nothing writes, wrap-around. */
#include "hv/lib/serial_ring.h"
#include "unit.h"

static struct serial_ring r;

int main(void)
{
	uint8_t out[SERIAL_RING_SIZE];
	CHECK_EQ_U64(serial_ring_room(&r), SERIAL_RING_SIZE);
	CHECK_EQ_U64(serial_ring_wire_len("ab\ncd\n", 6), 8);
	CHECK(serial_ring_put_text(&r, "hv: x\n", 6));
	CHECK(serial_ring_put_byte(&r, 'g'));
	CHECK_EQ_U64(serial_ring_used(&r), 8);
	CHECK_EQ_U64(serial_ring_take(&r, out, 16), 8);
	CHECK(memcmp(out, "hv: x\r\ng", 8) == 0);
	CHECK_EQ_U64(serial_ring_take(&r, out, 16), 0);

	/* Fill to the last byte, with the indices mid-buffer (wrap-around). */
	static char big[SERIAL_RING_SIZE];
	memset(big, 'a', sizeof(big));
	big[SERIAL_RING_SIZE - 1] = '\n'; /* one byte too many on the wire */
	CHECK(!serial_ring_put_text(&r, big, SERIAL_RING_SIZE));
	CHECK_EQ_U64(serial_ring_used(&r), 0); /* a failed put queues nothing */
	big[SERIAL_RING_SIZE - 1] = 'a';
	CHECK(serial_ring_put_text(&r, big, SERIAL_RING_SIZE - 1));
	CHECK(!serial_ring_put_text(&r, "\n", 1)); /* needs 2 bytes, 1 left: all or nothing */
	CHECK(serial_ring_put_byte(&r, 'z'));
	CHECK(!serial_ring_put_byte(&r, 'y'));
	CHECK_EQ_U64(serial_ring_room(&r), 0);
	CHECK_EQ_U64(serial_ring_take(&r, out, 16), 16);
	CHECK_EQ_U64(serial_ring_take(&r, out, SERIAL_RING_SIZE), SERIAL_RING_SIZE - 16);
	CHECK_EQ_U64(out[SERIAL_RING_SIZE - 17], 'z');
	CHECK_EQ_U64(out[0], 'a');
	return unit_finish("test_serial_ring");
}
