/* VM-entry checks in software: the checks a processor makes on the VMX
 * controls, the host-state area and the guest-state area before it loads
 * the guest, run on a struct vmcs_image before the first VMLAUNCH. A failed
 * hardware check ends in "VM-entry failure due to invalid guest state" or
 * VM-instruction error 7/8 with no hint of which field is wrong; this module
 * names the first rule broken, in words.
 *
 * Section numbers follow SDM Vol. 3C, Dec 2022 edition, Chapter 27 "VM
 * Entries" (older editions number it Chapter 26: §27.2.1 there is §26.2.1).
 * Every citation in entry_checks*.c and test_entry_checks.c uses this
 * edition.
 *
 * Pure: no privileged instructions, no libc; the capability MSRs come in a
 * snapshot. Checks that need guest memory (MSR-load areas, the VMCS link
 * pointer's target, PDPTEs without EPT) or fields absent from
 * VMCS_FIELD_LIST are not made; see entry_checks.c for the list. */
#ifndef HV_ENTRY_CHECKS_H
#define HV_ENTRY_CHECKS_H

#include "vmcs_fields.h"
#include "vmx_caps.h"

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct entry_check_env {
	const struct vmx_msr_snapshot *msrs;
	unsigned maxphyaddr; /* CPUID 0x80000008 EAX[7:0]; physical-address checks use it (0: 36) */
};

/* Enough for every message this module writes. */
#define ENTRY_CHECK_MSG_MAX 192

/* Returns NULL when every implemented check passes, else the first failure
 * in words (written to buf, cap bytes, truncated if short). Order: controls
 * (§27.2.1), host state (§27.2.2, §27.2.3), guest state (§27.3.1). With no
 * buffer (buf NULL or cap 0) a failure returns a fixed string instead. */
const char *vmentry_check(const struct vmcs_image *img, const struct entry_check_env *env, char *buf,
			  size_t cap);

/* ---- internal: shared by entry_checks.c and entry_checks_guest.c ---- */

struct entry_check_ctx {
	const struct vmcs_image *img;
	const struct vmx_msr_snapshot *msrs;
	unsigned maxphyaddr;
	char *buf;
	size_t cap;
	/* Controls as the processor applies them: proc2 is 0 when "activate
	 * secondary controls" is 0 (SDM Vol. 3C §25.6.2: the processor then
	 * "operates as if all the secondary ... controls were 0"). */
	uint32_t pin, proc, proc2, exit, entry;
};


/* EFER bits a VMCS may set: SCE(0), LME(8), LMA(10), NXE(11). */
#define EC_EFER_VALID 0xd01ull


/* Writes the message and returns false, so a check reads
 * "if (bad) return entry_check_fail(c, ...);". */
bool entry_check_fail(struct entry_check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool entry_check_guest(struct entry_check_ctx *c);
/* name's value v against a FIXED0/FIXED1 pair (CR0, CR4). */
bool entry_check_fixed(struct entry_check_ctx *c, const char *name, uint64_t v, uint64_t fixed0, uint64_t fixed1);
/* IA32_PAT: each byte one of UC(0) WC(1) WT(4) WP(5) WB(6) UC-(7). Returns
 * the first bad byte index, or -1 (SDM Vol. 3C §27.2.2, §27.3.1.1). */
int entry_check_bad_pat_byte(uint64_t pat);

/* The rules host and guest state share for the MSR fields (SDM Vol. 3C
 * §27.2.2 host, §27.3.1.1 guest): "The IA32_SYSENTER_ESP field and the
 * IA32_SYSENTER_EIP field must each contain a canonical address"; if the
 * PAT is loaded, each entry a valid memory type; if EFER is loaded, its
 * reserved bits 0. The EFER.LMA/LME rules differ (host address-space size
 * vs IA-32e mode guest) and stay with each caller. */
enum entry_check_side { EC_HOST, EC_GUEST };
bool entry_check_msr_fields(struct entry_check_ctx *c, enum entry_check_side side, bool load_pat, bool load_efer);

static inline uint64_t ec_get(const struct entry_check_ctx *c, enum vmcs_field f)
{
	return vmcs_image_get(c->img, f);
}

static inline uint32_t ec_get32(const struct entry_check_ctx *c, enum vmcs_field f)
{
	return (uint32_t)vmcs_image_get(c->img, f);
}

/* 48-bit canonical: bits 63:47 all equal. Stricter than a processor with
 * 57-bit linear addresses, which the hypervisor does not use. */
static inline bool ec_canonical(uint64_t v)
{
	uint64_t top = v >> 47;
	return top == 0 || top == 0x1ffff;
}

/* No bit at or above MAXPHYADDR set. */
static inline bool ec_phys_ok(const struct entry_check_ctx *c, uint64_t addr)
{
	return c->maxphyaddr >= 64 || (addr >> c->maxphyaddr) == 0;
}

#endif
