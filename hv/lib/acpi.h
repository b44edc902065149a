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
	/* PM1 event blocks: their status register holds WAK_STS (bit 15). */
	uint16_t pm1a_status, pm1b_status;    /* I/O ports, 0 = none */
	/* The DSDT's \_S1_..\_S5_ packages: the SLP_TYP values an OS writes
	 * to PM1a and PM1b control to enter each sleep state (ACPI 6.x §7.4.2). */
	uint8_t sleep_known;                  /* bit n: \_Sn_ found */
	uint8_t slp_typ_a[6], slp_typ_b[6];
};

/* Returns a pointer to `len` bytes at physical address `phys`, or NULL. */
typedef const void *acpi_map_fn(void *ctx, uint64_t phys, uint32_t len);

/* Fills `out` from the RSDP at `rsdp_phys`. Returns NULL on success, else
 * what is wrong ("RSDP checksum mismatch", "no FADT", ...). */
const char *acpi_find_power(uint64_t rsdp_phys, acpi_map_fn *map, void *ctx, struct acpi_power *out);

/* PM1 control: SLP_EN is bit 13 of the 16-bit register (bit 5 of its high
 * byte); SLP_TYP bits 12:10. `offset` is the byte offset of the write. */
bool acpi_pm1_write_sleeps(unsigned offset, unsigned size, uint32_t value, unsigned *slp_typ);

/* The \_Sn_ package (n = 0..5) in an AML byte stream (a DSDT body):
 * Name(_Sn_, Package(){SLP_TYPa, SLP_TYPb, ...}) encoded as NameOp 0x08,
 * the name (optionally rooted, '\'), PackageOp 0x12, PkgLength,
 * NumElements, then integers (ZeroOp, OneOp, BytePrefix, WordPrefix, ...;
 * ACPI 6.x §20.2.3, §20.2.4, §20.2.5.4). False when absent or malformed. */
bool acpi_aml_sleep_type(const uint8_t *aml, uint32_t len, unsigned state, uint8_t *slp_typ_a, uint8_t *slp_typ_b);

/* The sleep state (1..5) whose SLP_TYP value this is on PM1a (or PM1b),
 * -1 when the DSDT names none. */
int acpi_sleep_state(const struct acpi_power *p, bool pm1b, unsigned slp_typ);

/* Plain words for a sleep state: "S3 (suspend to RAM)". */
const char *acpi_sleep_state_name(int state);

#endif
