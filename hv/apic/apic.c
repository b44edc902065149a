/* Local APIC encodings (apic.h): pure, host-tested. */
#include "apic.h"

enum apic_mode apic_mode_of(uint64_t apic_base)
{
	bool en = apic_base & APIC_BASE_EN, extd = apic_base & APIC_BASE_EXTD;
	if (!en)
		return extd ? APIC_MODE_INVALID : APIC_MODE_DISABLED;
	return extd ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
}

const char *apic_mode_name(enum apic_mode mode)
{
	switch (mode) {
	case APIC_MODE_DISABLED:
		return "disabled";
	case APIC_MODE_XAPIC:
		return "xAPIC";
	case APIC_MODE_X2APIC:
		return "x2APIC";
	default:
		return "invalid (x2APIC without enable)";
	}
}

uint64_t apic_mmio_base(uint64_t apic_base, unsigned maxphyaddr)
{
	if (maxphyaddr < 12 || maxphyaddr > 52)
		maxphyaddr = 36;
	uint64_t mask = ((1ull << maxphyaddr) - 1) & ~0xfffull;
	return apic_base & mask;
}

uint32_t apic_id_from_register(enum apic_mode mode, uint32_t id_register)
{
	return mode == APIC_MODE_X2APIC ? id_register : id_register >> 24;
}

#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_LOGICAL (1u << 11)

bool apic_icr(enum apic_mode mode, uint32_t destination, enum apic_delivery delivery, uint8_t vector,
	      enum apic_shorthand shorthand, uint64_t *icr)
{
	if (mode != APIC_MODE_XAPIC && mode != APIC_MODE_X2APIC)
		return false;
	if (mode == APIC_MODE_XAPIC && shorthand == APIC_DEST_NO_SHORTHAND && destination > 0xff)
		return false;
	if (delivery == APIC_DELIVERY_FIXED && vector < 16)
		return false; /* vectors 0-15 are illegal for fixed IPIs (§11.5.2) */
	if (delivery == APIC_DELIVERY_NMI || delivery == APIC_DELIVERY_INIT)
		vector = 0;
	uint64_t low = (uint64_t)vector | (uint64_t)delivery << 8 | ICR_LEVEL_ASSERT | (uint64_t)shorthand << 18;
	uint64_t high = shorthand != APIC_DEST_NO_SHORTHAND ? 0
			: mode == APIC_MODE_X2APIC ? (uint64_t)destination << 32
						   : (uint64_t)destination << 56;
	*icr = high | low;
	return true;
}

struct apic_ipi apic_icr_decode(enum apic_mode mode, uint64_t icr)
{
	return (struct apic_ipi){
		.delivery = (enum apic_delivery)((icr >> 8) & 7),
		.shorthand = (enum apic_shorthand)((icr >> 18) & 3),
		.vector = (uint8_t)icr,
		.destination = mode == APIC_MODE_X2APIC ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56),
		.logical = icr & ICR_LOGICAL,
	};
}
