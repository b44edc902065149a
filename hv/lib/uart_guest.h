/* The shared UART's registers as the guest sees them (serial.c): the
 * received bytes and our output pass through queues, so LSR and IIR are
 * computed from the UART's own values and the queues' state. Pure (host
 * unit test: test/unit/test_uart_guest.c). Register bits: the 16550 data
 * sheet (National Semiconductor PC16550D, LSR and IIR tables). */
#ifndef HV_UART_GUEST_H
#define HV_UART_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#define UART_LSR_DR 0x01     /* data ready */
#define UART_LSR_ERRORS 0x9e /* overrun, parity, framing, break, error in FIFO: cleared by reading LSR */
#define UART_LSR_THRE 0x20   /* transmit holding register (FIFO mode: the FIFO) empty */
#define UART_LSR_TEMT 0x40   /* transmitter empty */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID 0x0e
#define UART_IIR_MSR 0x00 /* modem status: lowest priority */
#define UART_IIR_THRE 0x02
#define UART_IIR_RDA 0x04 /* received data available */
#define UART_IIR_LSR 0x06 /* line status: highest priority */
#define UART_IIR_TIMEOUT 0x0c
#define UART_FIFO_BYTES 16

struct uart_guest_lsr_in {
	uint8_t hw;            /* the UART's LSR, just read */
	uint8_t errors_owed;   /* error bits earlier reads of ours took from the guest */
	bool rx_waiting;       /* received bytes wait for the guest */
	uint32_t tx_room;      /* free bytes in our output queue */
	bool guest_bytes_sent; /* the guest's last byte has left our queue */
	bool tx_queued;        /* our queue holds bytes (ours, after the guest's) */
};

/* LSR: the owed error bits; DR while bytes wait; THRE while the queue takes
 * a FIFO's worth; TEMT once the guest's own bytes left the queue and the
 * UART is empty or busy with ours (a driver polls TEMT, each poll an exit:
 * our backlog must not hold it). */
uint8_t uart_guest_lsr(const struct uart_guest_lsr_in *in);

/* IIR, from the UART's (just read) in the 16550's priority order: line
 * status, then received data while bytes wait for the guest and it enabled
 * that interrupt (IER.RDI), then a THRE identification (*thre_owed: our
 * read of the UART's IIR took it, as reading IIR clears THRE), then modem
 * status. The UART's received-data identification is never passed on: its
 * bytes are in our queue by now (or were requests for us). */
uint8_t uart_guest_iir(uint8_t hw, bool rx_waiting, bool rdi_enabled, bool *thre_owed);

#endif
