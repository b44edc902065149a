/* The CPUID gates (hv/vmx/cpuid_gates.h): an instruction the guest is told
 * about works, because its VMX control is on; one whose control the
 * processor does not allow is hidden. */
#include "hv/vmx/cpuid_gates.h"
#include "unit.h"

#define BIT(n) (1u << (n))

/* Bochs 2.7 tigerlake (README "Emulators"), plus "enable user wait and
 * pause" allowed as on Alder Lake. */
static struct vmx_msr_snapshot caps_with(uint32_t proc2_allowed1)
{
	struct vmx_msr_snapshot m = { 0 };
	m.basic = 0x01d8100000000004ull;
	m.pinbased = 0x000000ff00000016ull;
	m.procbased = 0xfff9fffe0401e172ull;
	m.procbased2 = (uint64_t)proc2_allowed1 << 32;
	return m;
}

/* A processor with every feature of the table. */
static struct cpuid_words all_features(void)
{
	struct cpuid_words h = { { 0 } };
	h.w[CPUID_WORD_LEAF1_ECX] = BIT(5) | BIT(6) | BIT(26); /* VMX, SMX, XSAVE */
	h.w[CPUID_WORD_LEAF7_EBX] = BIT(10) | BIT(25);         /* INVPCID, PT */
	h.w[CPUID_WORD_LEAF7_ECX] = BIT(5) | BIT(22);          /* WAITPKG, RDPID */
	h.w[CPUID_WORD_LEAF7_EDX] = BIT(18);                   /* PCONFIG */
	h.w[CPUID_WORD_LEAFD1_EAX] = BIT(3);                   /* XSAVES */
	h.w[CPUID_WORD_EXT1_EDX] = BIT(27);                    /* RDTSCP */
	return h;
}

static uint32_t apply(const struct cpuid_filter *f, uint32_t leaf, uint32_t sub, unsigned reg, uint32_t value)
{
	uint32_t r[4] = { 0, 0, 0, 0 };
	r[reg] = value;
	cpuid_filter_apply(f, leaf, sub, r);
	return r[reg];
}

int main(void)
{
	struct cpuid_words host = all_features();
	struct cpuid_filter f;

	/* Everything allowed: each instruction's control on, nothing of
	 * theirs hidden; VMX, SMX and PT hidden on every processor. */
	uint32_t all = SECONDARY_ENABLE_RDTSCP | SECONDARY_ENABLE_INVPCID | SECONDARY_ENABLE_XSAVES |
		       SECONDARY_ENABLE_USER_WAIT_PAUSE | SECONDARY_ENABLE_PCONFIG;
	struct vmx_msr_snapshot m = caps_with(0x02977fff | all);
	cpuid_filter_compute(&m, &host, &f);
	CHECK_EQ_U64(f.secondary, all);
	CHECK_EQ_U64(f.hidden, BIT(CPUID_GATE_VMX) | BIT(CPUID_GATE_SMX) | BIT(CPUID_GATE_INTEL_PT));
	CHECK_EQ_U64(apply(&f, 7, 0, 2, 0xffffffff), 0xffffffff);
	CHECK_EQ_U64(apply(&f, 1, 0, 2, 0xffffffff), ~(BIT(5) | BIT(6)));
	CHECK_EQ_U64(apply(&f, 7, 0, 1, 0xffffffff), ~BIT(25));
	CHECK(f.hide_leaf_0x14);
	CHECK_EQ_U64(apply(&f, 0x14, 0, 1, 0x1234), 0);

	/* Alder Lake under a hypervisor that lacks "enable user wait and
	 * pause" (ACRN issue 6006): WAITPKG must be hidden, else Linux's
	 * udelay executes TPAUSE and takes #UD. */
	m = caps_with(0x02977fff & ~SECONDARY_ENABLE_USER_WAIT_PAUSE);
	cpuid_filter_compute(&m, &host, &f);
	CHECK(!(f.secondary & SECONDARY_ENABLE_USER_WAIT_PAUSE));
	CHECK(f.hidden & BIT(CPUID_GATE_WAITPKG));
	CHECK_EQ_U64(apply(&f, 7, 0, 2, BIT(5) | BIT(22)), BIT(22)); /* RDPID stays: RDTSCP allowed */
	/* Without "enable RDTSCP": RDTSCP and RDPID both go. */
	m = caps_with(0x02977fff & ~SECONDARY_ENABLE_RDTSCP);
	cpuid_filter_compute(&m, &host, &f);
	CHECK_EQ_U64(apply(&f, 0x80000001u, 0, 3, 0xffffffff), ~BIT(27));
	CHECK_EQ_U64(apply(&f, 0x80000001u, 7, 3, BIT(27)), 0); /* ECX is ignored for this leaf */
	CHECK_EQ_U64(apply(&f, 7, 0, 2, BIT(22)), 0);
	CHECK_EQ_U64(apply(&f, 7, 1, 2, BIT(22)), BIT(22)); /* another subleaf: not this word */
	/* XSAVES lives in leaf 0xD subleaf 1 only. */
	m = caps_with(0x02977fff & ~SECONDARY_ENABLE_XSAVES);
	cpuid_filter_compute(&m, &host, &f);
	CHECK_EQ_U64(apply(&f, 0xd, 1, 0, 0xf), 0x7);
	CHECK_EQ_U64(apply(&f, 0xd, 0, 0, 0xf), 0xf);
	/* No secondary controls at all: the stale PROCBASED_CTLS2 value is not
	 * believed (SDM Vol. 3C §25.6.2), every gated instruction hidden. */
	m = caps_with(0xffffffff);
	m.procbased &= ~(1ull << 63);
	cpuid_filter_compute(&m, &host, &f);
	CHECK_EQ_U64(f.secondary, 0);
	CHECK_EQ_U64(f.enabled, 0);
	CHECK_EQ_U64(f.hidden, BIT(CPUID_GATE_COUNT) - 1);
	/* A processor without the features: nothing enabled, nothing hidden
	 * (a control for an instruction it lacks is not turned on). */
	struct cpuid_words none = { { 0 } };
	m = caps_with(0xffffffff);
	cpuid_filter_compute(&m, &none, &f);
	CHECK_EQ_U64(f.secondary, 0);
	CHECK_EQ_U64(f.hidden, 0);
	CHECK(!f.hide_leaf_0x14);
	CHECK_EQ_U64(apply(&f, 0x14, 0, 1, 0x1234), 0x1234);
	/* Every row of the table is well-formed. */
	for (unsigned g = 0; g < CPUID_GATE_COUNT; g++) {
		CHECK(cpuid_gates[g].bit < 32 && cpuid_gates[g].word < CPUID_WORD_COUNT);
		CHECK(cpuid_gates[g].why && cpuid_gates[g].why[0]);
	}
	return unit_finish("test_cpuid_gates");
}
