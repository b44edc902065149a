#include "hv/exits/msr_policy.h"
#include "unit.h"

static int bit(const uint8_t *b, unsigned byte, unsigned n) { return (b[byte + n / 8] >> (n % 8)) & 1; }

int main(void)
{
	CHECK(msr_policy(0x3a) == MSR_FEATURE_CONTROL_VIEW);
	CHECK(msr_policy(0x480) == MSR_VMX_CAPABILITY);
	CHECK(msr_policy(0x491) == MSR_VMX_CAPABILITY);
	CHECK(msr_policy(0x492) == MSR_VMX_CAPABILITY);
	CHECK(msr_policy(0x493) == MSR_VMX_CAPABILITY);
	CHECK(msr_policy(0x494) == MSR_PASS_THROUGH);
	CHECK(msr_policy(0x10) == MSR_PASS_THROUGH);           /* TSC */
	CHECK(msr_policy(0xc0000080) == MSR_PASS_THROUGH);     /* EFER */
	CHECK(msr_policy(0x2000) == MSR_OUTSIDE_BITMAP);
	CHECK(msr_policy(0x12345678) == MSR_OUTSIDE_BITMAP);
	CHECK(msr_policy(0xc0002000) == MSR_OUTSIDE_BITMAP);
	CHECK(msr_policy(0x40000000) == MSR_OUTSIDE_BITMAP);
	CHECK(msr_policy(0x2ff) == MSR_MTRR && msr_policy(0x200) == MSR_MTRR && msr_policy(0x21f) == MSR_MTRR);
	CHECK(msr_policy(0x250) == MSR_MTRR && msr_policy(0x26f) == MSR_MTRR && msr_policy(0x220) == MSR_PASS_THROUGH);
	CHECK(msr_policy(0x79) == MSR_MICROCODE_UPDATE);
	/* Deliberate pass-throughs: TSC, TSC_ADJUST, SPEC_CTRL, PRED_CMD,
	 * FLUSH_CMD, DEBUGCTL, a PMU counter, PAT. */
	unsigned passed[] = { 0x10, 0x3b, 0x48, 0x49, 0x10b, 0x1d9, 0xc1, 0x38f, 0x277 };
	for (unsigned i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		CHECK(msr_policy(passed[i]) == MSR_PASS_THROUGH);
	/* The host's truth about speculation, read by the guest without an
	 * exit: IA32_ARCH_CAPABILITIES, IA32_CORE_CAPABILITIES, IA32_TSX_CTRL,
	 * IA32_MCU_OPT_CTRL, IA32_UARCH_MISC_CTL, IA32_XAPIC_DISABLE_STATUS. */
	unsigned truth[] = { 0x10a, 0xcf, 0x122, 0x123, 0x1b01, 0xbd };
	for (unsigned i = 0; i < sizeof(truth) / sizeof(truth[0]); i++)
		CHECK(msr_policy(truth[i]) == MSR_PASS_THROUGH);
	/* Intel PT is hidden (cpuid_gates.h): its MSRs fault. */
	unsigned rtit[] = { 0x560, 0x561, 0x570, 0x571, 0x572, 0x580, 0x583, 0x587 };
	for (unsigned i = 0; i < sizeof(rtit) / sizeof(rtit[0]); i++)
		CHECK(msr_policy(rtit[i]) == MSR_HIDDEN_FEATURE);
	CHECK(msr_policy(0x562) == MSR_PASS_THROUGH && msr_policy(0x573) == MSR_PASS_THROUGH);
	CHECK(msr_policy(0x57f) == MSR_PASS_THROUGH && msr_policy(0x588) == MSR_PASS_THROUGH);

	uint8_t b[4096];
	msr_bitmap_build(b);
	CHECK(bit(b, 0, 0x3a) && bit(b, 2048, 0x3a));
	for (unsigned m = 0x480; m <= 0x493; m++)
		CHECK(bit(b, 0, m) && bit(b, 2048, m));
	CHECK(!bit(b, 0, 0x494) && !bit(b, 0, 0x10) && !bit(b, 0, 0x1b));
	CHECK(!bit(b, 1024, 0x80) && !bit(b, 3072, 0x80)); /* EFER passes */
	unsigned set = 0;
	for (unsigned i = 0; i < 4096; i++)
		set += (unsigned)__builtin_popcount(b[i]);
	CHECK(bit(b, 0, 0x570) && bit(b, 2048, 0x570) && !bit(b, 0, 0x573));
	/* MTRRs and the microcode trigger: writes exit, reads do not. */
	CHECK(!bit(b, 0, 0x2ff) && bit(b, 2048, 0x2ff));
	CHECK(!bit(b, 0, 0x205) && bit(b, 2048, 0x205) && !bit(b, 0, 0x79) && bit(b, 2048, 0x79));
	CHECK(!bit(b, 2048, 0x277) && !bit(b, 2048, 0xfe)); /* PAT is in the VMCS; MTRRCAP read-only */
	/* feature control + 20 VMX MSRs + 13 RTIT MSRs, read and write; 44
	 * MTRR MSRs and IA32_BIOS_UPDT_TRIG, write only */
	CHECK_EQ_U64(set, 2 * (1 + 20 + 13) + 44 + 1);
	return unit_finish("test_msr_policy");
}
