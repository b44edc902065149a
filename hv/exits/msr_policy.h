/* Which MSR accesses exit, and what they become. Pure: msr_bitmap_build
 * fills the 4 KB MSR bitmap (SDM Vol. 3C §25.6.9) and the handlers ask
 * msr_policy for the same decision, so the two never disagree. */
#ifndef HV_MSR_POLICY_H
#define HV_MSR_POLICY_H

#include <stdint.h>

enum msr_policy {
	MSR_PASS_THROUGH,         /* no exit */
	MSR_FEATURE_CONTROL_VIEW, /* reads: locked with VMX off; writes: #GP */
	MSR_VMX_CAPABILITY,       /* 0x480-0x491: #GP (VMX hidden) */
	MSR_OUTSIDE_BITMAP,       /* no processor has it: #GP */
	MSR_HIDDEN_FEATURE,       /* a feature CPUID hides from the guest (cpuid_gates.h): #GP */
};

enum msr_policy msr_policy(uint32_t index);
/* Sets the read and write bits of every MSR whose policy is not
 * MSR_PASS_THROUGH inside the bitmap's ranges. */
void msr_bitmap_build(uint8_t bitmap[4096]);

#endif
