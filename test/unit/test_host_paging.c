/* The host's page tables (hv/vmx/host_paging.c) on every MTRR layout from
 * real machines (test/data/mtrr): every page maps itself, and no large
 * page spans two memory types (SDM Vol. 3A §12.11.9), with 1 GB pages and
 * with 2 MB pages only; then again after the MTRRs change. */
#include <stdlib.h>

#include "caps_fixture.h"
#include "hv/ept/identity_map.h"
#include "hv/vmx/host_paging.h"
#include "unit.h"

#define GB(x) ((uint64_t)(x) << 30)
#define MB(x) ((uint64_t)(x) << 20)

static unsigned pages_used;
static void *pages[1 << 16];
static void *alloc(void *ctx)
{
	(void)ctx;
	if (pages_used == sizeof(pages) / sizeof(pages[0]))
		return NULL;
	void *p = aligned_alloc(4096, 4096);
	memset(p, 0, 4096);
	pages[pages_used++] = p;
	return p;
}
static void free_pages(void)
{
	while (pages_used)
		free(pages[--pages_used]);
}
static uint64_t v2p(void *ctx, const void *v) { (void)ctx; return (uint64_t)(uintptr_t)v; }
static void *p2v(void *ctx, uint64_t p) { (void)ctx; return (void *)(uintptr_t)p; }
static const struct ept_ops ops = { alloc, v2p, p2v, NULL };

/* Walks [0, top) leaf by leaf: identity, one type per leaf. */
static void check_map(const char *name, const struct host_paging *hp, const struct mtrr_snapshot *m, uint64_t top,
		      unsigned *large)
{
	unsigned bad = 0;
	*large = 0;
	for (uint64_t a = 0; a < top;) {
		uint64_t size = host_paging_page_size(hp, a);
		uint8_t type;
		if (size == 0 || !mtrr_range_type(m, a, size, &type)) {
			if (bad++ < 3)
				fprintf(stderr, "%s: 0x%llx: %s\n", name, (unsigned long long)a,
					size ? "large page over two memory types" : "not mapped");
			a += 4096;
			continue;
		}
		*large += size > 4096;
		a += size;
	}
	CHECK_EQ_U64(bad, 0);
}

static void each(const char *name, const struct mtrr_fixture *fx, void *arg)
{
	unsigned *sets = arg;
	(*sets)++;
	unsigned maxphyaddr = fx->m.maxphyaddr ? fx->m.maxphyaddr : 36;
	uint64_t top = fx->memory_top > GB(4) ? (fx->memory_top + GB(1) - 1) & ~(GB(1) - 1) : GB(4);
	top += GB(4); /* some space above RAM, where BARs go */
	if (top > (1ull << maxphyaddr))
		top = 1ull << maxphyaddr;
	for (int mode = 0; mode < 2; mode++) {
		struct host_paging hp;
		CHECK_EQ_U64(host_paging_build(&hp, &ops, &fx->m, top, mode == 0), 0);
		unsigned large;
		check_map(name, &hp, &fx->m, top, &large);
		CHECK(large > 0);
		CHECK_EQ_U64(hp.tables, pages_used);
		/* The MTRRs change: a 4 KB UC page at 1 GB + 8 KB in a free
		 * variable pair (or, with none free, the default type). */
		struct mtrr_snapshot m = fx->m;
		unsigned vcnt = (unsigned)(m.mtrrcap & 0xff), pair = vcnt;
		for (unsigned i = 0; i < vcnt && pair == vcnt; i++)
			if (!(m.var_mask[i] & (1u << 11)))
				pair = i;
		if (pair < vcnt) {
			m.var_base[pair] = GB(1) + 8192; /* UC */
			m.var_mask[pair] = (((1ull << maxphyaddr) - 1) & ~4095ull) | (1u << 11);
			CHECK(host_paging_refresh(&hp, &m) >= 0);
			check_map(name, &hp, &m, top, &large);
			if (mtrr_type(&m, GB(1)) != MEM_UC)
				CHECK_EQ_U64(host_paging_page_size(&hp, GB(1) + 8192), 4096);
		}
		free_pages();
	}
}

int main(void)
{
	unsigned sets = 0;
	CHECK(mtrr_fixture_each(each, &sets) > 0);
	printf("%u MTRR layouts: host page tables checked in 1 GB and 2 MB mode\n", sets);
	/* Bad arguments. */
	struct host_paging hp;
	struct mtrr_snapshot m = { .maxphyaddr = 36, .def_type = (1u << 11) | 6 };
	CHECK_EQ_U64(host_paging_build(&hp, &ops, &m, 0, true), -1);
	CHECK_EQ_U64(host_paging_build(&hp, &ops, &m, GB(1) + 4096, true), -1);
	CHECK_EQ_U64(host_paging_build(&hp, &ops, &m, GB(128), true), -1); /* beyond 2^36 */
	CHECK_EQ_U64(host_paging_build(&hp, &ops, &m, GB(64), true), 0);
	CHECK_EQ_U64(host_paging_page_size(&hp, GB(3)), GB(1)); /* all WB: 1 GB pages */
	CHECK_EQ_U64(host_paging_page_size(&hp, GB(64)), 0);
	CHECK_EQ_U64(hp.tables, 2);
	/* The reach the host's tables share with the EPT (ept/identity_map.h):
	 * 2^MAXPHYADDR (36 bits when unknown), at most 2^48 with 4 levels. */
	CHECK_EQ_U64(identity_map_reach(0), GB(64));
	CHECK_EQ_U64(identity_map_reach(39), GB(512));
	CHECK_EQ_U64(identity_map_reach(47), 1ull << 47);
	CHECK_EQ_U64(identity_map_reach(48), 1ull << 48);
	CHECK_EQ_U64(identity_map_reach(52), 1ull << 48);
	m.maxphyaddr = 52;
	CHECK_EQ_U64(host_paging_build(&hp, &ops, &m, (1ull << 48) + GB(1), true), -1);
	CHECK_EQ_U64(hp.tables, 2); /* refused before taking a table */
	free_pages();
	return unit_finish("test_host_paging");
}
