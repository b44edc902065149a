/* FADT power registers from fabricated ACPI tables: RSDP 1.0 with an RSDT,
 * RSDP 2.0 with an XSDT, extended PM1 blocks, reset register in I/O and
 * memory space, corrupt checksums, missing FADT; PM1 SLP_EN decoding. */
#include "hv/lib/acpi.h"
#include "unit.h"

#include <string.h>

static uint8_t mem[0x4000]; /* "physical" 0x10000.. */
#define BASE 0x10000u

static const void *map(void *ctx, uint64_t phys, uint32_t len)
{
	(void)ctx;
	if (phys < BASE || phys + len > BASE + sizeof(mem))
		return NULL;
	return mem + (phys - BASE);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}
static void fix_checksum(uint8_t *p, uint32_t len, unsigned at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}
static void header(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
}

/* RSDP at 0x10000, RSDT at 0x10100, XSDT at 0x10200, an "APIC" table at
 * 0x10400 and the FADT at 0x10800. */
static void build(int revision, bool extended, int reset_space)
{
	memset(mem, 0, sizeof(mem));
	uint8_t *rsdp = mem, *rsdt = mem + 0x100, *xsdt = mem + 0x200, *apic = mem + 0x400, *fadt = mem + 0x800;
	header(apic, "APIC", 44);
	fix_checksum(apic, 44, 9);
	uint32_t flen = extended ? 276 : 116;
	header(fadt, "FACP", flen);
	put32(fadt + 64, 0x404);  /* PM1a_CNT_BLK */
	put32(fadt + 68, 0);      /* no PM1b */
	if (extended) {
		put32(fadt + 112, 1u << 10); /* RESET_REG_SUP */
		fadt[116] = (uint8_t)reset_space;
		put64(fadt + 120, reset_space == 1 ? 0xcf9 : 0xfed00000ull);
		fadt[128] = 0x06;
		fadt[172] = 1; /* X_PM1a_CNT_BLK in I/O space */
		put64(fadt + 176, 0x604);
		fadt[184] = 1; /* X_PM1b_CNT_BLK */
		put64(fadt + 188, 0x608);
	}
	fix_checksum(fadt, flen, 9);
	header(rsdt, "RSDT", 36 + 8);
	put32(rsdt + 36, BASE + 0x400);
	put32(rsdt + 40, BASE + 0x800);
	fix_checksum(rsdt, 44, 9);
	header(xsdt, "XSDT", 36 + 16);
	put64(xsdt + 36, BASE + 0x400);
	put64(xsdt + 44, BASE + 0x800);
	fix_checksum(xsdt, 52, 9);
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = (uint8_t)revision;
	put32(rsdp + 16, BASE + 0x100);
	if (revision >= 2) {
		put32(rsdp + 20, 36);
		put64(rsdp + 24, BASE + 0x200);
	}
	fix_checksum(rsdp, 20, 8); /* the first 20 bytes, then all 36 */
	if (revision >= 2)
		fix_checksum(rsdp, 36, 32);
}

int main(void)
{
	struct acpi_power p;
	/* ACPI 1.0: RSDT, PM1a only, no reset register. */
	build(0, false, 1);
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL);
	CHECK_EQ_U64(p.pm1a_control, 0x404);
	CHECK_EQ_U64(p.pm1b_control, 0);
	CHECK(!p.reset_in_io && p.reset_mmio == 0);

	/* ACPI 2.0+: XSDT, extended PM1 blocks win, reset register in I/O. */
	build(2, true, 1);
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL);
	CHECK_EQ_U64(p.pm1a_control, 0x604);
	CHECK_EQ_U64(p.pm1b_control, 0x608);
	CHECK(p.reset_in_io);
	CHECK_EQ_U64(p.reset_port, 0xcf9);
	CHECK_EQ_U64(p.reset_value, 6);

	/* Reset register in memory space: reported, not an I/O port. */
	build(2, true, 0);
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL);
	CHECK(!p.reset_in_io);
	CHECK_EQ_U64(p.reset_mmio, 0xfed00000ull);

	/* Damage: RSDP checksum, FADT checksum (then no FADT), no RSDP. */
	build(2, true, 1);
	mem[8] ^= 1;
	CHECK_STR(acpi_find_power(BASE, map, NULL, &p), "RSDP checksum mismatch");
	build(2, true, 1);
	mem[0x800 + 64] ^= 0xff;
	CHECK_STR(acpi_find_power(BASE, map, NULL, &p), "no FADT");
	CHECK_EQ_U64(p.pm1a_control, 0);
	build(2, true, 1);
	mem[0x200 + 4] = 0xff; /* XSDT length beyond the tables */
	CHECK_STR(acpi_find_power(BASE, map, NULL, &p), "XSDT missing or corrupt");
	/* A bad extended RSDP checksum: the RSDT is used instead. */
	build(2, true, 1);
	mem[0x200 + 4] = 0xff;
	mem[32] ^= 1;
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL);
	CHECK_EQ_U64(p.pm1a_control, 0x604);
	CHECK_STR(acpi_find_power(BASE + 0x300, map, NULL, &p), "no RSDP signature");
	CHECK_STR(acpi_find_power(0x1000, map, NULL, &p), "no RSDP signature");

	/* PM1 control writes: SLP_EN with SLP_TYP. */
	unsigned typ = 99;
	CHECK(acpi_pm1_write_sleeps(0, 2, (1u << 13) | (5u << 10), &typ) && typ == 5);
	CHECK(!acpi_pm1_write_sleeps(0, 2, 5u << 10, &typ));
	CHECK(acpi_pm1_write_sleeps(1, 1, 0x20 | (7u << 2), &typ) && typ == 7);
	CHECK(!acpi_pm1_write_sleeps(0, 1, 0xff, &typ));
	CHECK(acpi_pm1_write_sleeps(0, 4, 0x2000, &typ) && typ == 0);
	return unit_finish("test_acpi");
}
