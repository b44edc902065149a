/* MTRR layouts of real machines (test/data/mtrr/NAME.mtrr, see
 * test/data/README.md) through the EPT builder: for every layout, in 1 GB
 * and in 2 MB page mode, the memory type of every EPT leaf equals what the
 * SDM's MTRR rules give for every 4 KB page under it, and a large page is
 * used wherever the whole page has one type.
 *
 * The reference resolver here is written from the SDM (Vol. 3A §12.11.4.1,
 * "MTRR Precedences") independently of hv/ept/mtrr.c: it looks at one
 * address at a time, with no block arithmetic. It is evaluated per 4 KB page
 * over the first 4 GB in 1 GB mode (the fixed ranges and the holes below
 * 4 GB; below 1 MB in 2 MB mode), and above that once per interval between
 * consecutive variable-range boundaries (every real layout's PHYSMASKs are
 * contiguous, so a range is an interval and the type is constant between
 * boundaries; a layout with a non-contiguous mask is checked per 4 KB page
 * over its whole map instead, with the map cut to 4 GB). The same checks
 * run on maps whose part above 4 GB is built region by region on first
 * access (ept_map_region()). mtrr_range_type() is also checked on random
 * and boundary-hugging ranges. */
#include <stdlib.h>
#include <unistd.h>

#include "caps_fixture.h"
#include "hv/ept/ept.h"
#include "hv/ept/mtrr.h"
#include "unit.h"

#define KB(x) ((uint64_t)(x) << 10)
#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)
#define PAGE  KB(4)

#define BRUTE_LIMIT GB(4)
#define MAP_LIMIT   GB(512) /* the map: min(2^MAXPHYADDR, 512 GB) */

/* ---- the reference: SDM Vol. 3A §12.11 one address at a time ---- */

static uint8_t ref_valid(uint64_t t)
{
	t &= 0xff;
	return (t == MEM_UC || t == MEM_WC || t == MEM_WT || t == MEM_WP || t == MEM_WB) ? (uint8_t)t : MEM_UC;
}

/* Fixed-range type of each 4 KB page below 1 MB, by expanding the eleven
 * registers in order (§12.11.2.2: 8 x 64 KB, 16 x 16 KB, 64 x 4 KB, lowest
 * sub-range in bits 7:0). */
static void fixed_pages(const struct mtrr_snapshot *m, uint8_t out[256])
{
	unsigned page = 0;
	for (unsigned r = 0; r < 11; r++) {
		unsigned pages_per_field = r == 0 ? 16 : r < 3 ? 4 : 1;
		for (unsigned byte = 0; byte < 8; byte++)
			for (unsigned i = 0; i < pages_per_field; i++)
				out[page++] = ref_valid(m->fixed[r] >> (8 * byte));
	}
}

static unsigned ref_undefined; /* overlaps the SDM leaves undefined (counted, resolved UC) */

static uint8_t ref_type(const struct mtrr_snapshot *m, const uint8_t fixed[256], uint64_t a)
{
	/* §12.11.2.1: "E (MTRRs enabled) flag ... When cleared, all MTRRs are
	 * disabled and the UC memory type is applied to all of physical memory." */
	if (!(m->def_type & (1u << 11)))
		return MEM_UC;
	/* §12.11.4.1 step 1: "If the physical address falls within the first
	 * 1 MByte of physical memory and fixed MTRRs are enabled, the processor
	 * uses the memory type stored for the appropriate fixed-range MTRR." */
	if (a < MB(1) && (m->def_type & (1u << 10)) && (m->mtrrcap & (1u << 8)))
		return fixed[a >> 12];
	unsigned maxphy = m->maxphyaddr ? m->maxphyaddr : 36;
	uint64_t phys = ((1ull << maxphy) - 1) & ~(PAGE - 1);
	unsigned vcnt = m->mtrrcap & 0xff;
	bool seen[8] = { false };
	unsigned matches = 0;
	for (unsigned i = 0; i < vcnt && i < MTRR_MAX_VAR; i++) {
		if (!(m->var_mask[i] & (1u << 11)))
			continue;
		uint64_t mask = m->var_mask[i] & phys;
		if ((a & mask) == (m->var_base[i] & mask)) {
			seen[ref_valid(m->var_base[i]) & 7] = true;
			matches++;
		}
	}
	/* Step 2: no variable range matches -> default type. */
	if (matches == 0)
		return ref_valid(m->def_type);
	unsigned kinds = 0;
	uint8_t only = MEM_UC;
	for (uint8_t t = 0; t < 8; t++)
		if (seen[t]) {
			kinds++;
			only = t;
		}
	if (kinds == 1)
		return only;               /* one match, or all matches the same type */
	if (seen[MEM_UC])
		return MEM_UC;             /* "one of the memory types is UC" */
	if (kinds == 2 && seen[MEM_WT] && seen[MEM_WB])
		return MEM_WT;             /* "the memory types are WT and WB" */
	ref_undefined++;
	return MEM_UC;                     /* "processor behavior is undefined" */
}

