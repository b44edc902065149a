#include "vmx_caps.h"

#include <hv/arch_bits.h>

#define BIT(n) (1ull << (n))

static bool allowed1(uint64_t cap_msr, unsigned bit) { return (cap_msr >> 32) & BIT(bit); }

void vmx_caps_decode(const struct vmx_msr_snapshot *m, struct vmx_caps *c)
{
	*c = (struct vmx_caps){ 0 };
	c->revision_id = (uint32_t)(m->basic & 0x7fffffff);
	c->vmcs_size = (uint32_t)((m->basic >> 32) & 0x1fff);
	c->vmcs_memtype = (uint8_t)((m->basic >> 50) & 0xf);
	c->addr_width_32 = m->basic & BIT(48);
	c->true_ctls = m->basic & BIT(55);
	c->secondary_ctls = allowed1(m->procbased, 31);
	c->preemption_timer = allowed1(m->pinbased, 6);
	c->preemption_timer_shift = (uint8_t)(m->misc & 0x1f);
	c->virtual_nmis = allowed1(m->pinbased, 5);
	c->interrupt_window = allowed1(m->procbased, 2);
	c->nmi_window = c->virtual_nmis && allowed1(m->procbased, 22);
	c->hlt_exiting = allowed1(m->procbased, 7);
	c->mwait_exiting = allowed1(m->procbased, 10);
	c->activity_hlt = m->misc & BIT(6);
	c->activity_shutdown = m->misc & BIT(7);
	c->wait_for_sipi = m->misc & BIT(8);
	c->pt_in_vmx = m->misc & BIT(14);
	if (c->secondary_ctls) {
		c->ept = allowed1(m->procbased2, 1);
		c->vpid = allowed1(m->procbased2, 5);
		c->unrestricted_guest = allowed1(m->procbased2, 7);
	}
	if (c->ept) { /* SDM Vol. 3D §A.10 */
		uint64_t e = m->ept_vpid_cap;
		c->ept_walk4 = e & BIT(6);
		c->ept_uc = e & BIT(8);
		c->ept_wb = e & BIT(14);
		c->ept_2mb = e & BIT(16);
		c->ept_1gb = e & BIT(17);
		c->invept = e & BIT(20);
		c->ept_ad = e & BIT(21);
		c->invept_single = e & BIT(25);
		c->invept_all = e & BIT(26);
	}
	if (c->vpid) {
		uint64_t e = m->ept_vpid_cap;
		c->invvpid = e & BIT(32);
		c->invvpid_addr = e & BIT(40);
		c->invvpid_single = e & BIT(41);
		c->invvpid_all = e & BIT(42);
		c->invvpid_single_globals = e & BIT(43);
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
