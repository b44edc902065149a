#include "vmx_caps.h"

#include <hv/arch_bits.h>
#include <stddef.h>

#define BIT(n) (1ull << (n))

/* Allowed-1 settings of a control are bits 63:32 of its capability MSR
 * (SDM Vol. 3D §A.3): the control may be 1. */
#define ALLOWED1(control) ((uint64_t)(control) << 32)

/* One-bit facts, grouped by the snapshot MSR they are read from and the
 * fact that must hold first (GATE) or NO_GATE: EPT and VPID bits mean
 * nothing when the control cannot be enabled, nor secondary controls
 * without "activate secondary controls". Decoded in this order, so a gate
 * comes before the facts it gates. VMX_BASIC SDM Vol. 3D §A.1, controls
 * §A.3, VMX_MISC §A.6, IA32_VMX_EPT_VPID_CAP §A.10. */
#define CAP_GROUP_MAX 9
struct cap_bit {
	size_t fact; /* offset of a bool in struct vmx_caps */
	uint64_t mask;
};
static const struct cap_group {
	size_t msr, gate; /* offsets in struct vmx_msr_snapshot, struct vmx_caps */
	struct cap_bit bits[CAP_GROUP_MAX]; /* up to the first mask 0 */
} cap_groups[] = {
#define MSR(name) offsetof(struct vmx_msr_snapshot, name)
#define GATE(fact) offsetof(struct vmx_caps, fact)
#define NO_GATE SIZE_MAX
/* A fact's offset; a fact that is not a bool does not compile. */
#define FACT(name, mask) \
	{ offsetof(struct vmx_caps, name) + 0 * sizeof(char[_Generic(((struct vmx_caps *)0)->name, bool: 1, default: -1)]), mask }
	{ MSR(basic), NO_GATE, { FACT(addr_width_32, BIT(48)), FACT(true_ctls, BIT(55)) } },
	{ MSR(procbased), NO_GATE,
	  { FACT(secondary_ctls, ALLOWED1(PROC_ACTIVATE_SECONDARY)),
	    FACT(interrupt_window, ALLOWED1(PROC_INTERRUPT_WINDOW_EXITING)), FACT(hlt_exiting, ALLOWED1(PROC_HLT_EXITING)),
	    FACT(mwait_exiting, ALLOWED1(PROC_MWAIT_EXITING)) } },
	{ MSR(pinbased), NO_GATE,
	  { FACT(preemption_timer, ALLOWED1(PIN_ACTIVATE_PREEMPTION_TIMER)), FACT(virtual_nmis, ALLOWED1(PIN_VIRTUAL_NMIS)) } },
	{ MSR(procbased), GATE(virtual_nmis), { FACT(nmi_window, ALLOWED1(PROC_NMI_WINDOW_EXITING)) } },
	{ MSR(misc), NO_GATE,
	  { FACT(activity_hlt, BIT(6)), FACT(activity_shutdown, BIT(7)), FACT(wait_for_sipi, BIT(8)),
	    FACT(pt_in_vmx, BIT(14)) } },
	{ MSR(procbased2), GATE(secondary_ctls),
	  { FACT(ept, ALLOWED1(SECONDARY_ENABLE_EPT)), FACT(vpid, ALLOWED1(SECONDARY_ENABLE_VPID)),
	    FACT(unrestricted_guest, ALLOWED1(SECONDARY_UNRESTRICTED_GUEST)) } },
	{ MSR(ept_vpid_cap), GATE(ept),
	  { FACT(ept_walk4, BIT(6)), FACT(ept_uc, BIT(8)), FACT(ept_wb, BIT(14)), FACT(ept_2mb, BIT(16)),
	    FACT(ept_1gb, BIT(17)), FACT(invept, BIT(20)), FACT(ept_ad, BIT(21)), FACT(invept_single, BIT(25)),
	    FACT(invept_all, BIT(26)) } },
	{ MSR(ept_vpid_cap), GATE(vpid),
	  { FACT(invvpid, BIT(32)), FACT(invvpid_addr, BIT(40)), FACT(invvpid_single, BIT(41)), FACT(invvpid_all, BIT(42)),
	    FACT(invvpid_single_globals, BIT(43)) } },
#undef FACT
#undef MSR
};

static bool *fact_at(struct vmx_caps *c, size_t offset) { return (bool *)((char *)c + offset); }

void vmx_caps_decode(const struct vmx_msr_snapshot *m, struct vmx_caps *c)
{
	*c = (struct vmx_caps){ 0 };
	c->revision_id = (uint32_t)(m->basic & 0x7fffffff);
	c->vmcs_size = (uint32_t)((m->basic >> 32) & 0x1fff);
	c->vmcs_memtype = (uint8_t)((m->basic >> 50) & 0xf);
	c->preemption_timer_shift = (uint8_t)(m->misc & 0x1f);
	for (size_t i = 0; i < sizeof(cap_groups) / sizeof(cap_groups[0]); i++) {
		const struct cap_group *g = &cap_groups[i];
		uint64_t msr = *(const uint64_t *)((const char *)m + g->msr);
		bool gate_holds = g->gate == NO_GATE || *fact_at(c, g->gate);
		for (const struct cap_bit *b = g->bits; b < g->bits + CAP_GROUP_MAX && b->mask; b++)
			*fact_at(c, b->fact) = gate_holds && (msr & b->mask);
	}
}

uint32_t vmx_adjust_controls(uint64_t cap_msr, uint32_t wanted, uint32_t *missing)
{
	uint32_t must_be_1 = (uint32_t)cap_msr;
	uint32_t may_be_1 = (uint32_t)(cap_msr >> 32);
	if (missing)
		*missing = wanted & ~may_be_1;
	return (wanted | must_be_1) & may_be_1;
}

uint64_t vmx_fix_cr0(const struct vmx_msr_snapshot *m, uint64_t cr0, bool unrestricted)
{
	uint64_t fixed0 = m->cr0_fixed0;
	if (unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (cr0 | fixed0) & m->cr0_fixed1;
}

uint64_t vmx_fix_cr4(const struct vmx_msr_snapshot *m, uint64_t cr4)
{
	return (cr4 | m->cr4_fixed0) & m->cr4_fixed1;
}

/* In the order a reader needs them: without TRUE MSRs or secondary
 * controls nothing else can be decoded. */
unsigned vmx_caps_missing(const struct vmx_caps *c, char *buf, unsigned cap)
{
	const struct {
		bool ok;
		const char *name;
	} needs[] = {
		{ c->true_ctls, "TRUE capability MSRs (VMX_BASIC bit 55)" },
		{ c->vmcs_memtype == 6, "write-back VMCS memory (VMX_BASIC bits 53:50)" },
		{ c->secondary_ctls, "secondary processor-based controls" },
		{ c->ept, "EPT" },
		{ !c->ept || (c->ept_walk4 && c->ept_wb), "4-level write-back EPT" },
		{ !c->ept || c->invept_all, "INVEPT all-context" },
		{ c->unrestricted_guest, "unrestricted guest" },
		{ c->vpid, "VPID" },
		{ !c->vpid || c->invvpid_all, "INVVPID all-context" },
		{ c->virtual_nmis, "virtual NMIs" },
	};
	unsigned missing = 0, used = 0;
	if (cap)
		buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (needs[i].ok)
			continue;
		const char *sep = missing++ ? ", " : "";
		for (const char *p = sep; *p && used + 1 < cap; p++)
			buf[used++] = *p;
		for (const char *p = needs[i].name; *p && used + 1 < cap; p++)
			buf[used++] = *p;
		if (cap)
			buf[used] = '\0';
	}
	return missing;
}
