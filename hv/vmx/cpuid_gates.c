#include "cpuid_gates.h"

const struct cpuid_word_info cpuid_words[CPUID_WORD_COUNT] = {
#define X(name, leaf, subleaf, reg) { #name, leaf, subleaf, reg },
	CPUID_WORD_LIST(X)
#undef X
};

const struct cpuid_gate_info cpuid_gates[CPUID_GATE_COUNT] = {
#define X(name, word, bit, control, why) { #name, CPUID_WORD_##word, bit, control, why },
	CPUID_GATE_LIST(X)
#undef X
};

_Static_assert(CPUID_GATE_COUNT <= 32, "cpuid_filter.hidden/enabled hold one bit per gate");

void cpuid_filter_compute(const struct vmx_msr_snapshot *msrs, const struct cpuid_words *host,
			  struct cpuid_filter *out)
{
	*out = (struct cpuid_filter){ 0 };
	/* Without "activate secondary controls" the processor acts as if
	 * every secondary control were 0 (SDM Vol. 3C §25.6.2). */
	bool secondary = (msrs->procbased >> 32) & (1u << 31);
	uint32_t allowed1 = secondary ? (uint32_t)(msrs->procbased2 >> 32) : 0;
	for (unsigned g = 0; g < CPUID_GATE_COUNT; g++) {
		const struct cpuid_gate_info *gate = &cpuid_gates[g];
		uint32_t bit = 1u << gate->bit;
		if (!(host->w[gate->word] & bit))
			continue; /* the processor lacks it: nothing to enable or hide */
		if (gate->secondary_control && (allowed1 & gate->secondary_control) == gate->secondary_control) {
			out->secondary |= gate->secondary_control;
			out->enabled |= 1u << g;
		} else {
			out->clear[gate->word] |= bit;
			out->hidden |= 1u << g;
		}
	}
	out->hide_leaf_0x14 = out->hidden & (1u << CPUID_GATE_INTEL_PT);
	cpuid_filter_hypervisor_bit(out, true);
}

void cpuid_filter_hypervisor_bit(struct cpuid_filter *f, bool shown)
{
	if (shown)
		f->set[CPUID_WORD_LEAF1_ECX] |= CPUID_1_ECX_HYPERVISOR;
	else
		f->set[CPUID_WORD_LEAF1_ECX] &= ~CPUID_1_ECX_HYPERVISOR;
}

void cpuid_filter_apply(const struct cpuid_filter *f, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	if (!cpuid_filter_touches(leaf))
		return;
	if (leaf == 0x14) {
		if (f->hide_leaf_0x14)
			regs[0] = regs[1] = regs[2] = regs[3] = 0;
		return;
	}
	for (unsigned w = 0; w < CPUID_WORD_COUNT; w++)
		if (cpuid_words[w].leaf == leaf &&
		    (cpuid_words[w].subleaf == CPUID_ANY_SUBLEAF || cpuid_words[w].subleaf == subleaf))
			regs[cpuid_words[w].reg] = (regs[cpuid_words[w].reg] & ~f->clear[w]) | f->set[w];
}
