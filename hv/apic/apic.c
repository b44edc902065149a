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
	uint64_t low = (uint64_t)vector | (uint64_t)delivery << 8 | APIC_ICR_LEVEL_ASSERT | (uint64_t)shorthand << 18;
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

uint32_t apic_x2apic_ldr(uint32_t x2apic_id) { return (x2apic_id >> 4) << 16 | 1u << (x2apic_id & 15); }

static bool logical_match(enum apic_mode mode, uint32_t dest, const struct apic_target *t)
{
	if (mode == APIC_MODE_X2APIC)
		return (dest >> 16) == (t->ldr >> 16) && (dest & t->ldr & 0xffff);
	uint8_t d = (uint8_t)dest, l = (uint8_t)(t->ldr >> 24);
	switch (t->dfr >> 28) {
	case 0xf: /* flat: one bit per processor */
		return d & l;
	case 0x0: /* cluster: cluster number in bits 7:4, members in 3:0 */
		return (d >> 4) == (l >> 4) && (d & l & 0xf);
	default:
		return false; /* a reserved model addresses nobody */
	}
}

bool apic_ipi_reaches(enum apic_mode mode, const struct apic_ipi *ipi, uint32_t sender_id,
		      const struct apic_target *t)
{
	switch (ipi->shorthand) {
	case APIC_DEST_SELF:
		return t->id == sender_id;
	case APIC_DEST_ALL_INCLUDING_SELF:
		return true;
	case APIC_DEST_ALL_EXCLUDING_SELF:
		return t->id != sender_id;
	default:
		break;
	}
	uint32_t broadcast = mode == APIC_MODE_X2APIC ? 0xffffffffu : 0xffu;
	if (ipi->destination == broadcast)
		return true;
	return ipi->logical ? logical_match(mode, ipi->destination, t) : ipi->destination == t->id;
}

bool apic_init_sipi_shorthand_valid(enum apic_shorthand shorthand)
{
	return shorthand == APIC_DEST_NO_SHORTHAND || shorthand == APIC_DEST_ALL_EXCLUDING_SELF;
}
