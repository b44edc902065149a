/* What the EPT (ept.c) and the host's page tables (vmx/host_paging.c)
 * share: both are 4-level identity maps of [0, top) whose tables come
 * through struct ept_ops, so both have the same reach, the same valid tops
 * and the same way of taking a table. Pure; includes nothing of ept.h
 * (which includes this). */
#ifndef HV_IDENTITY_MAP_H
#define HV_IDENTITY_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ept_ops {                       /* memory for tables; identity-mapped in hv.efi, malloc-backed in tests */
	void *(*alloc_page)(void *ctx);    /* zeroed, 4 KB aligned, NULL when out of memory */
	uint64_t (*virt_to_phys)(void *ctx, const void *virt);
	void *(*phys_to_virt)(void *ctx, uint64_t phys);
	void *ctx;
};

/* With four levels an address has 48 bits: the PML4 index is bits 47:39
 * (SDM Vol. 3A §5.5; for EPT Vol. 3C §29.3.2). */
#define IDENTITY_MAP_LIMIT (1ull << 48)

/* Bits 51:12 of a paging or EPT entry: the physical address. */
#define IDENTITY_MAP_ADDR 0x000ffffffffff000ull

/* How far a map may reach: address bits at or above MAXPHYADDR are
 * reserved in an entry (SDM Vol. 3C §29.3.3.1; Vol. 3A §5.5.5), so the
 * map ends at 2^MAXPHYADDR, and at 2^48. maxphyaddr 0 means unknown: 36
 * bits, as the MTRR resolver assumes too (SDM Vol. 3A §12.11.2.3). */
static inline uint64_t identity_map_reach(unsigned maxphyaddr)
{
	if (maxphyaddr == 0)
		maxphyaddr = 36;
	return maxphyaddr >= 48 ? IDENTITY_MAP_LIMIT : 1ull << maxphyaddr;
}

/* A map's top: a nonzero multiple of 1 GB within the reach. */
static inline bool identity_map_top_ok(uint64_t top, unsigned maxphyaddr)
{
	const uint64_t gb = 1ull << 30;
	return top != 0 && (top & (gb - 1)) == 0 && top <= identity_map_reach(maxphyaddr);
}

static inline bool identity_map_ops_ok(const struct ept_ops *ops)
{
	return ops != NULL && ops->alloc_page != NULL && ops->virt_to_phys != NULL && ops->phys_to_virt != NULL;
}

/* A new zeroed table, counted in *tables. Its physical address must fit
 * bits 51:12 of an entry: low bits there would be permissions or reserved
 * bits, so a table that does not is refused (NULL, still counted: the
 * caller's allocator owns it). */
static inline uint64_t *identity_map_new_table(const struct ept_ops *ops, unsigned *tables, uint64_t *phys)
{
	uint64_t *t = ops->alloc_page(ops->ctx);
	if (t == NULL)
		return NULL;
	(*tables)++;
	*phys = ops->virt_to_phys(ops->ctx, t);
	return (*phys & ~IDENTITY_MAP_ADDR) ? NULL : t;
}

#endif