/* Variable ranges as intervals (when every valid mask is contiguous). */
struct bounds {
	uint64_t at[2 * MTRR_MAX_VAR + 2];
	unsigned n;
	bool contiguous;
	uint64_t brute_limit; /* per 4 KB page below this, per interval above */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct bounds var_bounds(const struct mtrr_snapshot *m)
{
	struct bounds b = { .n = 0, .contiguous = true };
	unsigned maxphy = m->maxphyaddr ? m->maxphyaddr : 36;
	uint64_t phys = ((1ull << maxphy) - 1) & ~(PAGE - 1);
	for (unsigned i = 0; i < (m->mtrrcap & 0xff) && i < MTRR_MAX_VAR; i++) {
		if (!(m->var_mask[i] & (1u << 11)))
			continue;
		uint64_t mask = m->var_mask[i] & phys;
		uint64_t size = (~mask & phys) + PAGE; /* contiguous: ones from bit maxphy-1 down */
		if ((mask | (size - 1)) != (phys | (PAGE - 1)) || (size & (size - 1))) {
			b.contiguous = false;
			continue;
		}
		uint64_t base = m->var_base[i] & mask;
		b.at[b.n++] = base;
		b.at[b.n++] = base + size;
	}
	qsort(b.at, b.n, sizeof b.at[0], cmp_u64);
	return b;
}

/* The next address after a where the reference type may change. */
static uint64_t next_break(const struct bounds *b, uint64_t a)
{
	if (a < b->brute_limit || !b->contiguous)
		return a + PAGE;
	for (unsigned i = 0; i < b->n; i++)
		if (b->at[i] > a)
			return b->at[i];
	return ~0ull;
}

/* ---- EPT tables from the heap ---- */

struct heap {
	void *pages[8192];
	unsigned n;
};

static void *heap_alloc(void *ctx)
{
	struct heap *h = ctx;
	if (h->n == sizeof h->pages / sizeof h->pages[0])
		return NULL;
	void *p = aligned_alloc(4096, 4096);
	if (p)
		memset(p, 0, 4096);
	return h->pages[h->n++] = p;
}

static uint64_t heap_v2p(void *ctx, const void *v)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)v;
}

static void *heap_p2v(void *ctx, uint64_t p)
{
	(void)ctx;
	return (void *)(uintptr_t)p;
}

static void heap_free(struct heap *h)
{
	for (unsigned i = 0; i < h->n; i++)
		free(h->pages[i]);
	h->n = 0;
}

/* ---- the check ---- */

struct ctx {
	const struct mtrr_fixture *l;
	const uint8_t *fixed;
	const struct bounds *b;
	uint64_t top;
	bool use_1gb;
	unsigned errors; /* printed ones, capped */
};

/* One type for all of [a, end) by the reference, or -1. */
static int ref_uniform(const struct ctx *c, uint64_t a, uint64_t end)
{
	int t = ref_type(&c->l->m, c->fixed, a);
	for (uint64_t x = next_break(c->b, a); x < end; x = next_break(c->b, x))
		if (ref_type(&c->l->m, c->fixed, x) != t)
			return -1;
	return t;
}

static void report(struct ctx *c, const char *what, uint64_t a, unsigned got, unsigned want)
{
	if (c->errors++ < 10)
		fprintf(stderr, "%s (%s pages): %s at 0x%llx: EPT %u, SDM %u\n", c->l->name,
			c->use_1gb ? "1 GB" : "2 MB", what, (unsigned long long)a, got, want);
}

