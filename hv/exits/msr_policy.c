#include "msr_policy.h"

#include <hv/msr.h>

enum msr_policy msr_policy(uint32_t index)
{
	if (index == MSR_IA32_FEATURE_CONTROL)
		return MSR_FEATURE_CONTROL_VIEW;
	/* All VMX capability MSRs, the newest (tertiary and secondary exit
	 * controls) included: VMX is hidden, so they fault as on a CPU without
	 * it (found by the guest fuzzer: 0x492/0x493 used to pass through). */
	if (index >= MSR_IA32_VMX_BASIC && index <= MSR_IA32_VMX_EXIT_CTLS2)
		return MSR_VMX_CAPABILITY;
	/* Intel PT's MSRs (IA32_RTIT_*, SDM Vol. 4 Table 2-2): PT is hidden
	 * (cpuid_gates.h), and a guest that enabled tracing anyway would have
	 * the processor write its trace to host-physical addresses, the
	 * hypervisor's hidden memory included. Fault as without PT. */
	if (index == MSR_IA32_RTIT_OUTPUT_BASE || index == MSR_IA32_RTIT_OUTPUT_MASK_PTRS ||
	    (index >= MSR_IA32_RTIT_CTL && index <= MSR_IA32_RTIT_CR3_MATCH) ||
	    (index >= MSR_IA32_RTIT_ADDR0_A && index <= MSR_IA32_RTIT_ADDR3_B))
		return MSR_HIDDEN_FEATURE;
	/* The MTRRs: with EPT the guest's accesses take their memory type from
	 * the EPT, not from the MTRRs (SDM Vol. 3C §29.3.7.2), so the EPT must
	 * follow every write. Variable pairs 0-15 (VCNT is at most 10 on the
	 * processors we know), the fixed ranges, the default type. */
	if ((index >= MSR_IA32_MTRR_PHYSBASE0 && index < MSR_IA32_MTRR_PHYSBASE0 + 32) ||
	    index == MSR_IA32_MTRR_FIX64K_00000 || index == MSR_IA32_MTRR_FIX16K_80000 ||
	    index == MSR_IA32_MTRR_FIX16K_A0000 || (index >= MSR_IA32_MTRR_FIX4K_C0000 && index <= 0x26f) ||
	    index == MSR_IA32_MTRR_DEF_TYPE)
		return MSR_MTRR;
	/* A microcode update from the guest would change the processor under
	 * the hypervisor's capability snapshot, on one core of many, from a
	 * guest-linear address: accepted and ignored (the guest sees its
	 * revision, IA32_BIOS_SIGN_ID, unchanged). Load microcode through the
	 * firmware or before the hypervisor. */
	if (index == MSR_IA32_BIOS_UPDT_TRIG)
		return MSR_MICROCODE_UPDATE;
	if (index <= 0x1fff || (index >= 0xc0000000u && index <= 0xc0001fffu))
		return MSR_PASS_THROUGH;
	return MSR_OUTSIDE_BITMAP;
}

/* Layout: read bitmap for 0x0-0x1fff at byte 0, read for
 * 0xc0000000-0xc0001fff at 1024, write low at 2048, write high at 3072. */
void msr_bitmap_build(uint8_t bitmap[4096])
{
	for (unsigned i = 0; i < 4096; i++)
		bitmap[i] = 0;
	for (uint32_t low = 0; low <= 0x1fff; low++) {
		uint32_t msrs[2] = { low, 0xc0000000u + low };
		for (unsigned h = 0; h < 2; h++) {
			enum msr_policy p = msr_policy(msrs[h]);
			unsigned byte = h * 1024 + low / 8, bit = low % 8;
			if (msr_policy_read_exits(p))
				bitmap[byte] |= (uint8_t)(1u << bit);
			if (msr_policy_write_exits(p))
				bitmap[byte + 2048] |= (uint8_t)(1u << bit);
		}
	}
}
