#include "hv/vmx/vmx_caps.h"
#include "unit.h"

/* Fixture: Bochs 2.7 with cpu model=tigerlake, values read inside a guest
 * (see README "Emulators"): VMX_BASIC, PROCBASED_CTLS2, EPT_VPID_CAP. */
static struct vmx_msr_snapshot bochs_tigerlake(void)
{
	struct vmx_msr_snapshot m = { 0 };
	m.basic = 0x01d8100000000004ull;
	m.pinbased = 0x000000ff00000016ull;
	m.procbased = 0xfff9fffe0401e172ull;
	m.procbased2 = 0x02977fff00000000ull;
	m.ept_vpid_cap = 0x00000f0106b34141ull;
	m.misc = 0x0000000000000160ull;
	m.cr0_fixed0 = 0x80000021ull;
	m.cr0_fixed1 = 0xffffffffull;
	m.cr4_fixed0 = 0x2000ull;
	m.cr4_fixed1 = 0x3727ffull;
	return m;
}

int main(void)
{
	struct vmx_msr_snapshot m = bochs_tigerlake();
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	CHECK_EQ_U64(c.revision_id, 4);
	CHECK_EQ_U64(c.vmcs_size, 0x1000);
	CHECK_EQ_U64(c.vmcs_memtype, 6);
	CHECK(c.true_ctls);
	CHECK(!c.addr_width_32);
	CHECK(c.secondary_ctls);
	CHECK(c.ept);
	CHECK(c.vpid);
	CHECK(c.unrestricted_guest);
	CHECK(c.ept_walk4);
	CHECK(c.ept_wb);
	CHECK(c.ept_uc);
	CHECK(c.ept_2mb);
	CHECK(c.ept_1gb);
	CHECK(c.invept && c.invept_single && c.invept_all);
	CHECK(c.ept_ad);
	CHECK(c.invvpid && c.invvpid_addr && c.invvpid_single && c.invvpid_all && c.invvpid_single_globals);
	CHECK(c.preemption_timer);
	CHECK(c.wait_for_sipi);
	CHECK(c.virtual_nmis && c.interrupt_window && c.nmi_window && c.hlt_exiting && c.mwait_exiting);
	CHECK(c.activity_hlt && !c.activity_shutdown && !c.pt_in_vmx); /* MISC 0x160: bits 5, 6, 8 */
	/* NMI-window exiting needs virtual NMIs (SDM Vol. 3C §27.2.1.1). */
	m.pinbased &= ~(1ull << 37);
	vmx_caps_decode(&m, &c);
	CHECK(!c.virtual_nmis && !c.nmi_window);
	m = bochs_tigerlake();
	m.procbased &= ~(1ull << (32 + 22));
	m.misc &= ~(1ull << 8);
	vmx_caps_decode(&m, &c);
	CHECK(c.virtual_nmis && !c.nmi_window && !c.wait_for_sipi);

	/* No secondary controls: EPT/VPID/unrestricted must read as absent even
	 * if stale values sit in the snapshot. */
	m.procbased &= ~(1ull << 63);
	vmx_caps_decode(&m, &c);
	CHECK(!c.secondary_ctls && !c.ept && !c.vpid && !c.unrestricted_guest && !c.ept_1gb);
	/* EPT not allowed: no EPT capability bits decoded. */
	m = bochs_tigerlake();
	m.procbased2 &= ~(2ull << 32);
	vmx_caps_decode(&m, &c);
	CHECK(!c.ept && !c.ept_2mb && c.vpid);

	/* Requirements: every missing item named, in one message. */
	char why[256];
	m = bochs_tigerlake();
	vmx_caps_decode(&m, &c);
	CHECK_EQ_U64(vmx_caps_missing(&c, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	m.procbased2 &= ~((1ull << 1 | 1ull << 7) << 32); /* no EPT, no unrestricted guest */
	vmx_caps_decode(&m, &c);
	CHECK_EQ_U64(vmx_caps_missing(&c, why, sizeof(why)), 2);
	CHECK_STR(why, "EPT, unrestricted guest");
	/* A Core 2 without TRUE MSRs nor secondary controls. */
	m = bochs_tigerlake();
	m.basic &= ~(1ull << 55);
	m.procbased &= ~(1ull << 63);
	vmx_caps_decode(&m, &c);
	CHECK_EQ_U64(vmx_caps_missing(&c, why, sizeof(why)), 5);
	CHECK_STR(why, "TRUE capability MSRs (VMX_BASIC bit 55), secondary processor-based controls, EPT, "
		       "unrestricted guest, VPID");
	CHECK_EQ_U64(vmx_caps_missing(&c, why, 12), 5); /* truncated, still terminated */
	CHECK_STR(why, "TRUE capabi");

	/* Control adjustment, SDM Vol. 3D §A.3: allowed-0 forced on, allowed-1
	 * masks, missing wanted bits reported. */
	uint32_t missing;
	CHECK_EQ_U64(vmx_adjust_controls(0x000000ff00000016ull, 0x1, &missing), 0x17);
	CHECK_EQ_U64(missing, 0);
	CHECK_EQ_U64(vmx_adjust_controls(0x000000ff00000016ull, 0x100 | 0x40, &missing), 0x56);
	CHECK_EQ_U64(missing, 0x100);
	CHECK_EQ_U64(vmx_adjust_controls(0xffffffff00000000ull, 0, &missing), 0);
	CHECK_EQ_U64(vmx_adjust_controls(0x0000000f0000000full, 0xf0, NULL), 0xf);

	/* CR fixed bits (SDM Vol. 3D §A.7-A.8) and unrestricted guest relaxing
	 * PE/PG (SDM Vol. 3C §26.3.1.1). */
	m = bochs_tigerlake();
	CHECK_EQ_U64(vmx_fix_cr0(&m, 0x10, false), 0x80000031);
	CHECK_EQ_U64(vmx_fix_cr0(&m, 0x10, true), 0x30);
	CHECK_EQ_U64(vmx_fix_cr4(&m, 0x20), 0x2020);
	CHECK_EQ_U64(vmx_fix_cr4(&m, 0x800000ull | 0x20), 0x2020);
	return unit_finish("test_vmx_caps");
}
