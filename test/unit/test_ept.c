/* EPT identity map builder (SDM Vol. 3C §29.3) on host memory: tables come
 * from aligned_alloc with virt == phys, so entries can be checked bit by
 * bit. Every test also walks all tables and checks that no reserved or
 * ignored bit is set and that every leaf maps its GPA to the same HPA. */
#include <stdlib.h>

#include "hv/ept/ept.h"
#include "unit.h"

#define KB(x) ((uint64_t)(x) << 10)
#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

#define DEF_FE (1ull << 10)
#define DEF_E  (1ull << 11)

/* ---- malloc-backed pages ---- */

struct pool {
	void **pages;
	unsigned count, cap;
	unsigned limit; /* 0 = no limit; else fail the allocation after limit pages */
};

static void *pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	if (p->limit && p->count >= p->limit)
		return NULL;
	if (p->count == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->pages = realloc(p->pages, p->cap * sizeof(*p->pages));
		if (!p->pages)
			abort();
	}
	void *page = aligned_alloc(4096, 4096);
	if (!page)
		abort();
	memset(page, 0, 4096);
	p->pages[p->count++] = page;
	return page;
}

static uint64_t pool_v2p(void *ctx, const void *virt)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)virt;
}

static void *pool_p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void pool_free(struct pool *p)
{
	for (unsigned i = 0; i < p->count; i++)
		free(p->pages[i]);
	free(p->pages);
	memset(p, 0, sizeof(*p));
}

static struct ept_ops ops_for(struct pool *p)
{
	struct ept_ops ops = { pool_alloc, pool_v2p, pool_p2v, p };
	return ops;
}

/* ---- MTRR fixtures ---- */

static uint64_t fixed_all(uint8_t t)
{
	return 0x0101010101010101ull * t;
}

static void set_var(struct mtrr_snapshot *m, unsigned n, uint64_t base, uint64_t size, uint8_t type)
{
	m->var_base[n] = base | type;
	m->var_mask[n] = (((1ull << m->maxphyaddr) - 1) & ~(size - 1)) | (1ull << 11);
}

static struct mtrr_snapshot all_wb(unsigned maxphyaddr)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = maxphyaddr;
	m.mtrrcap = 8 | (1u << 8);
	m.def_type = DEF_E | MEM_WB;
	return m;
}

/* Default UC, WB 0-2 GB and 4-8 GB, fixed WB / UC at 0xA0000 / WP at 0xC0000. */
static struct mtrr_snapshot typical_pc(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 39;
	m.mtrrcap = 10 | (1u << 8) | (1u << 10) | (1u << 11);
	m.def_type = DEF_E | DEF_FE | MEM_UC;
	m.fixed[0] = m.fixed[1] = fixed_all(MEM_WB);
	m.fixed[2] = fixed_all(MEM_UC);
	for (int i = 3; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WP);
	set_var(&m, 0, 0, GB(2), MEM_WB);
	set_var(&m, 1, GB(4), GB(4), MEM_WB);
	return m;
}

/* Default WB, UC 3-4 GB, fixed WB except UC at 0xA0000-0xBFFFF. */
static struct mtrr_snapshot ovmf_like(void)
{
	struct mtrr_snapshot m = all_wb(40);
	m.def_type |= DEF_FE;
	for (int i = 0; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WB);
	m.fixed[2] = fixed_all(MEM_UC);
	set_var(&m, 0, GB(3), GB(1), MEM_UC);
	return m;
}

/* ---- checks ---- */

#define E_ADDR  0x000ffffffffff000ull
#define E_LARGE (1ull << 7)

static unsigned bad_entries, tables_seen;

static bool type_ok(uint64_t e)
{
	unsigned t = (e >> 3) & 7;
	return t == MEM_UC || t == MEM_WC || t == MEM_WT || t == MEM_WP || t == MEM_WB;
}

