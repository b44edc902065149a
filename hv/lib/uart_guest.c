/* The shared UART as the guest sees it (uart_guest.h). */
#include "uart_guest.h"

uint8_t uart_guest_lsr(const struct uart_guest_lsr_in *in)
{
	uint8_t v = in->errors_owed & UART_LSR_ERRORS;
	v |= in->hw & UART_LSR_ERRORS;
	if (in->rx_waiting)
		v |= UART_LSR_DR;
	if (in->tx_room >= UART_FIFO_BYTES)
		v |= UART_LSR_THRE;
	if (in->guest_bytes_sent && (in->tx_queued || (in->hw & UART_LSR_TEMT)))
		v |= UART_LSR_TEMT;
	return v;
}

uint8_t uart_guest_iir(uint8_t hw, bool rx_waiting, bool rdi_enabled, bool *thre_owed)
{
	uint8_t fifo = hw & 0xc0, id = hw & UART_IIR_ID;
	bool pending = !(hw & UART_IIR_NO_INT);
	if (pending && id == UART_IIR_THRE)
		*thre_owed = true;
	if (pending && id == UART_IIR_LSR)
		return hw;
	if (rx_waiting && rdi_enabled)
		return fifo | UART_IIR_RDA;
	if (*thre_owed) {
		*thre_owed = false;
		return fifo | UART_IIR_THRE;
	}
	if (pending && id == UART_IIR_MSR)
		return hw;
	return fifo | UART_IIR_NO_INT;
}
