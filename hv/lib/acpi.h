/* The ACPI registers through which an OS powers a real machine off or resets
 * it, from the FADT (ACPI 6.x §5.2.9): PM1a/PM1b control blocks (writing
 * SLP_EN enters a sleep state; S5 is soft-off) and the reset register. The
 * hypervisor intercepts those in I/O space to print its final statistics
 * first. Pure: tables are reached through a caller's phys-to-pointer
 * function, so host unit tests feed it fabricated tables. */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_power {
	uint16_t pm1a_control, pm1b_control; /* I/O ports, 0 = none */
	bool reset_in_io;                     /* RESET_REG is supported and in I/O space */
	uint16_t reset_port;
	uint8_t reset_value;
	uint64_t reset_mmio;                  /* RESET_REG in memory space (not intercepted) */
};

/* Returns a pointer to `len` bytes at physical address `phys`, or NULL. */
typedef const void *acpi_map_fn(void *ctx, uint64_t phys, uint32_t len);

/* Fills `out` from the RSDP at `rsdp_phys`. Returns NULL on success, else
 * what is wrong ("RSDP checksum mismatch", "no FADT", ...). */
const char *acpi_find_power(uint64_t rsdp_phys, acpi_map_fn *map, void *ctx, struct acpi_power *out);

/* PM1 control: SLP_EN is bit 13 of the 16-bit register (bit 5 of its high
 * byte); SLP_TYP bits 12:10. `offset` is the byte offset of the write. */
bool acpi_pm1_write_sleeps(unsigned offset, unsigned size, uint32_t value, unsigned *slp_typ);

#endif