/* Every entry of the table at `level` (4 = PML4) covering GPA `base`. */
static void walk(const uint64_t *table, int level, uint64_t base)
{
	uint64_t size = 1ull << (12 + 9 * (level - 1));
	tables_seen++;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = table[i], gpa = base + i * size;
		bool ok;
		if (level == 1) {
			/* PTE: RWX, type, address; bits 6 (ignore PAT), 7..11, 52..63 clear */
			ok = (e & ~(E_ADDR | 0x3f)) == 0 && type_ok(e) && (e & E_ADDR) == gpa;
		} else if (e == 0) {
			ok = true; /* nothing mapped */
		} else if (level < 4 && (e & E_LARGE)) {
			ok = (e & ~(E_ADDR | 0x3f | E_LARGE)) == 0 && type_ok(e) && (e & E_ADDR) == gpa;
		} else {
			/* non-leaf: RWX and a table address, bits 7:3 reserved */
			ok = (e & ~E_ADDR) == EPT_RWX;
			if (ok)
				walk((const uint64_t *)(uintptr_t)(e & E_ADDR), level - 1, gpa);
		}
		if (!ok) {
			bad_entries++;
			fprintf(stderr, "bad entry level %d gpa 0x%llx: 0x%llx\n", level, (unsigned long long)gpa,
				(unsigned long long)e);
		}
	}
}

static void check_tables(const struct ept *ept)
{
	bad_entries = tables_seen = 0;
	walk(ept->pml4, 4, 0);
	CHECK_EQ_U64(bad_entries, 0);
	CHECK_EQ_U64(tables_seen, ept->tables);
}

/* translate(gpa) must give identity, these perms/type/page size. */
#define CHECK_MAP(ept, gpa, perms_, type_, size_)                                          \
	do {                                                                               \
		uint64_t hpa_ = 0, ps_ = 0;                                                \
		unsigned p_ = 0;                                                           \
		uint8_t t_ = 0xff;                                                         \
		CHECK(ept_translate(ept, gpa, &hpa_, &p_, &t_, &ps_));                     \
		CHECK_EQ_U64(hpa_, gpa);                                                   \
		CHECK_EQ_U64(p_, perms_);                                                  \
		CHECK_EQ_U64(t_, type_);                                                   \
		CHECK_EQ_U64(ps_, size_);                                                  \
	} while (0)

/* ---- tests ---- */

static void test_uniform(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = all_wb(39);
	/* 512 GB, one type, 1 GB pages: PML4 + one PDPT. */
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(512), true), 0);
	CHECK_EQ_U64(ept.tables, 2);
	CHECK_EQ_U64(ept.pml4_phys, (uint64_t)(uintptr_t)ept.pml4);
	CHECK_MAP(&ept, 0, EPT_RWX, MEM_WB, GB(1));
	CHECK_MAP(&ept, GB(511) + 0x1234, EPT_RWX, MEM_WB, GB(1));
	CHECK(!ept_translate(&ept, GB(512), NULL, NULL, NULL, NULL));
	CHECK(!ept_translate(&ept, 1ull << 48, NULL, NULL, NULL, NULL));
	check_tables(&ept);
	/* EPTP: WB (6), walk length 4 - 1 in bits 5:3, A/D bit 6. */
	CHECK_EQ_U64(ept_pointer(&ept, false), ept.pml4_phys | 6 | (3 << 3));
	CHECK_EQ_U64(ept_pointer(&ept, true), ept.pml4_phys | 6 | (3 << 3) | (1 << 6));
	pool_free(&p);

	/* Without 1 GB pages: PML4 + PDPT + 512 PDs of 2 MB pages. */
	ops = ops_for(&p);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(512), false), 0);
	CHECK_EQ_U64(ept.tables, 514);
	CHECK_MAP(&ept, GB(300) + MB(3), EPT_RWX, MEM_WB, MB(2));
	check_tables(&ept);
	pool_free(&p);

	/* Past 512 GB: a second PDPT; past 2^MAXPHYADDR: refused. */
	ops = ops_for(&p);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(1024), true), -1);
	m.maxphyaddr = 46;
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(1024), true), 0);
	CHECK_EQ_U64(ept.tables, 3);
	CHECK_MAP(&ept, GB(1000), EPT_RWX, MEM_WB, GB(1));
	check_tables(&ept);
	/* Partial PDPT: top 1 GB maps only PDPT entry 0. */
	pool_free(&p);
	ops = ops_for(&p);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(1), true), 0);
	CHECK_MAP(&ept, GB(1) - KB(4), EPT_RWX, MEM_WB, GB(1));
	CHECK(!ept_translate(&ept, GB(1), NULL, NULL, NULL, NULL));
	check_tables(&ept);
	pool_free(&p);
}

/* Typical PC: the first 2 MB needs 4 KB pages (fixed ranges WB/UC/WP), the
 * rest of the first GB is 2 MB WB, every other GB one 1 GB page. */
