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

#endif
