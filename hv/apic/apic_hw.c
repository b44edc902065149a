/* The processor's own local APIC (apic.h): MSRs in x2APIC mode, the MMIO
 * page in xAPIC mode. Both are identity-mapped in the firmware's and the
 * host's page tables (uncacheable by the MTRRs). */
#include "apic.h"

#include <hv/cpu.h>

static uint64_t mmio_base(void)
{
	return apic_mmio_base(rdmsr(MSR_IA32_APIC_BASE), cpu_maxphyaddr());
}

static volatile uint32_t *mmio_reg(uint32_t reg) { return (volatile uint32_t *)(uintptr_t)(mmio_base() + reg); }

enum apic_mode apic_this_mode(void) { return apic_mode_of(rdmsr(MSR_IA32_APIC_BASE)); }

uint32_t apic_this_id(void)
{
	enum apic_mode mode = apic_this_mode();
	if (mode == APIC_MODE_X2APIC)
		return apic_id_from_register(mode, (uint32_t)rdmsr(X2APIC_MSR(APIC_REG_ID)));
	if (mode == APIC_MODE_XAPIC)
		return apic_id_from_register(mode, *mmio_reg(APIC_REG_ID));
	return cpuid(1).ebx >> 24; /* APIC off: the initial APIC ID */
}

bool apic_send(uint32_t destination, enum apic_delivery delivery, uint8_t vector, enum apic_shorthand shorthand)
{
	enum apic_mode mode = apic_this_mode();
	uint64_t icr;
	if (!apic_icr(mode, destination, delivery, vector, shorthand, &icr))
		return false;
	if (mode == APIC_MODE_X2APIC) {
		wrmsr(X2APIC_MSR(APIC_REG_ICR_LOW), icr); /* one 64-bit write sends (§11.12.9) */
		return true;
	}
	volatile uint32_t *low = mmio_reg(APIC_REG_ICR_LOW), *high = mmio_reg(APIC_REG_ICR_HIGH);
	*high = (uint32_t)(icr >> 32);
	*low = (uint32_t)icr; /* the write to the low half sends */
	for (unsigned spins = 0; (*low & ICR_DELIVERY_PENDING) && spins < 1000000; spins++)
		cpu_pause();
	return !(*low & ICR_DELIVERY_PENDING);
}

bool apic_send_nmi(uint32_t destination)
{
	return apic_send(destination, APIC_DELIVERY_NMI, 0, APIC_DEST_NO_SHORTHAND);
}

void apic_eoi(void)
{
	if (apic_this_mode() == APIC_MODE_X2APIC)
		wrmsr(X2APIC_MSR(APIC_REG_EOI), 0);
	else
		*mmio_reg(APIC_REG_EOI) = 0;
}
