/* Little-endian stores and the ACPI checksum, for the test tools that
 * build ACPI tables (acpi_shim.c, smp_acpi_shim.c). ACPI 6 §5.2: a table's
 * bytes, checksum included, sum to zero. Header-only, no GNU-EFI. */
#ifndef TEST_GUESTS_ACPI_BYTES_H
#define TEST_GUESTS_ACPI_BYTES_H

#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Sets the byte at `at` so that p[0..len) sums to zero. */
static inline void checksum(uint8_t *p, uint32_t len, unsigned at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

/* An ACPI 2.0 RSDP (36 bytes, ACPI 6 §5.2.5.3) pointing at an XSDT, both
 * checksums set. */
static inline void acpi_rsdp(uint8_t *rsdp, const void *xsdt)
{
	const char *sig = "RSD PTR ", *oem = "HVTEST";
	for (int i = 0; i < 8; i++)
		rsdp[i] = (uint8_t)sig[i];
	for (int i = 0; i < 6; i++)
		rsdp[9 + i] = (uint8_t)oem[i];
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, (uint64_t)(uintptr_t)xsdt);
	checksum(rsdp, 20, 8);
	checksum(rsdp, 36, 32);
}

#endif
