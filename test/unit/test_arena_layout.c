/* The arena's size and the page tables' reach (hv/vmx/arena_layout.c). */
#include "hv/vmx/arena_layout.h"
#include "unit.h"

#define GB (1ull << 30)

int main(void)
{
	struct arena_facts f = {
		.maxphyaddr = 39, .memory_top = 2 * GB, .ept_1gb = true, .host_1gb = true,
		.image_size = 300 * 1024, .ncpus = 1, .hv_bytes = 5000, .vcpu_bytes = 90000,
	};
	/* 1 GB pages: the whole 512 GB address space, one PDPT (+8), one host
	 * PDPT (+1); 75 pages of image, 2 of struct hv, 22 per vCPU. */
	struct arena_layout l = arena_layout_compute(&f);
	CHECK_EQ_U64(l.ept_top, 512 * GB);
	CHECK_EQ_U64(l.host_top, 512 * GB);
	CHECK_EQ_U64(l.pages, 1024 + 128 + 2 + 75 + 22 + (1 + 8) + (1 + 1));
	/* More CPUs: 22 pages each. */
	f.ncpus = 4;
	CHECK_EQ_U64(arena_layout_compute(&f).pages, l.pages + 3 * 22);
	f.ncpus = 1;
	/* MAXPHYADDR above 46: the EPT stops at 64 TB (64 PDPTs). */
	f.maxphyaddr = 52;
	l = arena_layout_compute(&f);
	CHECK_EQ_U64(l.ept_top, 1ull << 46);
	CHECK_EQ_U64(l.pages, 1024 + 128 + 2 + 75 + 22 + (128 + 8) + (128 + 1));
	/* 2 MB pages only: the memory map's top, at least 4 GB, rounded up to
	 * a GB; a page directory per GB in each; the host stops at 64 GB. */
	f.ept_1gb = false, f.host_1gb = false, f.memory_top = 2 * GB;
	l = arena_layout_compute(&f);
	CHECK_EQ_U64(l.ept_top, 4 * GB);
	CHECK_EQ_U64(l.host_top, 4 * GB);
	CHECK_EQ_U64(l.pages, 1024 + 128 + 2 + 75 + 22 + 4 + 4);
	f.memory_top = 100 * GB + 4096;
	l = arena_layout_compute(&f);
	CHECK_EQ_U64(l.ept_top, 101 * GB);
	CHECK_EQ_U64(l.host_top, 64 * GB);
	CHECK_EQ_U64(l.pages, 1024 + 128 + 2 + 75 + 22 + 101 + 64);
	/* EPT with 2 MB pages, host with 1 GB: the host maps all the EPT does. */
	f.host_1gb = true;
	l = arena_layout_compute(&f);
	CHECK_EQ_U64(l.host_top, 101 * GB);
	CHECK_EQ_U64(l.pages, 1024 + 128 + 2 + 75 + 22 + 101 + 1);
	return unit_finish("test_arena_layout");
}
