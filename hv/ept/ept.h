/* EPT paging structures: a 4-level identity map GPA -> HPA (SDM Vol. 3C §29.3,
 * The Extended Page Table Mechanism). Pure: page memory comes through
 * callbacks and memory types from an MTRR snapshot, so the same file builds
 * into hv.efi and into the host unit tests. Not thread-safe: one builder at
 * a time; INVEPT after changes is the caller's job. */
#ifndef HV_EPT_H
#define HV_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "identity_map.h" /* struct ept_ops */
#include "mtrr.h"


struct ept {
	uint64_t *pml4;
	uint64_t pml4_phys;
	struct ept_ops ops;
	unsigned tables; /* pages used */
};

/* Access rights, bits 2:0 of an EPT entry (SDM Vol. 3C §29.3.2). */
enum { EPT_READ = 1, EPT_WRITE = 2, EPT_EXEC = 4, EPT_RWX = 7 };

#define EPT_PAGE_4K (1ull << 12)
#define EPT_PAGE_2M (1ull << 21)
#define EPT_PAGE_1G (1ull << 30)

/* Identity-maps [0, top) RWX with memory types from the MTRRs: 1 GB pages
 * where allowed (use_1gb) and the range's type is uniform, else 2 MB, else
 * 4 KB tables, only where needed. top: a nonzero multiple of 1 GB, at most
 * 2^48 (4-level EPT) and at most 2^MAXPHYADDR (m->maxphyaddr; 0 = 36).
 * Returns 0, or -1 when out of memory or an argument is bad. After -1 the
 * tables are incomplete and must not be used; ept->tables says how many
 * pages were taken (there is no free callback: the caller's allocator owns
 * them). */
int ept_build_identity(struct ept *ept, const struct ept_ops *ops, const struct mtrr_snapshot *m, uint64_t top,
		       bool use_1gb);

/* Identity-maps the 1 GB region holding gpa, as ept_build_identity would
 * have (1 GB page, else 2 MB, else 4 KB, types from the MTRRs), when no
 * entry maps it yet: for addresses beyond the eagerly built map (64-bit
 * BARs far above RAM) on the first EPT violation there. Returns 1 when it
 * mapped the region now, 0 when the region was already mapped (the
 * violation has another cause), -1 when gpa is beyond 2^MAXPHYADDR or the
 * 48-bit EPT range, or out of memory (nothing is left half-built: the new
 * tables are linked in only when complete). New entries go from not
 * present to present, which needs no INVEPT: the EPT violation itself
 * invalidated what the processor had cached for gpa (SDM Vol. 3C
 * §29.4.3.1). Not thread-safe: the caller serializes. */
int ept_map_region(struct ept *ept, const struct mtrr_snapshot *m, uint64_t gpa, bool use_1gb);

/* After the MTRRs changed (a guest's WRMSR): gives every leaf the memory
 * type m now gives its range, splitting a large page whose range is no
 * longer of one type (permissions kept). Large pages are not merged back.
 * Returns the number of leaves whose type changed, or -1 when a split ran
 * out of memory (that page then gets UC, which is never wrong for
 * correctness, only slow). The caller does INVEPT on every processor. */
int ept_refresh_types(struct ept *ept, const struct mtrr_snapshot *m);

/* Sets the permissions of [base, base+size) (both 4 KB aligned, size > 0),
 * splitting large pages (keeping their memory type) only where needed.
 * perms 0 = no access (used to hide the hypervisor's own memory from the
 * guest). Write without read is refused (an EPT misconfiguration, SDM Vol. 3C
 * §29.3.3.1); execute-only (EPT_EXEC) is accepted and is the caller's to
 * check against IA32_VMX_EPT_VPID_CAP bit 0. Returns 0, or -1 (bad argument,
 * range not all mapped, or out of memory; the pages before the failing one
 * have their new permissions, the mapping stays valid). The caller does
 * INVEPT afterwards. */
int ept_set_permissions(struct ept *ept, uint64_t base, uint64_t size, unsigned perms);

/* Walks the tables: returns false when gpa is not mapped (or not present:
 * perms 0), else fills hpa, perms, memtype, page_size (4K/2M/1G). Any output
 * pointer may be NULL. */
bool ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *perms, uint8_t *memtype,
		   uint64_t *page_size);

/* EPTP for VMCS_EPT_POINTER (SDM Vol. 3C §25.6.11): WB paging-structure
 * memory type (6), page-walk length 4 (encoded 3 in bits 5:3), A/D flag
 * bit 6 if ad, PML4 phys. The caller checks IA32_VMX_EPT_VPID_CAP for WB
 * (bit 14), 4-level walks (bit 6) and A/D (bit 21). */
uint64_t ept_pointer(const struct ept *ept, bool ad);

#endif
