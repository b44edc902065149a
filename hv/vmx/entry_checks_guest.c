/* VM-entry checks on the guest-state area (SDM Vol. 3C §27.3.1, Dec 2022
 * ed.; see entry_checks.h). Each check quotes or paraphrases the SDM rule
 * it implements; the order follows the SDM's so the first failure named is
 * the first rule broken in reading order. */
#include "entry_checks.h"

#include <hv/arch_bits.h>

#define BIT(n) (1ull << (n))

enum seg { ES, CS, SS, DS, FS, GS, LDTR, TR, NSEG };
_Static_assert(NSEG == VMCS_GUEST_SEGMENT_COUNT, "vmcs_guest_segments order: ES CS SS DS FS GS LDTR TR");

static const char *const seg_name[NSEG] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };


/* Access-rights format (SDM Vol. 3C §25.4.1, Table 25-2): 3:0 type, 4 S,
 * 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable; 11:8 and 31:17
 * reserved. */
#define AR_TYPE(ar) ((ar) & 0xfu)
#define AR_S        (1u << 4)
#define AR_DPL(ar)  (((ar) >> 5) & 3u)
#define AR_P        (1u << 7)
#define AR_L        (1u << 13)
#define AR_DB       (1u << 14)
#define AR_G        (1u << 15)
#define AR_UNUSABLE (1u << 16)




struct guest {
	uint16_t sel[NSEG];
	uint64_t base[NSEG];
	uint32_t limit[NSEG], ar[NSEG];
	uint64_t cr0, cr4, rflags;
	bool ia32e, unrestricted, vm86;
	uint32_t intr_info; /* 0 unless the valid bit is set */
};

static bool usable(const struct guest *g, enum seg s) { return !(g->ar[s] & AR_UNUSABLE); }

