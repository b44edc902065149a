/* libFuzzer harness for the ACPI table walk (hv/lib/acpi.c).
 *
 * The fuzz input after its first byte is a little "physical memory": the
 * RSDP at address 0, and every pointer in it (RSDT/XSDT address, table
 * entries) an offset into the same bytes. The map callback hands out only
 * ranges inside that buffer, which is an exact-size heap copy, so any read
 * beyond what the parser asked for is an AddressSanitizer report.
 *
 * Checksums would stop nearly every mutated input at the RSDP, so the
 * first byte says which ones the harness repairs before the walk:
 *   bit 0  RSDP checksum (bytes 0..19) and extended checksum (0..35)
 *   bit 1  the root table and every table it points to
 * With a bit clear the parser sees the bytes as they are, so the checksum
 * failures stay reachable too. The last two bytes of the input (when there
 * are at least three) also drive acpi_pm1_write_sleeps. */
#include "hv/lib/acpi.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct mem {
	uint8_t *base;
	size_t size;
	unsigned maps; /* how often the parser asked: bounded below */
};

static const void *map(void *ctx, uint64_t phys, uint32_t len)
{
	struct mem *m = ctx;
	m->maps++;
	if (phys > m->size || len > m->size - phys)
		return NULL;
	return m->base + phys;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Sets p[at] so that the bytes p[0..len) add up to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

/* Repairs the checksum (byte 9) of the table at `phys` if it lies in m;
 * returns its length, 0 when it does not fit. */
static uint32_t fix_table(struct mem *m, uint64_t phys)
{
	if (phys > m->size || m->size - phys < 36)
		return 0;
	uint8_t *t = m->base + phys;
	uint32_t len = le32(t + 4);
	if (len < 36 || len > m->size - phys)
		return 0;
	fix_sum(t, len, 9);
	return len;
}

static void fix_checksums(struct mem *m, unsigned flags)
{
	uint8_t *r = m->base;
	if ((flags & 1) && m->size >= 20)
		fix_sum(r, 20, 8);
	if ((flags & 1) && m->size >= 36)
		fix_sum(r, 36, 32);
	if (!(flags & 2) || m->size < 20)
		return;
	bool x = m->size >= 36 && r[15] >= 2 && le64(r + 24);
	uint64_t root = x ? le64(r + 24) : le32(r + 16);
	unsigned esz = x ? 8 : 4;
	uint32_t len = fix_table(m, root);
	for (uint32_t off = 36; len && off + esz <= len; off += esz) {
		const uint8_t *e = m->base + root + off;
		fix_table(m, esz == 8 ? le64(e) : le32(e));
	}
	fix_table(m, root); /* an entry may have pointed into the root table */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct mem m = { malloc(size - 1 ? size - 1 : 1), size - 1, 0 };
	if (!m.base)
		return 0;
	memcpy(m.base, data + 1, size - 1);
	fix_checksums(&m, data[0]);

	struct acpi_power p;
	memset(&p, 0xa5, sizeof(p));
	const char *why = acpi_find_power(0, map, &m, &p);
	/* The walk maps the RSDP twice and each table twice: a root table of
	 * at most 1 MB holds at most 2^18 entries. */
	if (m.maps > 4 + 2 * ((1u << 18) + 1))
		abort();
	if (why ? !why[0] : (p.reset_in_io && !p.reset_port))
		abort();
	if (why && (p.pm1a_control || p.pm1b_control || p.reset_in_io || p.reset_mmio))
		abort(); /* a failed walk reports nothing */
	free(m.base);

	if (size >= 3) {
		unsigned typ = 8;
		uint8_t b = data[size - 2];
		if (acpi_pm1_write_sleeps(b & 3, 1u << (b >> 2 & 3) & 7, (uint32_t)data[size - 1] << (b >> 4), &typ) &&
		    typ > 7)
			abort();
	}
	return 0;
}