static void test_typical_pc_map(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = typical_pc();
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), 0);
	CHECK_EQ_U64(ept.tables, 4); /* PML4, PDPT, PD for GB 0, PT for MB 0-2 */
	CHECK_MAP(&ept, 0, EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, 0x9f000, EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, 0xa0000, EPT_RWX, MEM_UC, KB(4));
	CHECK_MAP(&ept, 0xbf000, EPT_RWX, MEM_UC, KB(4));
	CHECK_MAP(&ept, 0xc0000, EPT_RWX, MEM_WP, KB(4));
	CHECK_MAP(&ept, 0xff000, EPT_RWX, MEM_WP, KB(4));
	CHECK_MAP(&ept, MB(1), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, MB(2), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(1) - MB(2), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(1), EPT_RWX, MEM_WB, GB(1));
	CHECK_MAP(&ept, GB(2), EPT_RWX, MEM_UC, GB(1));
	CHECK_MAP(&ept, 0xfee00000, EPT_RWX, MEM_UC, GB(1));
	CHECK_MAP(&ept, GB(4), EPT_RWX, MEM_WB, GB(1));
	CHECK_MAP(&ept, GB(8) - 1, EPT_RWX, MEM_WB, GB(1));
	/* Every 4 KB page of the first 2 MB has exactly the MTRR type. */
	unsigned wrong = 0;
	for (uint64_t a = 0; a < MB(2); a += KB(4)) {
		uint8_t t = 0xff;
		if (!ept_translate(&ept, a, NULL, NULL, &t, NULL) || t != mtrr_type(&m, a))
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	check_tables(&ept);
	pool_free(&p);

	/* No 1 GB pages: 8 PDs. */
	ops = ops_for(&p);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), false), 0);
	CHECK_EQ_U64(ept.tables, 11);
	CHECK_MAP(&ept, GB(2), EPT_RWX, MEM_UC, MB(2));
	CHECK_MAP(&ept, GB(7), EPT_RWX, MEM_WB, MB(2));
	check_tables(&ept);
	pool_free(&p);
}

/* A 1 GB region is split to 2 MB and then 4 KB exactly where the type
 * changes: a 4 KB UC page at 256 MB and a 2 MB UC page at 512 MB in a WB GB. */
static void test_split_where_types_differ(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = ovmf_like();
	set_var(&m, 1, MB(256), KB(4), MEM_UC);
	set_var(&m, 2, MB(512), MB(2), MEM_UC);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(4), true), 0);
	CHECK_EQ_U64(ept.tables, 5); /* PML4, PDPT, PD, PT for MB 0-2, PT for MB 256-258 */
	CHECK_MAP(&ept, MB(256) - KB(4), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, MB(256), EPT_RWX, MEM_UC, KB(4));
	CHECK_MAP(&ept, MB(256) + KB(4), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, MB(258) - KB(4), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, MB(258), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, MB(512), EPT_RWX, MEM_UC, MB(2));
	CHECK_MAP(&ept, MB(514), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, 0xa0000, EPT_RWX, MEM_UC, KB(4));
	CHECK_MAP(&ept, 0xc0000, EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(1), EPT_RWX, MEM_WB, GB(1));
	CHECK_MAP(&ept, GB(3), EPT_RWX, MEM_UC, GB(1));
	check_tables(&ept);
	pool_free(&p);
}

