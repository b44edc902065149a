/* hv/apic/apic.c: which processors an IPI reaches (the INIT/SIPI relay's
 * destination decoding, hv/exits/init_sipi.c) and which INIT/SIPI
 * shorthands are valid. */
#include "../../hv/apic/apic.h"
#include "unit.h"

static bool reaches(enum apic_mode mode, uint64_t icr, uint32_t sender, uint32_t id, uint32_t ldr, uint32_t dfr)
{
	struct apic_ipi ipi = apic_icr_decode(mode, icr);
	struct apic_target t = { id, ldr, dfr };
	return apic_ipi_reaches(mode, &ipi, sender, &t);
}

int main(void)
{
	/* Physical, xAPIC: INIT to ID 2 reaches 2 only; 0xff is everyone. */
	CHECK(reaches(APIC_MODE_XAPIC, 0x0200000000004500ull, 0, 2, 0, ~0u));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x0200000000004500ull, 0, 1, 0, ~0u));
	CHECK(reaches(APIC_MODE_XAPIC, 0xff00000000004500ull, 0, 7, 0, ~0u));
	/* Physical, x2APIC: 32-bit destination; 0xff is an ID, not a broadcast. */
	CHECK(reaches(APIC_MODE_X2APIC, 0x0000010500004500ull, 0, 0x105, 0, 0));
	CHECK(!reaches(APIC_MODE_X2APIC, 0x0000000500004500ull, 0, 0x105, 0, 0));
	CHECK(!reaches(APIC_MODE_X2APIC, 0x000000ff00004500ull, 0, 3, 0, 0));
	CHECK(reaches(APIC_MODE_X2APIC, 0xffffffff00004500ull, 0, 3, 0, 0));
	/* Logical flat (DFR 0xffffffff): destination 0x06 reaches LDR bits 1 and 2. */
	CHECK(reaches(APIC_MODE_XAPIC, 0x0600000000004d00ull, 0, 1, 0x02000000, ~0u));
	CHECK(reaches(APIC_MODE_XAPIC, 0x0600000000004d00ull, 0, 2, 0x04000000, ~0u));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x0600000000004d00ull, 0, 3, 0x08000000, ~0u));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x0600000000004d00ull, 0, 3, 0, ~0u)); /* LDR after INIT */
	/* Logical cluster (DFR 0x0fffffff): 0x12 is cluster 1, member bit 1. */
	CHECK(reaches(APIC_MODE_XAPIC, 0x1200000000004d00ull, 0, 3, 0x12000000, 0x0fffffffu));
	CHECK(reaches(APIC_MODE_XAPIC, 0x1300000000004d00ull, 0, 3, 0x12000000, 0x0fffffffu));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x2200000000004d00ull, 0, 3, 0x12000000, 0x0fffffffu));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x1100000000004d00ull, 0, 3, 0x12000000, 0x0fffffffu));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x1200000000004d00ull, 0, 3, 0x12000000, 0x7fffffffu)); /* reserved model */
	/* x2APIC logical: ID 0x13 is cluster 1, bit 3 (§11.12.10.2). */
	CHECK_EQ_U64(apic_x2apic_ldr(0x13), 0x00010008);
	CHECK_EQ_U64(apic_x2apic_ldr(2), 0x00000004);
	CHECK(reaches(APIC_MODE_X2APIC, 0x0001000c00004d00ull, 0, 0x13, apic_x2apic_ldr(0x13), 0));
	CHECK(!reaches(APIC_MODE_X2APIC, 0x0000000800004d00ull, 0, 0x13, apic_x2apic_ldr(0x13), 0));
	CHECK(!reaches(APIC_MODE_X2APIC, 0x0001000400004d00ull, 0, 0x13, apic_x2apic_ldr(0x13), 0));
	/* Shorthands ignore the destination: self, all including self, all excluding self. */
	CHECK(reaches(APIC_MODE_XAPIC, 0x0300000000044500ull, 1, 1, 0, ~0u));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x0300000000044500ull, 1, 3, 0, ~0u));
	CHECK(reaches(APIC_MODE_XAPIC, 0x00000000000c4500ull, 0, 3, 0, ~0u));
	CHECK(reaches(APIC_MODE_X2APIC, 0x00000000000c4500ull, 0, 3, 0, 0));
	CHECK(!reaches(APIC_MODE_XAPIC, 0x00000000000c4500ull, 3, 3, 0, ~0u));
	CHECK(reaches(APIC_MODE_XAPIC, 0x0000000000084500ull, 3, 3, 0, ~0u));
	CHECK(reaches(APIC_MODE_XAPIC, 0x0000000000084500ull, 3, 0, 0, ~0u));
	/* INIT/SIPI: no shorthand and all-excluding-self only. */
	CHECK(apic_init_sipi_shorthand_valid(APIC_DEST_NO_SHORTHAND));
	CHECK(apic_init_sipi_shorthand_valid(APIC_DEST_ALL_EXCLUDING_SELF));
	CHECK(!apic_init_sipi_shorthand_valid(APIC_DEST_SELF));
	CHECK(!apic_init_sipi_shorthand_valid(APIC_DEST_ALL_INCLUDING_SELF));
	return unit_finish("test_apic_dest");
}