static void check_map(struct ctx *c, const struct ept *ept)
{
	uint64_t a = 0;
	unsigned leaves = 0, bad_type = 0, not_large = 0;
	while (a < c->top) {
		uint64_t hpa = ~0ull, ps = 0;
		unsigned perms = 0;
		uint8_t t = 0xff;
		if (!ept_translate(ept, a, &hpa, &perms, &t, &ps)) {
			report(c, "not mapped", a, 0, 0);
			CHECK(false);
			return;
		}
		leaves++;
		uint64_t end = (a & ~(ps - 1)) + ps;
		if (hpa != a || perms != EPT_RWX) {
			report(c, "not identity RWX", a, (unsigned)perms, EPT_RWX);
			bad_type++;
		}
		/* Every 4 KB page (or constant interval) under the leaf has the
		 * leaf's type. */
		for (uint64_t x = a; x < end; x = next_break(c->b, x)) {
			uint8_t want = ref_type(&c->l->m, c->fixed, x);
			if (want != t) {
				report(c, "memory type", x, t, want);
				bad_type++;
				break;
			}
		}
		/* A large page wherever the whole page has one type. */
		uint64_t big = c->use_1gb ? GB(1) : MB(2);
		for (uint64_t sz = big; sz > ps; sz >>= 9) {
			uint64_t blk = a & ~(sz - 1);
			if (blk == a && blk + sz <= c->top && ref_uniform(c, blk, blk + sz) >= 0) {
				report(c, "uniform block not mapped large", blk, (unsigned)(ps >> 12), (unsigned)(sz >> 12));
				not_large++;
				break;
			}
		}
		a = end;
	}
	CHECK_EQ_U64(bad_type, 0);
	CHECK_EQ_U64(not_large, 0);
	CHECK(leaves > 0);
}

/* The code under test's resolver on the same intervals (as the builder uses it). */
static void check_resolver(struct ctx *c)
{
	unsigned bad = 0;
	for (uint64_t x = 0; x < c->top && x < BRUTE_LIMIT; x += PAGE) {
		uint8_t want = ref_type(&c->l->m, c->fixed, x);
		if (mtrr_type(&c->l->m, x) != want && bad++ < 3)
			report(c, "mtrr_type", x, mtrr_type(&c->l->m, x), want);
	}
	CHECK_EQ_U64(bad, 0);
}