/* SDM Vol. 3C §27.3.1.1: control registers, debug registers, MSRs. */
static bool check_regs(struct entry_check_ctx *c, const struct guest *g)
{
	const struct vmx_msr_snapshot *m = c->msrs;
	/* "If bit 7 ('unrestricted guest') ... is 1, bits 0 and 31 [of CR0]
	 * are not checked" against FIXED0: the guest may run unpaged or in
	 * real mode. */
	uint64_t fixed0 = m->cr0_fixed0;
	if (g->unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	if (!entry_check_fixed(c, "guest CR0", g->cr0, fixed0, m->cr0_fixed1))
		return false;
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return entry_check_fail(c, "guest CR0.PG=1 requires CR0.PE=1");
	if (!entry_check_fixed(c, "guest CR4", g->cr4, m->cr4_fixed0, m->cr4_fixed1))
		return false;
	if ((g->cr4 & CR4_CET) && !(g->cr0 & CR0_WP))
		return entry_check_fail(c, "guest CR4.CET=1 requires CR0.WP=1");
	if (c->entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		/* "bits reserved in the IA32_DEBUGCTL MSR must be 0": 5:2 and
		 * 63:16 on every processor with VMX. */
		uint64_t dbg = ec_get(c, VMCS_GUEST_IA32_DEBUGCTL);
		if (dbg & (0x3cull | ~0xffffull))
			return entry_check_fail(c, "guest DEBUGCTL 0x%llx sets reserved bits", (unsigned long long)dbg);
	}
	/* "If 'IA-32e mode guest' is 1, bit 31 in the CR0 field (PG) and bit 5
	 * in the CR4 field (PAE) must each be 1": long mode needs paging. */
	if (g->ia32e && !(g->cr0 & CR0_PG))
		return entry_check_fail(c, "IA-32e mode guest requires guest CR0.PG=1");
	if (g->ia32e && !(g->cr4 & CR4_PAE))
		return entry_check_fail(c, "IA-32e mode guest requires guest CR4.PAE=1");
	if (!g->ia32e && (g->cr4 & CR4_PCIDE))
		return entry_check_fail(c, "guest CR4.PCIDE=1 requires IA-32e mode guest");
	uint64_t cr3 = ec_get(c, VMCS_GUEST_CR3);
	if (!ec_phys_ok(c, cr3))
		return entry_check_fail(c, "guest CR3 0x%llx is beyond the %u-bit physical-address width",
					(unsigned long long)cr3, c->maxphyaddr);
	uint64_t dr7 = ec_get(c, VMCS_GUEST_DR7);
	if ((c->entry & ENTRY_LOAD_DEBUG_CONTROLS) && (dr7 >> 32))
		return entry_check_fail(c, "guest DR7 0x%llx sets bits 63:32", (unsigned long long)dr7);
	if (!entry_check_msr_fields(c, EC_GUEST, c->entry & ENTRY_LOAD_PAT, c->entry & ENTRY_LOAD_EFER))
		return false;
	if (c->entry & ENTRY_LOAD_EFER) {
		/* "Bit 10 (LMA) must equal the 'IA-32e mode guest' VM-entry
		 * control. It must also be identical to bit 8 (LME) if bit 31 in
		 * the CR0 field (PG) is 1." */
		uint64_t efer = ec_get(c, VMCS_GUEST_IA32_EFER);
		unsigned lma = !!(efer & EFER_LMA), lme = !!(efer & EFER_LME);
		if (lma != g->ia32e)
			return entry_check_fail(c, "guest EFER.LMA=%u does not match IA-32e mode guest=%u", lma,
						(unsigned)g->ia32e);
		if ((g->cr0 & CR0_PG) && lme != lma)
			return entry_check_fail(c, "guest EFER.LME=%u differs from EFER.LMA=%u with CR0.PG=1", lme,
						lma);
	}
	return true;
}

/* Limit and G agree: "If any bit in the limit field in the range 11:0 is 0,
 * G must be 0. If any bit in the limit field in the range 31:20 is 1, G
 * must be 1." */
static bool check_granularity(struct entry_check_ctx *c, const struct guest *g, enum seg s)
{
	if ((g->ar[s] & AR_G) && (g->limit[s] & 0xfff) != 0xfff)
		return entry_check_fail(c, "guest %s limit 0x%x with G=1 must have bits 11:0 all 1", seg_name[s],
					g->limit[s]);
	if (!(g->ar[s] & AR_G) && (g->limit[s] & 0xfff00000u))
		return entry_check_fail(c, "guest %s limit 0x%x above 0xfffff requires G=1", seg_name[s], g->limit[s]);
	return true;
}

/* The checks every present descriptor shares: P, reserved bits, G. */
static bool check_present_reserved_g(struct entry_check_ctx *c, const struct guest *g, enum seg s)
{
	uint32_t ar = g->ar[s];
	if (!(ar & AR_P))
		return entry_check_fail(c, "guest %s access rights 0x%x: P=0 (not present)", seg_name[s], ar);
	if (ar & 0xf00u)
		return entry_check_fail(c, "guest %s access rights 0x%x set reserved bits 11:8", seg_name[s], ar);
	if (!check_granularity(c, g, s))
		return false;
	if (ar & 0xfffe0000u)
		return entry_check_fail(c, "guest %s access rights 0x%x set reserved bits 31:17", seg_name[s], ar);
	return true;
}

/* Virtual-8086 mode (RFLAGS.VM=1): "the base address ... must be the
 * segment selector shifted left 4 bits", "the limit ... must be 0000FFFFH",
 * "the access-rights field must be 000000F3H" for CS, SS, DS, ES, FS, GS. */
static bool check_vm86_segments(struct entry_check_ctx *c, const struct guest *g)
{
	for (enum seg s = ES; s <= GS; s++) {
		if (g->base[s] != (uint64_t)g->sel[s] << 4)
			return entry_check_fail(c, "guest %s base 0x%llx is not selector 0x%x << 4 in virtual-8086 "
						   "mode", seg_name[s], (unsigned long long)g->base[s], g->sel[s]);
		if (g->limit[s] != 0xffff)
			return entry_check_fail(c, "guest %s limit 0x%x is not 0xffff in virtual-8086 mode",
						seg_name[s], g->limit[s]);
		if (g->ar[s] != 0xf3)
			return entry_check_fail(c, "guest %s access rights 0x%x are not 0xf3 in virtual-8086 mode",
						seg_name[s], g->ar[s]);
	}
	return true;
}

/* Protected, long and unrestricted real mode: CS, SS, DS, ES, FS, GS
 * access rights (§27.3.1.2, "Access-rights fields"). */
static bool check_code_data_segments(struct entry_check_ctx *c, const struct guest *g)
{
	unsigned cs_type = AR_TYPE(g->ar[CS]), ss_dpl = AR_DPL(g->ar[SS]);
	/* CS: "Must be 9, 11, 13, or 15 (accessed code segment)", or 3
	 * (read/write accessed data) with "unrestricted guest", the state
	 * real mode leaves behind. */
	if (!((cs_type & 9) == 9 || (cs_type == 3 && g->unrestricted)))
		return entry_check_fail(c, "guest CS type %u is not an accessed code segment%s", cs_type,
					g->unrestricted ? " or 3" : "");
	/* SS, if usable: "Must be 3 or 7 (read/write, accessed data)". */
	if (usable(g, SS) && AR_TYPE(g->ar[SS]) != 3 && AR_TYPE(g->ar[SS]) != 7)
		return entry_check_fail(c, "guest SS type %u is not read/write accessed data", AR_TYPE(g->ar[SS]));
	/* DS, ES, FS, GS, if usable: "Bit 0 of the Type must be 1 (accessed).
	 * If bit 3 of the Type is 1 (code segment), then bit 1 of the Type
	 * must be 1 (readable)." */
	static const enum seg data[] = { DS, ES, FS, GS };
	for (size_t i = 0; i < 4; i++) {
		enum seg s = data[i];
		unsigned t = AR_TYPE(g->ar[s]);
		if (!usable(g, s))
			continue;
		if (!(t & 1))
			return entry_check_fail(c, "guest %s type %u is not accessed", seg_name[s], t);
		if ((t & 8) && !(t & 2))
			return entry_check_fail(c, "guest %s type %u is execute-only code", seg_name[s], t);
	}
	/* S: "If the register is CS or if the register is usable, S must be 1." */
	for (enum seg s = ES; s <= GS; s++)
		if ((s == CS || usable(g, s)) && !(g->ar[s] & AR_S))
			return entry_check_fail(c, "guest %s access rights 0x%x: S=0 (system descriptor)", seg_name[s],
						g->ar[s]);
	/* DPL of CS: 0 for type 3; "equal [to] the DPL of SS" when
	 * non-conforming (9, 11); "not greater than the DPL of SS" when
	 * conforming (13, 15). */
	unsigned cs_dpl = AR_DPL(g->ar[CS]);
	if (cs_type == 3 && cs_dpl != 0)
		return entry_check_fail(c, "guest CS type 3 requires CS.DPL=0 (is %u)", cs_dpl);
	if ((cs_type == 9 || cs_type == 11) && cs_dpl != ss_dpl)
		return entry_check_fail(c, "guest CS.DPL=%u differs from SS.DPL=%u (non-conforming code)", cs_dpl,
					ss_dpl);
	if ((cs_type == 13 || cs_type == 15) && cs_dpl > ss_dpl)
		return entry_check_fail(c, "guest CS.DPL=%u exceeds SS.DPL=%u (conforming code)", cs_dpl, ss_dpl);
	/* DPL of SS: equal to its RPL without "unrestricted guest"; "must be 0
	 * ... if the Type in the access-rights field for CS is 3 or if bit 0
	 * in the CR0 field (corresponding to CR0.PE) is 0". */
	if (!g->unrestricted && ss_dpl != (g->sel[SS] & 3u))
		return entry_check_fail(c, "guest SS.DPL=%u differs from SS.RPL=%u", ss_dpl, g->sel[SS] & 3u);
	if ((cs_type == 3 || !(g->cr0 & CR0_PE)) && ss_dpl != 0)
		return entry_check_fail(c, "guest SS.DPL=%u must be 0 with CS type 3 or CR0.PE=0", ss_dpl);
	/* DS, ES, FS, GS: data or non-conforming code (types 0-11) needs DPL
	 * >= RPL, unless "unrestricted guest". */
	for (size_t i = 0; i < 4 && !g->unrestricted; i++) {
		enum seg s = data[i];
		unsigned dpl = AR_DPL(g->ar[s]), rpl = g->sel[s] & 3u;
		if (usable(g, s) && AR_TYPE(g->ar[s]) <= 11 && dpl < rpl)
			return entry_check_fail(c, "guest %s.DPL=%u is below %s.RPL=%u", seg_name[s], dpl, seg_name[s],
						rpl);
	}
	for (enum seg s = ES; s <= GS; s++)
		if ((s == CS || usable(g, s)) && !check_present_reserved_g(c, g, s))
			return false;
	/* "If the guest will be in IA-32e mode and the L bit (bit 13) in the
	 * access-rights field is 1, the D bit (bit 14) must be 0." */
	if (g->ia32e && (g->ar[CS] & AR_L) && (g->ar[CS] & AR_DB))
		return entry_check_fail(c, "guest CS.L=1 and CS.D=1 with IA-32e mode guest");
	return true;
}

/* TR and LDTR access rights (§27.3.1.2). */
static bool check_system_segments(struct entry_check_ctx *c, const struct guest *g)
{
	unsigned t = AR_TYPE(g->ar[TR]);
	/* TR: a busy TSS, "11 (busy 64-bit TSS)" in IA-32e mode, else 3 (busy
	 * 16-bit TSS) or 11 (busy 32-bit TSS); a task switch needs one. */
	if (g->ia32e && t != 11)
		return entry_check_fail(c, "guest TR type %u is not a busy 64-bit TSS (11) with IA-32e mode guest", t);
	if (!g->ia32e && t != 3 && t != 11)
		return entry_check_fail(c, "guest TR type %u is not a busy TSS (3 or 11)", t);
	if (g->ar[TR] & AR_S)
		return entry_check_fail(c, "guest TR access rights 0x%x: S=1 (must be a system descriptor)", g->ar[TR]);
	if (g->ar[TR] & AR_UNUSABLE) /* "Bit 16 (Unusable) must be 0." */
		return entry_check_fail(c, "guest TR is marked unusable");
	if (!check_present_reserved_g(c, g, TR))
		return false;
	if (!usable(g, LDTR))
		return true;
	if (AR_TYPE(g->ar[LDTR]) != 2)
		return entry_check_fail(c, "guest LDTR type %u is not an LDT (2)", AR_TYPE(g->ar[LDTR]));
	if (g->ar[LDTR] & AR_S)
		return entry_check_fail(c, "guest LDTR access rights 0x%x: S=1 (must be a system descriptor)",
					g->ar[LDTR]);
	return check_present_reserved_g(c, g, LDTR);
}

/* SDM Vol. 3C §27.3.1.2: segment registers. */
static bool check_segments(struct entry_check_ctx *c, const struct guest *g)
{
	/* Selectors: "TR. The TI flag (bit 2) must be 0"; "LDTR. If LDTR is
	 * usable, the TI flag (bit 2) must be 0"; "SS. If the guest will not
	 * be in virtual-8086 mode and the 'unrestricted guest' ... is 0, the
	 * RPL (bits 1:0) must equal the RPL of the selector field for CS". */
	if (g->sel[TR] & 4)
		return entry_check_fail(c, "guest TR selector 0x%x has TI=1", g->sel[TR]);
	if (usable(g, LDTR) && (g->sel[LDTR] & 4))
		return entry_check_fail(c, "guest LDTR selector 0x%x has TI=1", g->sel[LDTR]);
	if (!g->vm86 && !g->unrestricted && (g->sel[SS] & 3) != (g->sel[CS] & 3))
		return entry_check_fail(c, "guest SS.RPL=%u differs from CS.RPL=%u", g->sel[SS] & 3u, g->sel[CS] & 3u);
	if (g->vm86 && !check_vm86_segments(c, g))
		return false;
	/* Bases: "TR, FS, and GS must be canonical", LDTR too if usable; "CS
	 * [and, if usable, SS, DS, ES]: bits 63:32 ... must be 0". */
	static const enum seg canon[] = { TR, FS, GS, LDTR }, low[] = { CS, SS, DS, ES };
	for (size_t i = 0; i < 4; i++) {
		enum seg s = canon[i];
		if ((s != LDTR || usable(g, s)) && !ec_canonical(g->base[s]))
			return entry_check_fail(c, "guest %s base 0x%llx is not canonical", seg_name[s],
						(unsigned long long)g->base[s]);
		s = low[i];
		if ((s == CS || usable(g, s)) && (g->base[s] >> 32))
			return entry_check_fail(c, "guest %s base 0x%llx sets bits 63:32", seg_name[s],
						(unsigned long long)g->base[s]);
	}
	if (!g->vm86 && !check_code_data_segments(c, g))
		return false;
	return check_system_segments(c, g);
}

/* SDM Vol. 3C §27.3.1.3: "The base-address fields for GDTR and IDTR must
 * contain canonical addresses"; "bits 31:16 of each limit field must be 0". */
static bool check_dtrs(struct entry_check_ctx *c)
{
	static const struct {
		enum vmcs_field base, limit;
		const char *name;
	} dt[] = { { VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, "GDTR" },
		   { VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT, "IDTR" } };
	for (size_t i = 0; i < 2; i++) {
		uint64_t b = ec_get(c, dt[i].base);
		uint32_t l = ec_get32(c, dt[i].limit);
		if (!ec_canonical(b))
			return entry_check_fail(c, "guest %s base 0x%llx is not canonical", dt[i].name,
						(unsigned long long)b);
		if (l > 0xffff)
			return entry_check_fail(c, "guest %s limit 0x%x exceeds 0xffff", dt[i].name, l);
	}
	return true;
}

/* SDM Vol. 3C §27.3.1.4: RIP and RFLAGS. */
static bool check_rip_rflags(struct entry_check_ctx *c, const struct guest *g)
{
	uint64_t rip = ec_get(c, VMCS_GUEST_RIP), fl = g->rflags;
	bool mode64 = g->ia32e && (g->ar[CS] & AR_L);
	/* "Bits 63:32 must be 0 if the 'IA-32e mode guest' ... is 0 or if the
	 * L bit ... for CS is 0"; in 64-bit mode RIP must be canonical. */
	if (!mode64 && (rip >> 32))
		return entry_check_fail(c, "guest RIP 0x%llx sets bits 63:32 outside 64-bit mode",
					(unsigned long long)rip);
	if (mode64 && !ec_canonical(rip))
		return entry_check_fail(c, "guest RIP 0x%llx is not canonical", (unsigned long long)rip);
	/* "Reserved bits 63:22, bit 15, bit 5 and bit 3 must be 0 ... Bit 1
	 * must be 1." */
	if (fl & (~0x3fffffull | BIT(15) | BIT(5) | BIT(3)))
		return entry_check_fail(c, "guest RFLAGS 0x%llx sets reserved bits (63:22, 15, 5 or 3)",
					(unsigned long long)fl);
	if (!(fl & BIT(1)))
		return entry_check_fail(c, "guest RFLAGS 0x%llx clears bit 1, which must be 1", (unsigned long long)fl);
	/* "The VM flag (bit 17) must be 0 either if the 'IA-32e mode guest'
	 * ... is 1 or if bit 0 in the CR0 field (PE) is 0." */
	if ((fl & RFLAGS_VM) && g->ia32e)
		return entry_check_fail(c, "guest RFLAGS.VM=1 with IA-32e mode guest");
	if ((fl & RFLAGS_VM) && !(g->cr0 & CR0_PE))
		return entry_check_fail(c, "guest RFLAGS.VM=1 with CR0.PE=0");
	/* "The IF flag (RFLAGS[bit 9]) must be 1 if ... [the injected event]
	 * has value 0 (indicating external interrupt)." */
	if ((g->intr_info & INTR_INFO_VALID) && INTR_INFO_TYPE(g->intr_info) == INTR_TYPE_EXTERNAL && !(fl & RFLAGS_IF))
		return entry_check_fail(c, "injecting an external interrupt requires guest RFLAGS.IF=1");
	return true;
}

/* Events an activity state accepts by injection (§27.3.1.5): HLT takes
 * external interrupts, NMIs, #DB, #MC and a pending MTF VM exit; shutdown
 * only NMIs and #MC; wait-for-SIPI nothing. */
static bool injection_fits_activity(uint32_t act, uint32_t info)
{
	unsigned type = INTR_INFO_TYPE(info), vec = INTR_INFO_VECTOR(info);
	if (!(info & INTR_INFO_VALID) || act == ACTIVITY_ACTIVE)
		return true;
	if (act == ACTIVITY_HLT)
		return type == INTR_TYPE_EXTERNAL || type == INTR_TYPE_NMI ||
		       (type == INTR_TYPE_HARDWARE_EXCEPTION && (vec == 1 || vec == 18)) || (type == INTR_TYPE_OTHER && vec == 0);
	if (act == ACTIVITY_SHUTDOWN)
		return type == INTR_TYPE_NMI || (type == INTR_TYPE_HARDWARE_EXCEPTION && vec == 18);
	return false;
}

/* SDM Vol. 3C §27.3.1.5: activity and interruptibility state. */
static bool check_activity_interruptibility(struct entry_check_ctx *c, const struct guest *g)
{
	static const char *const act_name[] = { "active", "HLT", "shutdown", "wait-for-SIPI" };
	uint32_t act = ec_get32(c, VMCS_GUEST_ACTIVITY_STATE), is = ec_get32(c, VMCS_GUEST_INTERRUPTIBILITY_STATE);
	uint32_t info = g->intr_info;
	unsigned type = INTR_INFO_TYPE(info);
	/* "The activity-state field must contain a value in the range 0-3,
	 * indicating an activity state supported by the implementation":
	 * VMX_MISC bits 6, 7, 8 for HLT, shutdown, wait-for-SIPI. */
	if (act > 3)
		return entry_check_fail(c, "guest activity state %u is not 0-3", act);
	if (act && !(c->msrs->misc & BIT(5 + act)))
		return entry_check_fail(c, "guest activity state %u (%s) is not supported (VMX_MISC 0x%llx)", act,
					act_name[act], (unsigned long long)c->msrs->misc);
	if (act == ACTIVITY_HLT && AR_DPL(g->ar[SS]) != 0)
		return entry_check_fail(c, "guest activity state HLT requires SS.DPL=0 (is %u)", AR_DPL(g->ar[SS]));
	if (act && (is & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		return entry_check_fail(c, "guest activity state %s with blocking by STI or MOV-SS (must be active)",
					act_name[act]);
	if (!injection_fits_activity(act, info))
		return entry_check_fail(c, "guest activity state %s cannot take injected event type %u vector %u",
					act_name[act], type, INTR_INFO_VECTOR(info));
	/* Interruptibility: "Reserved bits 31:5 must be 0"; "bits 0 and 1
	 * cannot both be 1"; "bit 0 (blocking by STI) must be 0 if the IF
	 * flag ... is 0". */
	if (is & ~0x1fu)
		return entry_check_fail(c, "guest interruptibility state 0x%x sets reserved bits 31:5", is);
	if ((is & INTERRUPTIBILITY_STI) && (is & INTERRUPTIBILITY_MOV_SS))
		return entry_check_fail(c, "guest interruptibility state 0x%x sets blocking by both STI and MOV-SS",
					is);
	if ((is & INTERRUPTIBILITY_STI) && !(g->rflags & RFLAGS_IF))
		return entry_check_fail(c, "guest interruptibility state 0x%x blocks by STI with RFLAGS.IF=0", is);
	bool inj = info & INTR_INFO_VALID;
	if (inj && type == INTR_TYPE_EXTERNAL && (is & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		return entry_check_fail(c, "guest interruptibility state 0x%x blocks the injected external interrupt",
					is);
	if (inj && type == INTR_TYPE_NMI && (is & INTERRUPTIBILITY_MOV_SS))
		return entry_check_fail(c, "guest interruptibility state 0x%x blocks the injected NMI by MOV-SS", is);
	/* "Bit 2 (blocking by SMI) must be 0 if the processor is not in SMM";
	 * the hypervisor never is. */
	if (is & INTERRUPTIBILITY_SMI)
		return entry_check_fail(c, "guest interruptibility state 0x%x blocks by SMI outside SMM", is);
	if ((c->pin & PIN_VIRTUAL_NMIS) && inj && type == INTR_TYPE_NMI && (is & INTERRUPTIBILITY_NMI))
		return entry_check_fail(c, "guest interruptibility state 0x%x blocks the injected virtual NMI", is);
	if ((is & INTERRUPTIBILITY_ENCLAVE) && (is & INTERRUPTIBILITY_MOV_SS))
		return entry_check_fail(c, "guest interruptibility state 0x%x: enclave interruption with MOV-SS "
					   "blocking", is);
	return true;
}

/* SDM Vol. 3C §27.3.1.5: pending debug exceptions. */
static bool check_pending_debug(struct entry_check_ctx *c, const struct guest *g)
{
	uint64_t pde = ec_get(c, VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS);
	unsigned long long p = pde;
	uint32_t act = ec_get32(c, VMCS_GUEST_ACTIVITY_STATE), is = ec_get32(c, VMCS_GUEST_INTERRUPTIBILITY_STATE);
	/* "Bits 11:4, bit 13, bit 15, and bits 63:17 must be 0." */
	if (pde & (0xff0ull | BIT(13) | BIT(15) | ~0x1ffffull))
		return entry_check_fail(c, "guest pending debug exceptions 0x%llx set reserved bits", p);
	/* With STI/MOV-SS blocking or HLT, a single-step trap is pending
	 * exactly when RFLAGS.TF=1 and DEBUGCTL.BTF=0: "bit 14 (BS) must be 1
	 * if the TF flag ... is 1 and the BTF flag ... is 0", "must be 0 if
	 * the TF flag is 0 or the BTF flag is 1". */
	if ((is & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) || act == ACTIVITY_HLT) {
		bool step = (g->rflags & RFLAGS_TF) && !(ec_get(c, VMCS_GUEST_IA32_DEBUGCTL) & BIT(1));
		if (step != !!(pde & BIT(14)))
			return entry_check_fail(c, "guest pending debug exceptions 0x%llx need BS=%u (RFLAGS.TF=%u) "
						   "with STI/MOV-SS blocking or HLT", p, (unsigned)step,
						(unsigned)!!(g->rflags & RFLAGS_TF));
	}
	/* RTM (bit 16): "bits 11:0, bits 15:13, and bits 63:17 must be 0; bit
	 * 12 must be 1", and no blocking by MOV SS. */
	if ((pde & BIT(16)) && ((pde & 0xefffull) || !(pde & BIT(12)) || (is & INTERRUPTIBILITY_MOV_SS)))
		return entry_check_fail(c, "guest pending debug exceptions 0x%llx: RTM bit 16 needs bit 12 alone "
					   "and no MOV-SS blocking", p);
	return true;
}

/* SDM Vol. 3C §27.3.1.5: VMCS link pointer. With "VMCS shadowing" 0, any
 * value other than all ones makes the processor check the VMCS it points
 * to, and the hypervisor keeps none there. */
static bool check_link_pointer(struct entry_check_ctx *c)
{
	uint64_t lp = ec_get(c, VMCS_VMCS_LINK_POINTER);
	if (!(c->proc2 & SECONDARY_VMCS_SHADOWING)) {
		if (lp != ~0ull)
			return entry_check_fail(c, "VMCS link pointer 0x%llx is not 0xffffffffffffffff (no VMCS "
						   "shadowing)", (unsigned long long)lp);
		return true;
	}
	if (lp != ~0ull && ((lp & 0xfff) || !ec_phys_ok(c, lp)))
		return entry_check_fail(c, "VMCS link pointer 0x%llx is not 4 KB aligned within the %u-bit "
					   "physical-address width", (unsigned long long)lp, c->maxphyaddr);
	return true;
}

/* SDM Vol. 3C §27.3.1.6: with PAE paging (CR0.PG=1, CR4.PAE=1, not IA-32e
 * mode) and EPT, the PDPTE fields are checked: a present PDPTE must have
 * bits 2:1, 8:5 and 63:MAXPHYADDR clear. Without EPT the processor reads
 * them from guest memory at CR3, which this checker does not see. */
static bool check_pdptes(struct entry_check_ctx *c, const struct guest *g)
{
	if (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE) || g->ia32e || !(c->proc2 & SECONDARY_ENABLE_EPT))
		return true;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = ec_get(c, (enum vmcs_field)(VMCS_GUEST_PDPTE0 + i));
		if ((e & 1) && ((e & 0x1e6ull) || !ec_phys_ok(c, e)))
			return entry_check_fail(c, "guest PDPTE%u 0x%llx sets reserved bits", i, (unsigned long long)e);
	}
	return true;
}

bool entry_check_guest(struct entry_check_ctx *c)
{
	struct guest g;
	for (enum seg s = ES; s < NSEG; s++) {
		const struct vmcs_segment_fields *f = &vmcs_guest_segments[s];
		g.sel[s] = (uint16_t)ec_get(c, f->selector);
		g.base[s] = ec_get(c, f->base);
		g.limit[s] = ec_get32(c, f->limit);
		g.ar[s] = ec_get32(c, f->access_rights);
	}
	g.cr0 = ec_get(c, VMCS_GUEST_CR0);
	g.cr4 = ec_get(c, VMCS_GUEST_CR4);
	g.rflags = ec_get(c, VMCS_GUEST_RFLAGS);
	g.ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;
	g.unrestricted = c->proc2 & SECONDARY_UNRESTRICTED_GUEST;
	g.vm86 = g.rflags & RFLAGS_VM;
	g.intr_info = ec_get32(c, VMCS_VMENTRY_INTERRUPTION_INFO);
	if (!(g.intr_info & INTR_INFO_VALID))
		g.intr_info = 0;
	return check_regs(c, &g) && check_segments(c, &g) && check_dtrs(c) && check_rip_rflags(c, &g) &&
	       check_activity_interruptibility(c, &g) && check_pending_debug(c, &g) && check_link_pointer(c) &&
	       check_pdptes(c, &g);
}
