/* The host's page tables: an identity map of [0, top) for the hypervisor
 * in VMX root operation (HOST_CR3), 4-level. A large page gets one memory
 * type from the MTRRs, and "if a large page maps a region with more than
 * one memory type, the processor's behaviour is undefined" (SDM Vol. 3A
 * §12.11.9, "Large Page Size Considerations"): so, like the EPT builder,
 * a 1 GB or 2 MB page is used only where the MTRRs give its whole range
 * one type, else a table of smaller pages. Entries are present, writable,
 * supervisor, with PAT/PCD/PWT 0 (PAT entry 0, WB: the MTRR type is the
 * memory type). Pure: pages come through struct ept_ops. */
#ifndef HV_HOST_PAGING_H
#define HV_HOST_PAGING_H

#include "../ept/ept.h"
#include "../ept/mtrr.h"

#include <stdbool.h>
#include <stdint.h>

struct host_paging {
	uint64_t *pml4;
	uint64_t cr3;       /* physical address of the PML4 */
	struct ept_ops ops;
	unsigned tables;    /* pages used */
};

/* Builds the map (top: a nonzero multiple of 1 GB, at most 2^48 and
 * 2^MAXPHYADDR). use_1gb: the processor has 1 GB pages (CPUID
 * 0x80000001:EDX[26]). Returns 0, or -1 on a bad argument or out of
 * memory. */
int host_paging_build(struct host_paging *hp, const struct ept_ops *ops, const struct mtrr_snapshot *m,
		      uint64_t top, bool use_1gb);

/* After the MTRRs changed: splits every large page whose range is no
 * longer of one type. Returns how many were split, or -1 when out of
 * memory (that page stays as it was). Each processor then reloads CR3. */
int host_paging_refresh(struct host_paging *hp, const struct mtrr_snapshot *m);

/* The leaf mapping va: its size (4 KB, 2 MB, 1 GB), 0 when unmapped. */
uint64_t host_paging_page_size(const struct host_paging *hp, uint64_t va);

#endif
