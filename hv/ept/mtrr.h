/* MTRR memory-type resolver (SDM Vol. 3A §12.11, Memory Type Range Registers).
 * Pure: works on a snapshot of the MTRR MSRs taken once by privileged code,
 * so the same file builds into hv.efi and into the host unit tests.
 *
 * The EPT builder needs it because with EPT on, the EPT memory type takes the
 * place of the MTRR type for guest accesses (SDM Vol. 3C §29.3.7.2): an
 * identity map must repeat what the MTRRs say, range by range. */
#ifndef HV_MTRR_H
#define HV_MTRR_H

#include <stdbool.h>
#include <stdint.h>

#define MTRR_MAX_VAR 32

/* Raw MSR values. The SMRR (IA32_SMRR_PHYSBASE/PHYSMASK, 0x1F2/0x1F3) is
 * deliberately absent: it is not a variable MTRR (SDM Vol. 3A §12.11.2.4)
 * and must not be copied into var_base/var_mask. */
struct mtrr_snapshot {
	uint64_t mtrrcap;   /* IA32_MTRRCAP (0xFE): VCNT bits 7:0, FIX bit 8, WC bit 10, SMRR bit 11 */
	uint64_t def_type;  /* IA32_MTRR_DEF_TYPE (0x2FF): type bits 7:0, FE bit 10, E bit 11 */
	uint64_t fixed[11]; /* FIX64K_00000 (0x250), FIX16K_80000 (0x258), FIX16K_A0000 (0x259),
	                     * FIX4K_C0000..FIX4K_F8000 (0x268..0x26F), in that order */
	uint64_t var_base[MTRR_MAX_VAR], var_mask[MTRR_MAX_VAR]; /* IA32_MTRR_PHYSBASEn/PHYSMASKn
	                                                           * (0x200 + 2n, 0x201 + 2n); mask bit 11 = V */
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0]; 0 = unknown (36 assumed) */
};

/* Memory type encodings (SDM Vol. 3A §12.11.2, table "Memory Types That Can
 * Be Encoded in MTRRs"); EPT uses the same values (SDM Vol. 3C §29.3.7.2). */
enum { MEM_UC = 0, MEM_WC = 1, MEM_WT = 4, MEM_WP = 5, MEM_WB = 6 };

/* Memory type of [base, base+size). Returns true and *type when the whole
 * range has one type, false when it is mixed (or size is 0, or the range
 * wraps past 2^64). A reserved type value in an MSR (2, 3, 7..255, which
 * WRMSR would have refused) reads as UC. Cost does not grow with size: a
 * 1 GB range costs about as much as a 4 KB one. */
bool mtrr_range_type(const struct mtrr_snapshot *m, uint64_t base, uint64_t size, uint8_t *type);

/* Memory type of the byte at addr (always defined: one address has one type). */
uint8_t mtrr_type(const struct mtrr_snapshot *m, uint64_t addr);

/* Is msr one of the MTRR MSRs a WRMSR changes (IA32_MTRR_DEF_TYPE, the 11
 * fixed-range MSRs, PHYSBASEn/PHYSMASKn for n < VCNT; not IA32_MTRRCAP,
 * which is read-only)? */
bool mtrr_is_msr(const struct mtrr_snapshot *m, uint32_t msr);

/* A guest's WRMSR to an MTRR MSR, as the processor would take it: false
 * when it raises #GP (SDM Vol. 3A §12.11.2: a reserved bit set, an
 * undefined memory type, a fixed range or WC when MTRRCAP lacks it), else
 * the snapshot holds the new value. */
bool mtrr_write(struct mtrr_snapshot *m, uint32_t msr, uint64_t value);

#endif
