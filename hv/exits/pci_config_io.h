/* PCI configuration mechanism #1's address register, CONFIG_ADDRESS at
 * port 0xcf8 (PCI Local Bus Specification 3.0 §3.2.2.3.2), on the shortest
 * exit path. A dword access there exits only because it covers 0xcf9, the
 * reset control register (the I/O bitmap has one bit per port, io_ports.h),
 * yet the chipset decodes a dword at 0xcf8 as CONFIG_ADDRESS and only a
 * byte at 0xcf9 as reset control: nothing for the I/O policy to judge. An
 * OS does one before each configuration access (Linux: 24,000 at boot). */
#ifndef HV_EXITS_PCI_CONFIG_IO_H
#define HV_EXITS_PCI_CONFIG_IO_H

#include "../lib/acpi.h"

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS_PORT 0xcf8

struct exit_ctx;
struct hv;

/* True when io_write_verdict and io_read_adjust (io_policy.h) pass a dword
 * access at 0xcf8 through unchanged: no ACPI PM1 register starts at 0xcf7
 * or 0xcf8 and the ACPI reset register is not at 0xcf8 (test_io_policy
 * checks the agreement). Pure; decided once at start-up. */
static inline bool pci_config_address_plain(const struct acpi_power *a)
{
	const uint16_t pm1[4] = { a->pm1a_control, a->pm1b_control, a->pm1a_status, a->pm1b_status };
	for (unsigned i = 0; i < 4; i++)
		if (pm1[i] && (pm1[i] == PCI_CONFIG_ADDRESS_PORT || pm1[i] + 1 == PCI_CONFIG_ADDRESS_PORT))
			return false;
	return !(a->reset_in_io && a->reset_port == PCI_CONFIG_ADDRESS_PORT);
}

/* An I/O exit with this qualification: when it is IN or OUT of a dword at
 * 0xcf8 (not string) and the platform lets it through plain, performs it
 * and returns true (the instruction is done); else false. */
bool pci_config_address_exit(struct exit_ctx *ctx, uint64_t qualification);

/* At start-up, with hv->acpi known: may the fast path be used? */
void pci_config_io_start_up(struct hv *hv);

#endif
