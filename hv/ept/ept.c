/* EPT identity map builder (SDM Vol. 3C §29.3). Pure: tables come from
 * ept_ops, memory types from an MTRR snapshot. See ept.h for the interface.
 *
 * Invariants the code relies on:
 *  - a PML4E, or a PDPTE/PDE without bit 7, that is 0 maps nothing; every
 *    other non-leaf entry is "next table | RWX";
 *  - a leaf keeps its address and memory type even with permissions 0, so
 *    giving the permissions back needs no MTRR lookup. The processor does
 *    not look at them then (SDM Vol. 3C §29.3.2: a not-present entry's
 *    "bits 62:3" are ignored);
 *  - a page table (level 1) is always full: it is created either for a 2 MB
 *    region inside [0, top) or by splitting a 2 MB page. An entry that reads
 *    0 there is the page at GPA 0 with type UC and permissions 0, not a hole
 *    (an identity map has address 0 only at GPA 0). */
#include "ept.h"
#include "identity_map.h"

#include <stddef.h>

#define EPT_ENTRIES      512
#define EPT_LEVELS       4 /* PML4 = 4, PDPT = 3, PD = 2, PT = 1 */

/* EPT entry fields (SDM Vol. 3C §29.3.2, the EPT entry format tables). */
#define EPTE_PERMS       0x7ull                /* bits 2:0: read, write, execute */
#define EPTE_MEMTYPE_SHIFT 3
#define EPTE_MEMTYPE     (0x7ull << 3)         /* bits 5:3, leaves only */
#define EPTE_IGNORE_PAT  (1ull << 6)           /* leaves only; we never set it */
#define EPTE_LARGE       (1ull << 7)           /* PDPTE/PDE: maps a 1 GB/2 MB page */
#define EPTE_ADDR        0x000ffffffffff000ull /* bits 51:12 */

/* EPTP (SDM Vol. 3C §25.6.11). */
#define EPTP_MEMTYPE_WB  6ull
#define EPTP_WALK_4      (3ull << 3) /* "This value is 1 less than the EPT page-walk length" */
#define EPTP_AD          (1ull << 6)

static unsigned level_shift(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

static uint64_t level_size(int level)
{
	return 1ull << level_shift(level);
}

static unsigned index_at(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> level_shift(level)) & (EPT_ENTRIES - 1);
}

static uint64_t *table_of(const struct ept *ept, uint64_t entry)
{
	return ept->ops.phys_to_virt(ept->ops.ctx, entry & EPTE_ADDR);
}

static uint64_t *new_table(struct ept *ept, uint64_t *phys)
{
	return identity_map_new_table(&ept->ops, &ept->tables, phys);
}

/* A leaf: permissions, memory type, bit 7 for 1 GB/2 MB pages (in a PTE bit 7
 * is ignored, so it stays 0), address. Bit 6 (ignore PAT) stays 0: SDM Vol.
 * 3C §29.3.7.2: "If the value is 0, the effective memory type is the
 * combination of the EPT memory type and the PAT memory type specified in
 * Table 12-7 in Section 12.5.2.2, using the EPT memory type in place of the
 * MTRR memory type." That keeps the guest's own PAT (and its UC-/WC choices)
 * working, exactly as the MTRRs would have combined with it without EPT. */
static uint64_t make_leaf(uint64_t addr, uint64_t perms, uint8_t type, int level)
{
	return (addr & EPTE_ADDR) | ((uint64_t)type << EPTE_MEMTYPE_SHIFT) | perms |
	       (level > 1 ? EPTE_LARGE : 0);
}

/* A non-leaf entry: bits 7:3 of a PML4E, PDPTE or PDE that references a
 * table are reserved, so only RWX and the address. An access is allowed
 * only if every entry on the walk allows it (SDM Vol. 3C §29.3.3.2), so RWX
 * on every non-leaf entry leaves the decision to the leaf alone. */
