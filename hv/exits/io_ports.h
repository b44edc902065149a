/* The I/O ports that exit, in one place: io_bitmap_build and the handler
 * agree through this list. Pure. */
#ifndef HV_IO_PORTS_H
#define HV_IO_PORTS_H

#include "../lib/acpi.h"

#include <stdbool.h>
#include <stdint.h>

#define IO_PORT_KBC_COMMAND 0x64
#define IO_PORT_QEMU_DEBUG_EXIT 0xf4
#define IO_PORT_RESET_CONTROL 0xcf9
#define IO_PORT_BOCHS_SHUTDOWN 0x8900

/* The hypervisor's UART: its THR/RBR (offset 0), FCR/IIR (2), LCR (3) and
 * LSR (5) exit so that a guest sharing the port writes through our output
 * queue, in order with our lines, cannot clear the FIFO under our bytes,
 * and receives its input through us, requests typed for us taken out
 * (serial.h). */
#define IO_UART_THR 0
#define IO_UART_FCR 2
#define IO_UART_LCR 3
#define IO_UART_LSR 5

/* bitmaps: A (ports 0x0000-0x7fff) then B (0x8000-0xffff), 4 KB each
 * (SDM Vol. 3C §25.6.4). An access exits when any byte it touches has its
 * bit set: a dword at 0xcf8 (PCI configuration address) exits because
 * 0xcf9 does. Plus the ACPI PM1 control and status registers (both bytes)
 * and the reset register when the FADT puts them in I/O space (acpi.h;
 * port 0 means none), and the emulator ports only where io_policy.h says
 * they exist. */
static inline void io_bitmap_build(uint8_t bitmaps[8192], uint16_t uart_base, const struct acpi_power *acpi,
				   bool bochs_shutdown, bool qemu_debug_exit)
{
	const uint16_t ports[] = { IO_PORT_KBC_COMMAND,
				   qemu_debug_exit ? IO_PORT_QEMU_DEBUG_EXIT : 0,
				   IO_PORT_RESET_CONTROL,
				   bochs_shutdown ? IO_PORT_BOCHS_SHUTDOWN : 0,
				   (uint16_t)(uart_base + IO_UART_THR),
				   (uint16_t)(uart_base + IO_UART_FCR),
				   (uint16_t)(uart_base + IO_UART_LCR),
				   (uint16_t)(uart_base + IO_UART_LSR),
				   acpi->pm1a_control,
				   (uint16_t)(acpi->pm1a_control ? acpi->pm1a_control + 1 : 0),
				   acpi->pm1b_control,
				   (uint16_t)(acpi->pm1b_control ? acpi->pm1b_control + 1 : 0),
				   acpi->pm1a_status,
				   (uint16_t)(acpi->pm1a_status ? acpi->pm1a_status + 1 : 0),
				   acpi->pm1b_status,
				   (uint16_t)(acpi->pm1b_status ? acpi->pm1b_status + 1 : 0),
				   acpi->reset_in_io ? acpi->reset_port : 0 };
	for (unsigned i = 0; i < 8192; i++)
		bitmaps[i] = 0;
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i])
			bitmaps[ports[i] / 8] |= (uint8_t)(1u << (ports[i] % 8));
}

#endif
