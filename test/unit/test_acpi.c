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

/* AML as compilers emit it (iasl): QEMU's plain names, an Intel PCH
 * board's rooted and conditional ones (SLP_TYP 5/6/7), a byte-prefixed
 * two-element package, and a "_S3_" that is not a Name. */
static const uint8_t aml_qemu[] = {
	0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00, /* Name(_S3, Package(4){One, One, 0, 0}) */
	0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02, 0x00, 0x00,
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t aml_pch[] = {
	0x70, '_', 'S', '3', '_', 0x60,                               /* Store(_S3_, Local0): not a Name */
	0xa0, 0x12, 'S', 'S', '3', '_',                               /* If (SS3) { */
	0x08, '_', 'S', '3', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00, /* Name(_S3, {5, 0, 0, 0}) } */
	0x08, '\\', '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x06, 0x00, 0x00, 0x00,
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x40, 0x0a, 0x02, 0x0b, 0x07, 0x00, 0x0a, 0x07, /* 2-byte PkgLength, WordPrefix */
};

static void test_sleep_types(void)
{
	uint8_t a = 99, b = 99;
	CHECK(acpi_aml_sleep_type(aml_qemu, sizeof(aml_qemu), 3, &a, &b) && a == 1 && b == 1);
	CHECK(acpi_aml_sleep_type(aml_qemu, sizeof(aml_qemu), 4, &a, &b) && a == 2 && b == 2);
	CHECK(acpi_aml_sleep_type(aml_qemu, sizeof(aml_qemu), 5, &a, &b) && a == 0 && b == 0);
	CHECK(!acpi_aml_sleep_type(aml_qemu, sizeof(aml_qemu), 1, &a, &b));
	CHECK(acpi_aml_sleep_type(aml_pch, sizeof(aml_pch), 3, &a, &b) && a == 5 && b == 0);
	CHECK(acpi_aml_sleep_type(aml_pch, sizeof(aml_pch), 4, &a, &b) && a == 6 && b == 0);
	CHECK(acpi_aml_sleep_type(aml_pch, sizeof(aml_pch), 5, &a, &b) && a == 7 && b == 7);
	/* Truncated: the package runs past the end. */
	CHECK(!acpi_aml_sleep_type(aml_qemu, 9, 3, &a, &b));

	struct acpi_power p = { .sleep_known = (1u << 3) | (1u << 5) };
	p.slp_typ_a[3] = 5, p.slp_typ_b[3] = 1, p.slp_typ_a[5] = 7, p.slp_typ_b[5] = 7;
	CHECK(acpi_sleep_state(&p, false, 5) == 3);
	CHECK(acpi_sleep_state(&p, true, 1) == 3);
	CHECK(acpi_sleep_state(&p, false, 7) == 5);
	CHECK(acpi_sleep_state(&p, false, 1) == -1);
	CHECK(acpi_sleep_state(&p, false, 6) == -1); /* \_S4 unknown */
	CHECK_STR(acpi_sleep_state_name(3), "S3 (suspend to RAM)");
}

/* The FADT's DSDT and PM1 status blocks, read with the power registers. */
static void test_fadt_dsdt(void)
{
	build(2, true, 1);
	uint8_t *fadt = mem + 0x800, *dsdt = mem + 0x1000;
	header(dsdt, "DSDT", 36 + sizeof(aml_pch));
	memcpy(dsdt + 36, aml_pch, sizeof(aml_pch));
	fix_checksum(dsdt, 36 + sizeof(aml_pch), 9);
	put32(fadt + 40, BASE + 0x1000);
	put32(fadt + 56, 0x600); /* PM1a_EVT_BLK */
	fix_checksum(fadt, 276, 9);
	struct acpi_power p;
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL);
	CHECK_EQ_U64(p.pm1a_status, 0x600);
	CHECK_EQ_U64(p.sleep_known, (1u << 3) | (1u << 4) | (1u << 5));
	CHECK(acpi_sleep_state(&p, false, 5) == 3 && acpi_sleep_state(&p, false, 7) == 5);
	/* X_DSDT wins over DSDT; a corrupt DSDT gives no states, power still found. */
	put64(fadt + 140, BASE + 0x2000);
	fix_checksum(fadt, 276, 9);
	CHECK(acpi_find_power(BASE, map, NULL, &p) == NULL && p.sleep_known == 0 && p.pm1a_control == 0x604);
}

int main(void)
{
	test_sleep_types();
	test_fadt_dsdt();
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