static uint64_t make_table_entry(uint64_t phys)
{
	return (phys & EPTE_ADDR) | EPT_RWX;
}

/* Entries of live tables are changed with one 64-bit store, after the table
 * it points to is complete, so a walk on another CPU sees the old or the new
 * mapping, never a half-built one (SDM Vol. 3C §29.4.3 still requires INVEPT
 * before the change is certain to be seen). */
static void set_entry(uint64_t *slot, uint64_t value)
{
	__atomic_store_n(slot, value, __ATOMIC_RELEASE);
}

/* ---- building ---- */

struct build {
	struct ept *ept;
	const struct mtrr_snapshot *m;
	uint64_t top;
	bool use_1gb;
};

/* Fills the level-`level` table covering [base, base + 512 * level_size)
 * for the part below top. A leaf is used where the level allows large pages
 * and the MTRRs give the whole region one type: SDM Vol. 3C §29.3.7.2: "the
 * memory type used for an access to a guest-physical address" comes from
 * "bits 5:3 of the last EPT paging-structure entry" and "The MTRRs have no
 * effect on the memory type used for an access to a guest-physical address",
 * so a large page across an MTRR boundary would give part of it the wrong
 * type; there the region gets a table of smaller pages, each with its own
 * type. */
static int fill_identity(const struct build *b, uint64_t *table, int level, uint64_t base)
{
	uint64_t size = level_size(level);
	/* Large pages exist only at the PDPT (1 GB, if the CPU has them) and
	 * the PD (2 MB) levels; a PML4E always references a PDPT. */
	bool large_ok = level == 2 || (level == 3 && b->use_1gb);
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t a = base + (uint64_t)i * size;
		if (a >= b->top)
			break;
		uint8_t type;
		if (level == 1) {
			table[i] = make_leaf(a, EPT_RWX, mtrr_type(b->m, a), 1);
			continue;
		}
		if (large_ok && mtrr_range_type(b->m, a, size, &type)) {
			table[i] = make_leaf(a, EPT_RWX, type, level);
			continue;
		}
		uint64_t phys;
		uint64_t *child = new_table(b->ept, &phys);
		if (child == NULL || fill_identity(b, child, level - 1, a) < 0)
			return -1;
		table[i] = make_table_entry(phys);
	}
	return 0;
}

int ept_build_identity(struct ept *ept, const struct ept_ops *ops, const struct mtrr_snapshot *m, uint64_t top,
		       bool use_1gb)
{
	if (ept == NULL || !identity_map_ops_ok(ops) || m == NULL)
		return -1;
	*ept = (struct ept){ .ops = *ops };
	if (!identity_map_top_ok(top, m->maxphyaddr))
		return -1;
	struct build b = { .ept = ept, .m = m, .top = top, .use_1gb = use_1gb };
	uint64_t phys;
	uint64_t *pml4 = new_table(ept, &phys);
	if (pml4 == NULL)
		return -1;
	ept->pml4 = pml4;
	ept->pml4_phys = phys;
	return fill_identity(&b, pml4, EPT_LEVELS, 0);
}

int ept_map_region(struct ept *ept, const struct mtrr_snapshot *m, uint64_t gpa, bool use_1gb)
{
	if (ept == NULL || ept->pml4 == NULL || m == NULL)
		return -1;
	if (gpa >= identity_map_reach(m->maxphyaddr))
		return -1;
	uint64_t base = gpa & ~(EPT_PAGE_1G - 1);
	struct build b = { .ept = ept, .m = m, .top = base + EPT_PAGE_1G, .use_1gb = use_1gb };
	uint64_t *pml4e = &ept->pml4[index_at(base, 4)];
	uint64_t *pdpt, phys = 0; /* set when new_pdpt */
	bool new_pdpt = *pml4e == 0;
	if (new_pdpt) {
		if ((pdpt = new_table(ept, &phys)) == NULL)
			return -1;
	} else {
		pdpt = table_of(ept, *pml4e);
	}
	uint64_t *slot = &pdpt[index_at(base, 3)];
	if (*slot != 0)
		return 0;
	uint8_t type;
	uint64_t entry;
	if (use_1gb && mtrr_range_type(m, base, EPT_PAGE_1G, &type)) {
		entry = make_leaf(base, EPT_RWX, type, 3);
	} else {
		uint64_t pd_phys;
		uint64_t *pd = new_table(ept, &pd_phys);
		if (pd == NULL || fill_identity(&b, pd, 2, base) < 0)
			return -1;
		entry = make_table_entry(pd_phys);
	}
	set_entry(slot, entry);
	if (new_pdpt)
		set_entry(pml4e, make_table_entry(phys));
	return 1;
}

