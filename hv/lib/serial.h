/* 16550 UART, polled. The hypervisor owns its port after start-up; the guest
 * may share it, so every write of a line is whole (see log.c). */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

void serial_init(uint16_t io_base, uint32_t baud);
void serial_write(const char *s, unsigned long n);
/* Waits until the transmitter is empty (LSR.TEMT), so that a machine
 * powered off right after the last line still shows it. */
void serial_drain(void);
uint16_t serial_port(void);
/* The guest wrote `value` to `port` (an OUT exit on the UART's THR or LCR):
 * tracks whether its line is unfinished, so our next line starts on a new
 * one, and whether DLAB is on, so our bytes still reach THR. */
void serial_guest_wrote(uint16_t port, uint8_t value);

#endif
