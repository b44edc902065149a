#include "cr_rules.h"

#include <hv/arch_bits.h>

#define SEG_AR_L (1u << 13)

uint64_t guest_cr0_view(const struct guest_cr *g) { return (g->cr0 & ~g->cr0_mask) | (g->cr0_shadow & g->cr0_mask); }

bool cr0_write(struct guest_cr *g, const struct vmx_msr_snapshot *m, bool unrestricted, uint64_t value,
	       unsigned *effects)
{
	uint64_t old = guest_cr0_view(g);
	*effects = 0;
	/* Bits 63:32 set, PG without PE, NW without CD: #GP. */
	if ((value >> 32) || ((value & CR0_PG) && !(value & CR0_PE)) || ((value & CR0_NW) && !(value & CR0_CD)))
		return false;
	/* Clearing WP with CR4.CET=1 is #GP. */
	if (!(value & CR0_WP) && (g->cr4 & CR4_CET))
		return false;
	uint64_t efer = g->efer;
	uint32_t entry = g->entry_controls;
	if (((value ^ old) & CR0_PG) && (efer & EFER_LME)) {
		/* Paging on/off with EFER.LME set enters/leaves IA-32e mode
		 * (SDM Vol. 3A §10.8.5): LMA and the entry control follow. */
		if (value & CR0_PG) {
			if (!(g->cr4_shadow & CR4_PAE))
				return false;
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E_MODE_GUEST;
		} else {
			/* IA-32e mode is left from compatibility mode only:
			 * clearing PG in 64-bit mode (CS.L=1) is #GP (SDM Vol.
			 * 3A §10.8.5.4). Found by the fuzzing test. */
			if ((entry & ENTRY_IA32E_MODE_GUEST) && (g->cs_access_rights & SEG_AR_L))
				return false;
			efer &= ~EFER_LMA;
			entry &= ~ENTRY_IA32E_MODE_GUEST;
		}
	}
	g->efer = efer;
	g->entry_controls = entry;
	g->cr0_shadow = value;
	g->cr0 = vmx_fix_cr0(m, value, unrestricted);
	/* VM entry does not load CR0.CD and CR0.NW (SDM Vol. 3C §27.3.2.1):
	 * the caller sets them in the processor's CR0. Found by the fuzzing
	 * test. */
	if ((value ^ old) & (CR0_CD | CR0_NW))
		*effects |= CR_CACHE_MODE;
	if ((value ^ old) & (CR0_PG | CR0_CD | CR0_NW))
		*effects |= CR_FLUSH_TLB;
	return true;
}

bool cr4_write(struct guest_cr *g, const struct vmx_msr_snapshot *m, uint64_t reserved, uint64_t value,
	       unsigned *effects)
{
	uint64_t old = g->cr4_shadow;
	*effects = 0;
	uint64_t supported = m->cr4_fixed1 & ~reserved;
	bool ia32e = g->entry_controls & ENTRY_IA32E_MODE_GUEST;
	/* Unsupported bits; PAE cleared in IA-32e mode; PCIDE set with
	 * CR3[11:0] nonzero or outside IA-32e mode: #GP. */
	if ((value & ~supported) || (ia32e && !(value & CR4_PAE)) ||
	    ((value & CR4_PCIDE) && !(old & CR4_PCIDE) && ((g->cr3 & 0xfff) || !ia32e)))
		return false;
	g->cr4_shadow = value;
	g->cr4 = vmx_fix_cr4(m, value);
	if ((value ^ old) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP))
		*effects |= CR_FLUSH_TLB;
	return true;
}