/* mtrr_range_type() of the code under test on ranges that are not EPT
 * pages: random 4 KB-aligned ranges of every size, and ranges that start
 * or end right at a variable-range boundary or a fixed-range sub-range
 * edge, against the reference's "one type over the whole range". */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_ranges(struct ctx *c)
{
	unsigned bad = 0, checked = 0;
	for (unsigned i = 0; i < 3000; i++) {
		uint64_t size = (rng() % (1ull << (rng() % 36 + 1))) & ~(PAGE - 1);
		if (size == 0)
			size = PAGE;
		uint64_t base;
		if (i % 3 == 0 && c->b->n > 0) { /* around a variable-range boundary */
			uint64_t at = c->b->at[rng() % c->b->n];
			uint64_t off = (rng() % 4) * PAGE;
			if (i % 2) /* ends at the boundary or just past it */
				base = at >= size ? at - size + off : 0;
			else       /* starts at the boundary or just before it */
				base = at >= off ? at - off : 0;
		} else if (i % 3 == 1) { /* around the first MB */
			base = (rng() % 0x110) * PAGE;
			size = (size & (MB(4) - 1)) + PAGE;
		} else {
			base = (rng() % c->top) & ~(PAGE - 1);
		}
		if (base >= c->top)
			continue;
		if (size > c->top - base)
			size = c->top - base;
		int want = ref_uniform(c, base, base + size);
		uint8_t got = 0xff;
		bool one = mtrr_range_type(&c->l->m, base, size, &got);
		checked++;
		if ((want < 0) != !one || (one && got != want)) {
			if (bad++ < 5)
				fprintf(stderr, "%s: mtrr_range_type(0x%llx, 0x%llx) = %s %u, SDM %s %d\n", c->l->name,
					(unsigned long long)base, (unsigned long long)size, one ? "one type" : "mixed",
					one ? got : 0, want < 0 ? "mixed" : "one type", want);
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(checked > 1000);
}

static void check_layout(const char *name, const struct mtrr_fixture *l, void *arg)
{
	(void)name;
	++*(unsigned *)arg;
	uint8_t fixed[256];
	fixed_pages(&l->m, fixed);
	struct bounds b = var_bounds(&l->m);
	unsigned maxphy = l->m.maxphyaddr ? l->m.maxphyaddr : 36;
	uint64_t top = maxphy >= 39 ? MAP_LIMIT : 1ull << maxphy;
	if (!b.contiguous && top > BRUTE_LIMIT)
		top = BRUTE_LIMIT;
	unsigned undefined_before = ref_undefined;
	/* Modes 0 and 1: the whole map built at once with 1 GB / 2 MB pages.
	 * Modes 2 and 3: the first 4 GB built at once, every 1 GB region above
	 * mapped on its first access (ept_map_region(), as the EPT-violation
	 * handler does for addresses beyond the eager map); the result must be
	 * the same map. */
	for (int mode = 0; mode < 4; mode++) {
		bool lazy = mode >= 2;
		struct ctx c = { .l = l, .fixed = fixed, .b = &b, .top = top, .use_1gb = mode % 2 == 0 };
		/* Per page up to 4 GB once (mode 0); the other modes rely on the
		 * intervals above the fixed ranges, which are exact. */
		b.brute_limit = mode == 0 ? BRUTE_LIMIT : MB(1);
		struct heap *h = calloc(1, sizeof *h);
		struct ept_ops ops = { heap_alloc, heap_v2p, heap_p2v, h };
		struct ept ept;
		uint64_t eager = lazy && top > GB(4) ? GB(4) : top;
		int rc = ept_build_identity(&ept, &ops, &l->m, eager, c.use_1gb);
		CHECK_EQ_U64(rc, 0);
		unsigned lazy_bad = 0;
		for (uint64_t r = eager; rc == 0 && r < top; r += GB(1)) {
			uint64_t gpa = r + (rng() % GB(1));  /* the faulting address: anywhere in the region */
			lazy_bad += ept_map_region(&ept, &l->m, gpa, c.use_1gb) != 1;
			lazy_bad += ept_map_region(&ept, &l->m, r, c.use_1gb) != 0; /* already mapped */
		}
		CHECK_EQ_U64(lazy_bad, 0);
		if (lazy)
			CHECK_EQ_U64(ept_map_region(&ept, &l->m, 1ull << maxphy, c.use_1gb), -1);
		if (rc == 0) {
			check_map(&c, &ept);
			if (mode == 0)
				check_resolver(&c);
		}
		printf("%-44s %s pages%s: map of %llu GB, %u tables, %s\n", l->name, c.use_1gb ? "1 GB" : "2 MB",
		       lazy ? " (4 GB, rest on access)" : "", (unsigned long long)(top >> 30), ept.tables,
		       c.errors ? "MISMATCH" : "ok");
		heap_free(h);
		free(h);
	}
	if (b.contiguous) {
		struct ctx c = { .l = l, .fixed = fixed, .b = &b, .top = top, .use_1gb = true };
		b.brute_limit = MB(1); /* intervals are exact above the fixed ranges */
		check_ranges(&c);
	}
	if (ref_undefined != undefined_before)
		printf("%s: has overlaps the SDM leaves undefined (resolved UC)\n", l->name);
}

/* The loader's refusals. */
static void test_loader_errors(void)
{
	char dir[] = "/tmp/mtrr_fixture_XXXXXX", path[128], err[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/t.mtrr", dir);
	static const char *const bad[] = {
		"maxphyaddr = 36\nmtrrcap = 0x8\n",                                   /* no def_type */
		"maxphyaddr = 36\nmtrrcap = 0x108\ndef_type = 0xc06\n",              /* FIX without fixed0..10 */
		"maxphyaddr = 36\nmtrrcap = 0x8\ndef_type = 0xc06\nvar0 = 0x6\n",    /* var without a mask */
		"maxphyaddr = 36\nmtrrcap = 0x8\ndef_type = 0xc06\nfoo = 1\n",       /* unknown key */
		"maxphyaddr = 36\nmtrrcap = 0x8\ndef_type = 0xc0g\n",                 /* bad number */
		"maxphyaddr = 99\nmtrrcap = 0x8\ndef_type = 0xc06\n",                 /* MAXPHYADDR */
	};
	struct mtrr_fixture f;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *fp = fopen(path, "w");
		CHECK(fp != NULL);
		if (fp == NULL)
			break;
		fputs(bad[i], fp);
		fclose(fp);
		CHECK_EQ_U64(mtrr_fixture_load(path, &f, err, sizeof err), -1);
		CHECK(strstr(err, "t.mtrr") != NULL);
	}
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs("# kind: real (test)\nmaxphyaddr = 36\nmtrrcap = 0x8 # VCNT 8\ndef_type = 0xc06\n"
		      "var1 = 0xe0000000 0xfe0000800\n", fp);
		fclose(fp);
	}
	CHECK_EQ_U64(mtrr_fixture_load(path, &f, err, sizeof err), 0);
	CHECK_STR(f.kind, "real");
	CHECK_EQ_U64(f.m.var_base[1], 0xe0000000);
	CHECK_EQ_U64(f.m.var_mask[1], 0xfe0000800);
	CHECK_EQ_U64(f.m.mtrrcap, 8);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_loader_errors();
	unsigned layouts = 0;
	int n = mtrr_fixture_each(check_layout, &layouts);
	CHECK(n > 0);
	CHECK_EQ_U64((unsigned)n, layouts);
	CHECK(layouts >= 7);
	printf("MTRR layouts: %u\n", layouts);
	return unit_finish("test_mtrr_fixtures");
}
