/* hv/apic/apic.c: APIC mode from IA32_APIC_BASE, IDs, ICR encodings. */
#include "../../hv/apic/apic.h"
#include "unit.h"

int main(void)
{
	CHECK(apic_mode_of(0xfee00900) == APIC_MODE_XAPIC); /* Bochs BSP: EN + BSP */
	CHECK(apic_mode_of(0xfee00800) == APIC_MODE_XAPIC);
	CHECK(apic_mode_of(0xfee00d00) == APIC_MODE_X2APIC);
	CHECK(apic_mode_of(0xfee00100) == APIC_MODE_DISABLED);
	CHECK(apic_mode_of(0xfee00400) == APIC_MODE_INVALID);
	CHECK_STR(apic_mode_name(APIC_MODE_X2APIC), "x2APIC");
	CHECK_EQ_U64(apic_mmio_base(0xfee00900, 40), 0xfee00000);
	CHECK_EQ_U64(apic_mmio_base(0x123fee00900ull, 36), 0x3fee00000ull); /* bits above MAXPHYADDR dropped */
	CHECK_EQ_U64(apic_id_from_register(APIC_MODE_XAPIC, 0x03000000), 3);
	CHECK_EQ_U64(apic_id_from_register(APIC_MODE_X2APIC, 0x1234), 0x1234);

	uint64_t icr = 0;
	/* INIT to APIC ID 1 (xAPIC): ICR high 0x01000000, low 0x4500 (SDM Vol. 3A §11.6.1). */
	CHECK(apic_icr(APIC_MODE_XAPIC, 1, APIC_DELIVERY_INIT, 0x99, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK_EQ_U64(icr, 0x0100000000004500ull);
	/* SIPI with vector 0x87: low 0x4687. */
	CHECK(apic_icr(APIC_MODE_XAPIC, 1, APIC_DELIVERY_STARTUP, 0x87, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK_EQ_U64(icr, 0x0100000000004687ull);
	/* NMI to x2APIC ID 0x105: destination in bits 63:32. */
	CHECK(apic_icr(APIC_MODE_X2APIC, 0x105, APIC_DELIVERY_NMI, 7, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK_EQ_U64(icr, 0x0000010500004400ull);
	/* INIT to all excluding self: shorthand bits 19:18 = 3, no destination. */
	CHECK(apic_icr(APIC_MODE_XAPIC, 0xff, APIC_DELIVERY_INIT, 0, APIC_DEST_ALL_EXCLUDING_SELF, &icr));
	CHECK_EQ_U64(icr, 0x00000000000c4500ull);
	/* Refused: an 8-bit xAPIC cannot address ID 256, fixed vector < 16, APIC off. */
	icr = 42;
	CHECK(!apic_icr(APIC_MODE_XAPIC, 256, APIC_DELIVERY_FIXED, 0x40, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK(!apic_icr(APIC_MODE_X2APIC, 1, APIC_DELIVERY_FIXED, 15, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK(!apic_icr(APIC_MODE_DISABLED, 1, APIC_DELIVERY_NMI, 0, APIC_DEST_NO_SHORTHAND, &icr));
	CHECK_EQ_U64(icr, 42);

	struct apic_ipi ipi = apic_icr_decode(APIC_MODE_XAPIC, 0x0200000000004687ull);
	CHECK(ipi.delivery == APIC_DELIVERY_STARTUP && ipi.vector == 0x87 && ipi.destination == 2);
	CHECK(ipi.shorthand == APIC_DEST_NO_SHORTHAND && !ipi.logical);
	ipi = apic_icr_decode(APIC_MODE_X2APIC, 0x0000000700000830ull | (3u << 18));
	CHECK(ipi.delivery == APIC_DELIVERY_FIXED && ipi.vector == 0x30 && ipi.destination == 7 && ipi.logical);
	CHECK(ipi.shorthand == APIC_DEST_ALL_EXCLUDING_SELF);
	return unit_finish("test_apic");
}