static void test_set_permissions(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = all_wb(39);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(4), true), 0);
	CHECK_EQ_U64(ept.tables, 2);
	/* One 4 KB page in the middle of a 1 GB page: split 1 GB -> 2 MB -> 4 KB
	 * on that path only. */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(1) + MB(2) + KB(4), KB(4), 0), 0);
	CHECK_EQ_U64(ept.tables, 4);
	CHECK(!ept_translate(&ept, GB(1) + MB(2) + KB(4), NULL, NULL, NULL, NULL));
	CHECK(!ept_translate(&ept, GB(1) + MB(2) + KB(8) - 1, NULL, NULL, NULL, NULL));
	CHECK_MAP(&ept, GB(1) + MB(2), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(1) + MB(2) + KB(8), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(1), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(1) + MB(4), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(2) - MB(2), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, 0, EPT_RWX, MEM_WB, GB(1));
	CHECK_MAP(&ept, GB(2), EPT_RWX, MEM_WB, GB(1));
	check_tables(&ept);
	/* Again, and back: no more tables, the page keeps its type. */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(1) + MB(2) + KB(4), KB(4), 0), 0);
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(1) + MB(2) + KB(4), KB(4), EPT_RWX), 0);
	CHECK_EQ_U64(ept.tables, 4);
	CHECK_MAP(&ept, GB(1) + MB(2) + KB(4), EPT_RWX, MEM_WB, KB(4));
	/* Permissions a large page already has: nothing split. */
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), KB(4), EPT_RWX), 0);
	CHECK_EQ_U64(ept.tables, 4);
	/* A whole 1 GB page: changed in place. */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(3), GB(1), EPT_READ | EPT_EXEC), 0);
	CHECK_EQ_U64(ept.tables, 4);
	CHECK_MAP(&ept, GB(3) + 5, EPT_READ | EPT_EXEC, MEM_WB, GB(1));
	/* A range across a 1 GB boundary: [2 GB - 2 MB - 4 KB, 2 GB + 4 MB + 4 KB)
	 * takes 4 KB, 2 MB, 2 MB, 2 MB, 4 KB pieces. */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(2) - MB(2) - KB(4), MB(6) + KB(8), EPT_READ), 0);
	CHECK_EQ_U64(ept.tables, 4 + 1 + 1 + 1); /* PT at GB 2 - 4 MB, PD at GB 2, PT at GB 2 + 4 MB */
	CHECK_MAP(&ept, GB(2) - MB(2) - KB(8), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(2) - MB(2) - KB(4), EPT_READ, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(2) - MB(2), EPT_READ, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(2), EPT_READ, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(2) + MB(2), EPT_READ, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(2) + MB(4), EPT_READ, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(2) + MB(4) + KB(4), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(2) + MB(6), EPT_RWX, MEM_WB, MB(2));
	check_tables(&ept);
	pool_free(&p);

	/* Splits keep the large page's memory type: a UC GB on a typical PC. */
	ops = ops_for(&p);
	m = typical_pc();
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), 0);
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(2) + KB(4), KB(4), EPT_READ), 0);
	CHECK_MAP(&ept, GB(2) + KB(4), EPT_READ, MEM_UC, KB(4));
	CHECK_MAP(&ept, GB(2), EPT_RWX, MEM_UC, KB(4));
	CHECK_MAP(&ept, GB(2) + MB(2), EPT_RWX, MEM_UC, MB(2));
	/* Hiding a page of the 4 KB region in the first MB keeps its WP type. */
	CHECK_EQ_U64(ept_set_permissions(&ept, 0xc0000, KB(8), 0), 0);
	CHECK(!ept_translate(&ept, 0xc1000, NULL, NULL, NULL, NULL));
	CHECK_EQ_U64(ept_set_permissions(&ept, 0xc0000, KB(8), EPT_RWX), 0);
	CHECK_MAP(&ept, 0xc1000, EPT_RWX, MEM_WP, KB(4));
	/* The page at GPA 0 with type UC and no access reads as an all-zero
	 * PTE; giving access back must still map HPA 0. */
	m.fixed[0] = 0;
	pool_free(&p);
	ops = ops_for(&p);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), 0);
	CHECK_EQ_U64(ept_set_permissions(&ept, 0, KB(4), 0), 0);
	const uint64_t *pdpt = (const uint64_t *)(uintptr_t)(ept.pml4[0] & E_ADDR);
	const uint64_t *pd = (const uint64_t *)(uintptr_t)(pdpt[0] & E_ADDR);
	const uint64_t *pt = (const uint64_t *)(uintptr_t)(pd[0] & E_ADDR);
	CHECK_EQ_U64(pt[0], 0);
	CHECK(!ept_translate(&ept, 0, NULL, NULL, NULL, NULL));
	CHECK_EQ_U64(ept_set_permissions(&ept, 0, KB(4), EPT_READ), 0);
	CHECK_MAP(&ept, 0, EPT_READ, MEM_UC, KB(4));
	check_tables(&ept);
	pool_free(&p);
}

