/* FADT power registers (acpi.h). ACPI 6.x §5.2.5 (RSDP), §5.2.7-8
 * (RSDT/XSDT), §5.2.9 (FADT), §5.2.3.2 (Generic Address Structure). */
#include "acpi.h"

#include <stddef.h>

#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1
#define FADT_FLAG_RESET_REG_SUP (1u << 10)

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static bool sig_is(const uint8_t *p, const char *sig)
{
	return p[0] == (uint8_t)sig[0] && p[1] == (uint8_t)sig[1] && p[2] == (uint8_t)sig[2] && p[3] == (uint8_t)sig[3];
}

/* A whole table (header + body) with a valid checksum, or NULL. */
static const uint8_t *map_table(uint64_t phys, acpi_map_fn *map, void *ctx)
{
	const uint8_t *h = map(ctx, phys, 36);
	if (!h)
		return NULL;
	uint32_t len = le32(h + 4);
	if (len < 36 || len > (1u << 20))
		return NULL;
	const uint8_t *t = map(ctx, phys, len);
	return t && checksum_ok(t, len) ? t : NULL;
}

/* I/O port of a Generic Address Structure at `gas`, 0 when not in I/O space. */
static uint16_t gas_io_port(const uint8_t *gas)
{
	uint64_t addr = le64(gas + 4);
	return gas[0] == GAS_SPACE_IO && addr && addr <= 0xffff ? (uint16_t)addr : 0;
}

/* Integer data objects (ACPI 6.x §20.2.3): ZeroOp, OneOp, OnesOp and the
 * Byte/Word/DWord/QWord prefixes; *used gets the bytes consumed. */
static bool aml_integer(const uint8_t *p, const uint8_t *end, uint64_t *v, unsigned *used)
{
	static const unsigned prefix_bytes[] = { 1, 2, 4, 8 }; /* 0x0a..0x0c, 0x0e */
	if (p >= end)
		return false;
	if (*p == 0x00 || *p == 0x01 || *p == 0xff) {
		*v = *p == 0xff ? ~0ull : *p;
		*used = 1;
		return true;
	}
	if (*p < 0x0a || *p > 0x0e || *p == 0x0d)
		return false;
	unsigned n = prefix_bytes[*p == 0x0e ? 3 : *p - 0x0a];
	if (end - p < (long)(1 + n))
		return false;
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	*used = 1 + n;
	return true;
}

bool acpi_aml_sleep_type(const uint8_t *aml, uint32_t len, unsigned state, uint8_t *slp_typ_a, uint8_t *slp_typ_b)
{
	const uint8_t *end = aml + len;
	const uint8_t name[4] = { '_', 'S', (uint8_t)('0' + state), '_' };
	for (const uint8_t *p = aml; p + 4 <= end; p++) {
		if (p[0] != name[0] || p[1] != name[1] || p[2] != name[2] || p[3] != name[3])
			continue;
		/* NameOp before the name, rooted ('\') or not. */
		bool named = (p > aml && p[-1] == 0x08) || (p > aml + 1 && p[-1] == '\\' && p[-2] == 0x08);
		const uint8_t *q = p + 4;
		if (!named || q >= end || *q != 0x12)
			continue;
		q++; /* PackageOp; PkgLength: bits 7:6 of its lead byte count the bytes that follow */
		if (q >= end)
			return false;
		q += 1 + (*q >> 6);
		if (q >= end || *q == 0)
			return false;
		unsigned elements = *q++, used;
		uint64_t a, b;
		if (!aml_integer(q, end, &a, &used))
			return false;
		b = a;
		if (elements >= 2 && !aml_integer(q + used, end, &b, &used))
			return false;
		*slp_typ_a = (uint8_t)(a & 7);
		*slp_typ_b = (uint8_t)(b & 7);
		return true;
	}
	return false;
}

int acpi_sleep_state(const struct acpi_power *p, bool pm1b, unsigned slp_typ)
{
	/* Deepest first: firmware that gives two states one value (rare)
	 * gets the safer reading, a power-off. */
	for (int s = 5; s >= 1; s--)
		if ((p->sleep_known >> s) & 1 && (pm1b ? p->slp_typ_b[s] : p->slp_typ_a[s]) == slp_typ)
			return s;
	return -1;
}

const char *acpi_sleep_state_name(int state)
{
	static const char *const names[] = { "S0 (working)", "S1 (standby)", "S2 (standby, CPU off)",
					     "S3 (suspend to RAM)", "S4 (hibernation)", "S5 (soft-off)" };
	return state >= 0 && state <= 5 ? names[state] : "an unknown sleep state";
}

