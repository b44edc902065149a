/* CPUID features whose instructions depend on a VMX control in VMX
 * non-root operation, and features the hypervisor does not give the guest.
 * One table: for each feature the processor has, the control that makes the
 * instruction work is enabled when IA32_VMX_PROCBASED_CTLS2 allows it, and
 * otherwise the CPUID bit is cleared, so the guest is never told it has an
 * instruction that raises #UD (SDM Vol. 3C §26.3 "Changes to instruction
 * behavior in VMX non-root operation", Dec 2022 ed.; Table 25-7).
 * Pure: the caller passes the capability snapshot and the host's CPUID. */
#ifndef HV_CPUID_GATES_H
#define HV_CPUID_GATES_H

#include "vmx_caps.h"

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stdint.h>

/* The CPUID words the table refers to (leaf, subleaf, register). Leaves 1
 * and 0x80000001 ignore ECX: their words match any subleaf. */
#define CPUID_ANY_SUBLEAF 0xffffffffu
#define CPUID_WORD_LIST(X)                                  \
	X(LEAF1_ECX, 0x00000001u, CPUID_ANY_SUBLEAF, 2)     \
	X(LEAF7_EBX, 0x00000007u, 0, 1)                     \
	X(LEAF7_ECX, 0x00000007u, 0, 2)                     \
	X(LEAF7_EDX, 0x00000007u, 0, 3)                     \
	X(LEAFD1_EAX, 0x0000000du, 1, 0)                    \
	X(EXT1_EDX, 0x80000001u, CPUID_ANY_SUBLEAF, 3)

enum cpuid_word {
#define X(name, leaf, subleaf, reg) CPUID_WORD_##name,
	CPUID_WORD_LIST(X)
#undef X
	CPUID_WORD_COUNT
};

struct cpuid_word_info {
	const char *name;
	uint32_t leaf, subleaf;
	unsigned reg; /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
};
extern const struct cpuid_word_info cpuid_words[CPUID_WORD_COUNT];


/* X(name, word, bit, secondary control or 0, why). A 0 control means the
 * feature is hidden on every processor; "why" says why. */
#define CPUID_GATE_LIST(X)                                                                                   \
	X(RDTSCP, EXT1_EDX, 27, SECONDARY_ENABLE_RDTSCP, "RDTSCP raises #UD unless \"enable RDTSCP\" is 1")    \
	X(RDPID, LEAF7_ECX, 22, SECONDARY_ENABLE_RDTSCP, "RDPID raises #UD unless \"enable RDTSCP\" is 1")     \
	X(INVPCID, LEAF7_EBX, 10, SECONDARY_ENABLE_INVPCID, "INVPCID raises #UD unless \"enable INVPCID\" is 1") \
	X(XSAVES, LEAFD1_EAX, 3, SECONDARY_ENABLE_XSAVES,                                                    \
	  "XSAVES/XRSTORS raise #UD unless \"enable XSAVES/XRSTORS\" is 1")                                   \
	X(WAITPKG, LEAF7_ECX, 5, SECONDARY_ENABLE_USER_WAIT_PAUSE,                                           \
	  "TPAUSE/UMONITOR/UMWAIT raise #UD unless \"enable user wait and pause\" is 1")                      \
	X(PCONFIG, LEAF7_EDX, 18, SECONDARY_ENABLE_PCONFIG, "PCONFIG raises #UD unless \"enable PCONFIG\" is 1") \
	X(VMX, LEAF1_ECX, 5, 0, "VMX is the hypervisor's; nested VMX is not offered")                       \
	X(SMX, LEAF1_ECX, 6, 0, "GETSEC always exits (SDM Vol. 3C §26.1.2); SMX is not emulated")           \
	X(INTEL_PT, LEAF7_EBX, 25, 0,                                                                        \
	  "Intel PT would write its trace to host-physical addresses, the hidden arena included")

enum cpuid_gate {
#define X(name, word, bit, control, why) CPUID_GATE_##name,
	CPUID_GATE_LIST(X)
#undef X
	CPUID_GATE_COUNT
};

struct cpuid_gate_info {
	const char *name;
	enum cpuid_word word;
	unsigned bit;
	uint32_t secondary_control;
	const char *why;
};
extern const struct cpuid_gate_info cpuid_gates[CPUID_GATE_COUNT];

/* The host's CPUID words, as the table names them. */
struct cpuid_words {
	uint32_t w[CPUID_WORD_COUNT];
};

/* CPUID.1:ECX[31], "a hypervisor is present": reserved 0 on real
 * processors, set by hypervisors (SDM Vol. 2A, CPUID, Table 3-10). */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

struct cpuid_filter {
	uint32_t secondary;                /* secondary controls to turn on */
	uint32_t clear[CPUID_WORD_COUNT];  /* bits the guest must not see */
	uint32_t set[CPUID_WORD_COUNT];    /* bits the guest sees set: the hypervisor bit */
	uint32_t hidden;                   /* bit per gate: the processor has it, the guest does not see it */
	uint32_t enabled;                  /* bit per gate: the guest has it, through its control */
	bool hide_leaf_0x14;               /* Intel PT's own leaf reads as zero */
};

/* Decides every gate for one processor. */
void cpuid_filter_compute(const struct vmx_msr_snapshot *msrs, const struct cpuid_words *host,
			  struct cpuid_filter *out);

/* Whether CPUID.1:ECX[31] tells the guest of a hypervisor (hv.cfg
 * cpuid_hypervisor_bit; on after cpuid_filter_compute). Off, the guest
 * reasons as on the bare processor (Linux, for one, then trusts
 * IA32_ARCH_CAPABILITIES and its model lists instead of assuming the worst
 * of a host it cannot see: no ITS thunks, no BHI sequence where the
 * processor is unaffected, measured in README "Performance"); leaf
 * 0x40000000 answers either way, for whoever asks. */
void cpuid_filter_hypervisor_bit(struct cpuid_filter *f, bool shown);

/* The guest's view of one CPUID result (regs[0..3] = EAX..EDX). */
void cpuid_filter_apply(const struct cpuid_filter *f, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* Whether cpuid_filter_apply can change this leaf's result at all: the
 * CPUID exit's hot path calls it only then. */
static inline bool cpuid_filter_touches(uint32_t leaf)
{
	return leaf == 1 || leaf == 7 || leaf == 0xd || leaf == 0x14 || leaf == 0x80000001u;
}

#endif