static void test_bad_arguments(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = all_wb(39);
	/* top: nonzero multiple of 1 GB. */
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, 0, true), -1);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(1) + KB(4), true), -1);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(1), true), 0);
	struct ept_ops no_alloc = ops;
	no_alloc.alloc_page = NULL;
	struct ept other;
	CHECK_EQ_U64(ept_build_identity(&other, &no_alloc, &m, GB(1), true), -1);
	CHECK_EQ_U64(ept_build_identity(&other, &ops, NULL, GB(1), true), -1);
	m.maxphyaddr = 52;
	CHECK_EQ_U64(ept_build_identity(&other, &ops, &m, (1ull << 48) + GB(1), true), -1);
	/* set_permissions: 4 KB aligned, size > 0, no write without read. */
	CHECK_EQ_U64(ept_set_permissions(&ept, 0x1001, KB(4), 0), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), 0, 0), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), 0x800, 0), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), KB(4), EPT_WRITE), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), KB(4), EPT_WRITE | EPT_EXEC), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), KB(4), 8), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, ~0xfffull, KB(8), 0), -1); /* wraps */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(1), KB(4), 0), -1);     /* beyond top */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(1) - KB(4), KB(8), 0), -1);
	CHECK_EQ_U64(ept_set_permissions(&ept, KB(4), KB(4), EPT_EXEC), 0); /* execute-only: caller checks the cap */
	CHECK_MAP(&ept, KB(4), EPT_EXEC, MEM_WB, KB(4));
	CHECK(!ept_translate(NULL, 0, NULL, NULL, NULL, NULL));
	check_tables(&ept);
	pool_free(&p);
}

/* Out of memory: -1, and for set_permissions a mapping that is still whole
 * (a split installs its table only once it is filled). */
static void test_out_of_memory(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = typical_pc();
	for (unsigned limit = 1; limit < 4; limit++) {
		p.limit = limit;
		CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), -1);
		CHECK(ept.tables <= limit);
		pool_free(&p);
	}
	p.limit = 4;
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), 0);
	/* No page left: the 1 GB page stays as it was. */
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(5) + KB(4), KB(4), 0), -1);
	CHECK_MAP(&ept, GB(5) + KB(4), EPT_RWX, MEM_WB, GB(1));
	check_tables(&ept);
	/* One page left: 1 GB -> 2 MB happens, 2 MB -> 4 KB fails; the mapping
	 * is still whole, with the old permissions. */
	p.limit = 5;
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(5) + KB(4), KB(4), 0), -1);
	CHECK_MAP(&ept, GB(5) + KB(4), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(6) - 1, EPT_RWX, MEM_WB, MB(2));
	check_tables(&ept);
	p.limit = 0;
	CHECK_EQ_U64(ept_set_permissions(&ept, GB(5) + KB(4), KB(4), 0), 0);
	CHECK(!ept_translate(&ept, GB(5) + KB(4), NULL, NULL, NULL, NULL));
	CHECK_EQ_U64(ept.tables, 6);
	check_tables(&ept);
	pool_free(&p);
}

/* Beyond the eager map: the 1 GB region of a violation is mapped on
 * demand (a 64-bit BAR far above RAM), with its MTRR type, once. */
static void test_map_region(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = ovmf_like(); /* WB default, MAXPHYADDR 40 */
	set_var(&m, 1, GB(64), GB(16), MEM_UC);  /* a BAR window */
	set_var(&m, 2, GB(96) + MB(2), MB(2), MEM_WC);
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(4), false), 0);
	unsigned eager = ept.tables;
	CHECK(!ept_translate(&ept, GB(64) + 0x1000, NULL, NULL, NULL, NULL));
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(64) + 0x1000, false), 1);
	CHECK_MAP(&ept, GB(64) + 0x1000, EPT_RWX, MEM_UC, MB(2));
	CHECK_MAP(&ept, GB(65) - 1, EPT_RWX, MEM_UC, MB(2));
	CHECK(!ept_translate(&ept, GB(65), NULL, NULL, NULL, NULL)); /* one region at a time */
	CHECK_EQ_U64(ept.tables, eager + 1);                           /* one PD */
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(64) + GB(1) / 2, false), 0); /* already mapped */
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(4) - 1, false), 0);         /* eager part */
	/* Mixed types split to 2 MB pages with their own types. */
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(96), false), 1);
	CHECK_MAP(&ept, GB(96), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(96) + MB(2), EPT_RWX, MEM_WC, MB(2));
	/* Another 512 GB slot needs a PDPT too; 1 GB pages where allowed. */
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(600), true), 1);
	CHECK_MAP(&ept, GB(600) + 5, EPT_RWX, MEM_WB, GB(1));
	/* Beyond 2^MAXPHYADDR (40 bits): refused. */
	CHECK_EQ_U64(ept_map_region(&ept, &m, 1ull << 40, false), -1);
	check_tables(&ept);
	/* Out of memory: nothing linked in, nothing half-built. */
	p.limit = p.count;
	CHECK_EQ_U64(ept_map_region(&ept, &m, GB(70), false), -1);
	CHECK(!ept_translate(&ept, GB(70), NULL, NULL, NULL, NULL));
	check_tables(&ept);
	pool_free(&p);
}

