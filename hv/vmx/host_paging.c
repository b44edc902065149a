#include "host_paging.h"

#include "../ept/identity_map.h"

#include <stddef.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define ENTRIES 512

static uint64_t level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }
static unsigned index_at(uint64_t va, int level) { return (unsigned)(va >> (12 + 9 * (level - 1))) & 511; }

static uint64_t *new_table(struct host_paging *hp, uint64_t *phys)
{
	return identity_map_new_table(&hp->ops, &hp->tables, phys);
}

static uint64_t *table_of(const struct host_paging *hp, uint64_t e) { return hp->ops.phys_to_virt(hp->ops.ctx, e & PTE_ADDR); }

static uint64_t leaf(uint64_t a, int level) { return a | PTE_P | PTE_W | (level > 1 ? PTE_PS : 0); }

/* Fills the level-`level` table covering [base, base + 512 * size) below top. */
static int fill(struct host_paging *hp, const struct mtrr_snapshot *m, uint64_t *table, int level, uint64_t base,
		uint64_t top, bool use_1gb)
{
	uint64_t size = level_size(level);
	bool large_ok = level == 2 || (level == 3 && use_1gb);
	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t a = base + (uint64_t)i * size;
		uint8_t type;
		if (a >= top)
			break;
		if (level == 1 || (large_ok && mtrr_range_type(m, a, size, &type))) {
			table[i] = leaf(a, level);
			continue;
		}
		uint64_t phys;
		uint64_t *child = new_table(hp, &phys);
		if (child == NULL || fill(hp, m, child, level - 1, a, top, use_1gb) < 0)
			return -1;
		table[i] = phys | PTE_P | PTE_W;
	}
	return 0;
}

int host_paging_build(struct host_paging *hp, const struct ept_ops *ops, const struct mtrr_snapshot *m,
		      uint64_t top, bool use_1gb)
{
	if (hp == NULL || !identity_map_ops_ok(ops) || m == NULL || !identity_map_top_ok(top, m->maxphyaddr))
		return -1;
	*hp = (struct host_paging){ .ops = *ops };
	uint64_t cr3;
	hp->pml4 = new_table(hp, &cr3);
	hp->cr3 = hp->pml4 ? cr3 : 0;
	return hp->pml4 ? fill(hp, m, hp->pml4, 4, 0, top, use_1gb) : -1;
}

/* Splits the large page at *slot (level 3 or 2) into smaller ones, built
 * by fill() so that they are split further where needed; the new table is
 * linked in only when complete (one 64-bit store). */
static int split(struct host_paging *hp, const struct mtrr_snapshot *m, uint64_t *slot, int level)
{
	uint64_t base = *slot & PTE_ADDR & ~(level_size(level) - 1), phys;
	uint64_t *child = new_table(hp, &phys);
	if (child == NULL || fill(hp, m, child, level - 1, base, base + level_size(level), false) < 0)
		return -1;
	__atomic_store_n(slot, phys | PTE_P | PTE_W, __ATOMIC_RELEASE);
	return 0;
}

static int refresh(struct host_paging *hp, const struct mtrr_snapshot *m, uint64_t *table, int level, uint64_t base)
{
	int split_count = 0, failed = 0;
	for (unsigned i = 0; i < ENTRIES && level > 1; i++) {
		uint64_t e = table[i], a = base + (uint64_t)i * level_size(level);
		uint8_t type;
		if (!(e & PTE_P))
			continue;
		if (level < 4 && (e & PTE_PS)) {
			if (mtrr_range_type(m, a, level_size(level), &type))
				continue;
			if (split(hp, m, &table[i], level) < 0)
				failed = 1;
			else
				split_count++;
			continue;
		}
		int r = refresh(hp, m, table_of(hp, e), level - 1, a);
		failed |= r < 0;
		split_count += r < 0 ? 0 : r;
	}
	return failed ? -1 : split_count;
}

int host_paging_refresh(struct host_paging *hp, const struct mtrr_snapshot *m)
{
	if (hp == NULL || hp->pml4 == NULL || m == NULL)
		return -1;
	return refresh(hp, m, hp->pml4, 4, 0);
}

uint64_t host_paging_page_size(const struct host_paging *hp, uint64_t va)
{
	const uint64_t *table = hp->pml4;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = table[index_at(va, level)];
		if (!(e & PTE_P))
			return 0;
		if (level == 1 || (level < 4 && (e & PTE_PS)))
			return (e & PTE_ADDR & ~(level_size(level) - 1)) == (va & ~(level_size(level) - 1)) ? level_size(level)
													       : 0;
		table = table_of(hp, e);
	}
	return 0;
}