/* ---- memory types after an MTRR write ---- */

static int split_large(struct ept *ept, uint64_t *slot, int level);

static int refresh_table(struct ept *ept, const struct mtrr_snapshot *m, uint64_t *table, int level, uint64_t base)
{
	int changed = 0, failed = 0;
	uint64_t size = level_size(level);
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t e = table[i], a = base + (uint64_t)i * size;
		bool leaf = level == 1 || (level < EPT_LEVELS && (e & EPTE_LARGE));
		if (e == 0 && level > 1)
			continue; /* nothing mapped here (a PT entry of 0 is GPA 0, see above) */
		if (!leaf) {
			int r = refresh_table(ept, m, table_of(ept, e), level - 1, a);
			failed |= r < 0;
			changed += r < 0 ? 0 : r;
			continue;
		}
		uint8_t type = MEM_UC;
		if (level > 1 && !mtrr_range_type(m, a, size, &type)) {
			if (split_large(ept, &table[i], level) == 0) {
				int r = refresh_table(ept, m, table_of(ept, table[i]), level - 1, a);
				failed |= r < 0;
				changed += r < 0 ? 1 : r;
				continue;
			}
			failed = 1; /* out of memory: UC for the whole page */
			type = MEM_UC;
		} else if (level == 1) {
			type = mtrr_type(m, a);
		}
		uint64_t n = (e & ~EPTE_MEMTYPE) | ((uint64_t)type << EPTE_MEMTYPE_SHIFT);
		if (n != e) {
			set_entry(&table[i], n);
			changed++;
		}
	}
	return failed ? -1 : changed;
}

int ept_refresh_types(struct ept *ept, const struct mtrr_snapshot *m)
{
	if (ept == NULL || ept->pml4 == NULL || m == NULL)
		return -1;
	return refresh_table(ept, m, ept->pml4, EPT_LEVELS, 0);
}

/* ---- changing permissions ---- */

/* Replaces the large page in *slot (level 3 or 2) with a table of 512
 * smaller pages that reproduce it: same address range, same permissions,
 * same memory type. The caller then changes only what must change. Returns
 * -1 when out of memory, with *slot untouched. */
static int split_large(struct ept *ept, uint64_t *slot, int level)
{
	uint64_t e = *slot;
	uint64_t phys;
	uint64_t *child = new_table(ept, &phys);
	if (child == NULL)
		return -1;
	uint64_t base = e & EPTE_ADDR & ~(level_size(level) - 1);
	uint64_t perms = e & EPTE_PERMS;
	uint8_t type = (uint8_t)((e & EPTE_MEMTYPE) >> EPTE_MEMTYPE_SHIFT);
	uint64_t ipat = e & EPTE_IGNORE_PAT;
	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		child[i] = make_leaf(base + (uint64_t)i * level_size(level - 1), perms, type, level - 1) | ipat;
	set_entry(slot, make_table_entry(phys));
	return 0;
}

/* Gives the permissions to the page containing a (and, for a large page
 * wholly inside [a, end), to all of it). Returns how many bytes from a are
 * done, 0 when a is not mapped or a split ran out of memory. */