/* A guest's MTRR writes: every leaf follows the new types, large pages
 * split where a range stops being uniform. */
static void test_refresh_types(void)
{
	struct pool p = { 0 };
	struct ept_ops ops = ops_for(&p);
	struct ept ept;
	struct mtrr_snapshot m = ovmf_like();
	CHECK_EQ_U64(ept_build_identity(&ept, &ops, &m, GB(8), true), 0);
	CHECK_EQ_U64(ept_set_permissions(&ept, MB(300), MB(4), 0), 0); /* a hidden range keeps its state */
	set_var(&m, 1, MB(256), MB(2), MEM_UC);
	set_var(&m, 2, GB(5) + KB(4), KB(4), MEM_WC);
	CHECK(ept_refresh_types(&ept, &m) > 0);
	CHECK_MAP(&ept, MB(256), EPT_RWX, MEM_UC, MB(2));
	CHECK_MAP(&ept, MB(258), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(5) + KB(4), EPT_RWX, MEM_WC, KB(4));
	CHECK_MAP(&ept, GB(5), EPT_RWX, MEM_WB, KB(4));
	CHECK_MAP(&ept, GB(5) + MB(2), EPT_RWX, MEM_WB, MB(2));
	CHECK_MAP(&ept, GB(6), EPT_RWX, MEM_WB, GB(1));
	CHECK(!ept_translate(&ept, MB(301), NULL, NULL, NULL, NULL));
	/* Nothing changed: nothing to do. */
	CHECK_EQ_U64(ept_refresh_types(&ept, &m), 0);
	/* MTRRs off (IA32_MTRR_DEF_TYPE.E = 0): everything UC; back on: WB. */
	uint64_t def = m.def_type;
	m.def_type &= ~DEF_E;
	CHECK(ept_refresh_types(&ept, &m) > 0);
	CHECK_MAP(&ept, GB(6), EPT_RWX, MEM_UC, GB(1));
	CHECK_MAP(&ept, MB(258), EPT_RWX, MEM_UC, MB(2));
	m.def_type = def;
	CHECK(ept_refresh_types(&ept, &m) > 0);
	CHECK_MAP(&ept, GB(6), EPT_RWX, MEM_WB, GB(1));
	/* Every 4 KB page of the first 8 GB has its MTRR type. */
	unsigned wrong = 0;
	for (uint64_t a = 0; a < GB(8); a += KB(4)) {
		uint8_t t = 0xff;
		if (ept_translate(&ept, a, NULL, NULL, &t, NULL) && t != mtrr_type(&m, a))
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	unsigned hidden_type = 0xff;
	/* The hidden range's leaves keep permissions 0 but follow the type. */
	uint64_t *pd = (uint64_t *)(uintptr_t)(ept.pml4[0] & E_ADDR);
	pd = (uint64_t *)(uintptr_t)(pd[0] & E_ADDR);
	hidden_type = (unsigned)((pd[150] >> 3) & 7); /* MB 300 */
	CHECK_EQ_U64(hidden_type, MEM_WB);
	CHECK_EQ_U64(pd[150] & 7, 0);
	check_tables(&ept);
	/* Out of memory for a split: that page becomes UC, never wrong. */
	set_var(&m, 3, GB(7) + KB(8), KB(4), MEM_WT);
	p.limit = p.count;
	CHECK_EQ_U64(ept_refresh_types(&ept, &m), -1);
	CHECK_MAP(&ept, GB(7), EPT_RWX, MEM_UC, GB(1));
	p.limit = 0;
	CHECK(ept_refresh_types(&ept, &m) > 0);
	CHECK_MAP(&ept, GB(7) + KB(8), EPT_RWX, MEM_WT, KB(4));
	check_tables(&ept);
	pool_free(&p);
}

int main(void)
{
	test_map_region();
	test_refresh_types();
	test_uniform();
	test_typical_pc_map();
	test_split_where_types_differ();
	test_set_permissions();
	test_bad_arguments();
	test_out_of_memory();
	return unit_finish("test_ept");
}
