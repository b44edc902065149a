/* The shared UART's LSR and IIR as the guest sees them
 * (hv/lib/uart_guest.c): one case per rule. */
#include "hv/lib/uart_guest.h"
#include "unit.h"

static void test_lsr(void)
{
	struct uart_guest_lsr_in in = { .hw = 0x60, .tx_room = 16384, .guest_bytes_sent = true };
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x60); /* idle: THRE, TEMT */
	in.hw = 0x61;                            /* the UART holds a byte: it is in our queue or was ours */
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x60);
	in.rx_waiting = true;
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x61);
	in.rx_waiting = false;
	in.hw = 0x00, in.tx_queued = true; /* the UART busy with our backlog, the guest's bytes sent */
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x60);
	in.guest_bytes_sent = false; /* its own bytes still queued: not empty */
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x20);
	in.tx_room = 15; /* less than a FIFO's worth of room: THRE off */
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x00);
	in.errors_owed = 0x02, in.hw = 0x10; /* an overrun seen by our read, a break now */
	CHECK_EQ_U64(uart_guest_lsr(&in), 0x12);
}

static void test_iir(void)
{
	bool owed = false;
	CHECK_EQ_U64(uart_guest_iir(0xc1, false, true, &owed), 0xc1); /* nothing pending */
	CHECK_EQ_U64(uart_guest_iir(0xc2, false, true, &owed), 0xc2); /* THRE passes */
	CHECK(!owed);
	/* THRE and bytes waiting: received data first, THRE at the next read. */
	CHECK_EQ_U64(uart_guest_iir(0xc2, true, true, &owed), 0xc4);
	CHECK(owed);
	CHECK_EQ_U64(uart_guest_iir(0xc1, false, true, &owed), 0xc2);
	CHECK(!owed);
	/* Received data interrupt off: the bytes wait for a poll, no RDA. */
	CHECK_EQ_U64(uart_guest_iir(0xc1, true, false, &owed), 0xc1);
	/* The UART's own received-data or timeout identification: its bytes
	 * were taken into our queue (or were requests): never passed on. */
	CHECK_EQ_U64(uart_guest_iir(0xc4, false, true, &owed), 0xc1);
	CHECK_EQ_U64(uart_guest_iir(0xcc, false, true, &owed), 0xc1);
	/* Line status before received data; modem status after THRE. */
	CHECK_EQ_U64(uart_guest_iir(0xc6, true, true, &owed), 0xc6);
	owed = true;
	CHECK_EQ_U64(uart_guest_iir(0xc0, false, true, &owed), 0xc2);
	CHECK_EQ_U64(uart_guest_iir(0xc0, false, true, &owed), 0xc0);
	/* FIFO off: the FIFO bits stay 0. */
	CHECK_EQ_U64(uart_guest_iir(0x02, true, true, &owed), 0x04);
}

int main(void)
{
	test_lsr();
	test_iir();
	return unit_finish("test_uart_guest");
}