static uint64_t set_one(struct ept *ept, uint64_t a, uint64_t end, unsigned perms)
{
	uint64_t *table = ept->pml4;
	for (int level = EPT_LEVELS;; level--) {
		uint64_t *slot = &table[index_at(a, level)];
		uint64_t e = *slot;
		if (level == 1) {
			set_entry(slot, (e & ~EPTE_PERMS) | perms);
			return EPT_PAGE_4K;
		}
		if (e == 0)
			return 0; /* beyond top: not mapped */
		if (level == EPT_LEVELS || !(e & EPTE_LARGE)) {
			table = table_of(ept, e);
			continue;
		}
		uint64_t size = level_size(level);
		uint64_t page_end = (a & ~(size - 1)) + size;
		uint64_t stop = end < page_end ? end : page_end;
		/* Nothing to change on this large page: no split needed. */
		if ((e & EPTE_PERMS) == perms)
			return stop - a;
		if ((a & (size - 1)) == 0 && stop == page_end) {
			set_entry(slot, (e & ~EPTE_PERMS) | perms);
			return size;
		}
		if (split_large(ept, slot, level) < 0)
			return 0;
		table = table_of(ept, *slot);
	}
}

int ept_set_permissions(struct ept *ept, uint64_t base, uint64_t size, unsigned perms)
{
	if (ept == NULL || ept->pml4 == NULL || perms > EPT_RWX)
		return -1;
	/* SDM Vol. 3C §29.3.3.1: an EPT misconfiguration occurs when "Bit 0 of
	 * the entry is clear (indicating that data reads are not allowed) and
	 * bit 1 is set (indicating that data writes are allowed)". Refused here
	 * rather than found at the guest's next access. */
	if ((perms & EPT_WRITE) && !(perms & EPT_READ))
		return -1;
	if (size == 0 || ((base | size) & (EPT_PAGE_4K - 1)))
		return -1;
	uint64_t end = base + size;
	if (end < base || end > IDENTITY_MAP_LIMIT)
		return -1;
	for (uint64_t a = base; a < end;) {
		uint64_t done = set_one(ept, a, end, perms);
		if (done == 0)
			return -1;
		a += done;
	}
	return 0;
}

/* ---- walking ---- */

bool ept_translate(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *perms, uint8_t *memtype,
		   uint64_t *page_size)
{
	if (ept == NULL || ept->pml4 == NULL || gpa >= IDENTITY_MAP_LIMIT)
		return false;
	const uint64_t *table = ept->pml4;
	for (int level = EPT_LEVELS;; level--) {
		uint64_t e = table[index_at(gpa, level)];
		bool leaf = level == 1 || (level < EPT_LEVELS && (e & EPTE_LARGE));
		/* SDM Vol. 3C §29.3.2: "An EPT paging-structure entry is present
		 * if any of bits 2:0 is 1; otherwise, the entry is not present." */
		if ((e & EPTE_PERMS) == 0)
			return false;
		if (!leaf) {
			table = table_of(ept, e);
			continue;
		}
		uint64_t size = level_size(level);
		if (hpa)
			*hpa = (e & EPTE_ADDR & ~(size - 1)) | (gpa & (size - 1));
		if (perms)
			*perms = (unsigned)(e & EPTE_PERMS);
		if (memtype)
			*memtype = (uint8_t)((e & EPTE_MEMTYPE) >> EPTE_MEMTYPE_SHIFT);
		if (page_size)
			*page_size = size;
		return true;
	}
}

uint64_t ept_pointer(const struct ept *ept, bool ad)
{
	if (ept == NULL)
		return 0;
	/* SDM Vol. 3C §25.6.11: bits 2:0 the memory type for the paging
	 * structures (6 = WB), bits 5:3 the page-walk length minus 1, bit 6
	 * enables accessed and dirty flags, bits N-1:12 the PML4 address. */
	return (ept->pml4_phys & EPTE_ADDR) | EPTP_MEMTYPE_WB | EPTP_WALK_4 | (ad ? EPTP_AD : 0);
}
