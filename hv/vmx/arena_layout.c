#include "arena_layout.h"

#define GB (1ull << 30)
#define PAGES(bytes) (((bytes) + 4095) / 4096)

struct arena_layout arena_layout_compute(const struct arena_facts *f)
{
	struct arena_layout l;
	if (f->ept_1gb) {
		l.ept_top = 1ull << (f->maxphyaddr < 46 ? f->maxphyaddr : 46);
	} else {
		uint64_t end = f->memory_top > 4 * GB ? f->memory_top : 4 * GB;
		l.ept_top = (end + GB - 1) & ~(GB - 1);
	}
	uint64_t top_gb = l.ept_top / GB;
	l.host_top = f->host_1gb ? l.ept_top : (l.ept_top < 64 * GB ? l.ept_top : 64 * GB);
	/* EPT: a PDPT per 512 GB and the PML4 (+8 spare) with 1 GB pages, a
	 * page directory per GB with 2 MB pages; the host's tables alike. */
	uint64_t ept_tables = f->ept_1gb ? top_gb / 512 + 8 : top_gb;
	uint64_t host_tables = f->host_1gb ? top_gb / 512 + 1 : l.host_top / GB;
	l.pages = ARENA_SPARE_PAGES + ARENA_EPT_ON_DEMAND_PAGES + PAGES(f->hv_bytes) + PAGES(f->image_size) +
		  f->ncpus * PAGES(f->vcpu_bytes) + ept_tables + host_tables;
	return l;
}