static void read_sleep_types(const uint8_t *f, uint32_t len, acpi_map_fn *map, void *ctx, struct acpi_power *out)
{
	uint64_t dsdt_phys = len >= 148 && le64(f + 140) ? le64(f + 140) : len >= 44 ? le32(f + 40) : 0;
	const uint8_t *dsdt = dsdt_phys ? map_table(dsdt_phys, map, ctx) : NULL;
	if (!dsdt || !sig_is(dsdt, "DSDT"))
		return;
	for (unsigned s = 1; s <= 5; s++)
		if (acpi_aml_sleep_type(dsdt + 36, le32(dsdt + 4) - 36, s, &out->slp_typ_a[s], &out->slp_typ_b[s]))
			out->sleep_known |= (uint8_t)(1u << s);
}

/* A PM1 register block's port: the ACPI 1.0 32-bit field at `legacy`, or,
 * ACPI 2.0+, the extended block's GAS at `extended`, which wins when present
 * and in I/O space (§5.2.9). Either only if the table is long enough. */
static uint16_t fadt_pm1_port(const uint8_t *f, uint32_t len, uint32_t legacy, uint32_t extended)
{
	uint16_t ext = len >= extended + 12 ? gas_io_port(f + extended) : 0;
	if (ext)
		return ext;
	return len >= legacy + 4 ? (uint16_t)le32(f + legacy) : 0;
}

static void read_fadt(const uint8_t *f, uint32_t len, struct acpi_power *out)
{
	/* PM1a/PM1b_EVT_BLK at 56/60 (X_ at 148/160), PM1a/PM1b_CNT_BLK at
	 * 64/68 (X_ at 172/184). */
	out->pm1a_status = fadt_pm1_port(f, len, 56, 148);
	out->pm1b_status = fadt_pm1_port(f, len, 60, 160);
	out->pm1a_control = fadt_pm1_port(f, len, 64, 172);
	out->pm1b_control = fadt_pm1_port(f, len, 68, 184);
	if (len >= 129 && (le32(f + 112) & FADT_FLAG_RESET_REG_SUP)) {
		const uint8_t *gas = f + 116;
		out->reset_value = f[128];
		if (gas[0] == GAS_SPACE_IO && gas_io_port(gas)) {
			out->reset_in_io = true;
			out->reset_port = gas_io_port(gas);
		} else if (gas[0] == GAS_SPACE_MEMORY) {
			out->reset_mmio = le64(gas + 4);
		}
	}
}

const char *acpi_find_power(uint64_t rsdp_phys, acpi_map_fn *map, void *ctx, struct acpi_power *out)
{
	*out = (struct acpi_power){ 0 };
	const uint8_t *rsdp = map(ctx, rsdp_phys, 20);
	if (!rsdp || !(rsdp[0] == 'R' && rsdp[1] == 'S' && rsdp[2] == 'D' && rsdp[3] == ' ' && rsdp[4] == 'P' &&
		       rsdp[5] == 'T' && rsdp[6] == 'R' && rsdp[7] == ' '))
		return "no RSDP signature";
	if (!checksum_ok(rsdp, 20))
		return "RSDP checksum mismatch";
	/* Revision 2+: the XSDT (64-bit entries), else the RSDT (32-bit). */
	uint64_t root = le32(rsdp + 16);
	unsigned entry_size = 4;
	if (rsdp[15] >= 2) {
		const uint8_t *r2 = map(ctx, rsdp_phys, 36);
		if (r2 && checksum_ok(r2, le32(r2 + 20) >= 36 ? 36 : 20) && le64(r2 + 24)) {
			root = le64(r2 + 24);
			entry_size = 8;
		}
	}
	const uint8_t *sdt = map_table(root, map, ctx);
	if (!sdt || !sig_is(sdt, entry_size == 8 ? "XSDT" : "RSDT"))
		return entry_size == 8 ? "XSDT missing or corrupt" : "RSDT missing or corrupt";
	uint32_t entries = (le32(sdt + 4) - 36) / entry_size;
	for (uint32_t i = 0; i < entries; i++) {
		const uint8_t *e = sdt + 36 + i * entry_size;
		uint64_t phys = entry_size == 8 ? le64(e) : le32(e);
		const uint8_t *t = map_table(phys, map, ctx);
		if (t && sig_is(t, "FACP")) {
			read_fadt(t, le32(t + 4), out);
			read_sleep_types(t, le32(t + 4), map, ctx, out);
			return NULL;
		}
	}
	return "no FADT";
}

bool acpi_pm1_write_sleeps(unsigned offset, unsigned size, uint32_t value, unsigned *slp_typ)
{
	/* Place the written bytes at their offset within the 16-bit register. */
	uint32_t reg = offset == 0 ? value : offset == 1 ? value << 8 : 0;
	if (size == 1 && offset == 0)
		reg &= 0xff;
	if (!(reg & (1u << 13)))
		return false;
	*slp_typ = (reg >> 10) & 7;
	return true;
}
