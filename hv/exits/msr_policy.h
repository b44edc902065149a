/* Which MSR accesses exit, and what they become: the one table of the
 * hypervisor's MSR policy for a real OS. Pure: msr_bitmap_build fills the
 * 4 KB MSR bitmap (SDM Vol. 3C §25.6.9) and the handlers ask msr_policy for
 * the same decision, so the two never disagree.
 *
 * Deliberate pass-throughs (no exit, the guest's value is the processor's):
 * the TSC and IA32_TSC_ADJUST (the guest owns time; the hypervisor only
 * measures differences within one exit, which a guest write cannot split),
 * IA32_SPEC_CTRL, IA32_PRED_CMD, IA32_FLUSH_CMD (the guest owns its
 * mitigations; the host runs no code but the hypervisor's), the debug MSRs
 * (VM exit clears IA32_DEBUGCTL for the host and saves the guest's) and
 * the performance-monitoring MSRs (the guest owns the PMU; the hypervisor
 * uses none, and its own time is counted with the guest's). */
#ifndef HV_MSR_POLICY_H
#define HV_MSR_POLICY_H

#include <stdint.h>

enum msr_policy {
	MSR_PASS_THROUGH,         /* no exit */
	MSR_FEATURE_CONTROL_VIEW, /* reads: locked with VMX off; writes: #GP */
	MSR_VMX_CAPABILITY,       /* 0x480-0x491: #GP (VMX hidden) */
	MSR_OUTSIDE_BITMAP,       /* no processor has it: #GP */
	MSR_HIDDEN_FEATURE,       /* a feature CPUID hides from the guest (cpuid_gates.h): #GP */
	MSR_MTRR,                 /* reads pass; writes exit: the EPT's memory types follow (msr.c) */
	MSR_MICROCODE_UPDATE,     /* IA32_BIOS_UPDT_TRIG: writes exit and are ignored, as KVM does */
};

/* Whether an access of that policy exits (bitmap bit set). */
static inline int msr_policy_read_exits(enum msr_policy p)
{
	return p != MSR_PASS_THROUGH && p != MSR_MTRR && p != MSR_MICROCODE_UPDATE;
}
static inline int msr_policy_write_exits(enum msr_policy p) { return p != MSR_PASS_THROUGH; }

enum msr_policy msr_policy(uint32_t index);
/* Sets the read and write bits of every MSR whose policy is not
 * MSR_PASS_THROUGH inside the bitmap's ranges. */
void msr_bitmap_build(uint8_t bitmap[4096]);

#endif
