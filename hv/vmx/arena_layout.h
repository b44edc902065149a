/* How much the hypervisor maps and reserves: the EPT's and the host page
 * tables' reach, and the arena's size in pages. Pure (test_arena_layout). */
#ifndef HV_ARENA_LAYOUT_H
#define HV_ARENA_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/* Tables for regions mapped on demand beyond the start-up map
 * (ept_violation.c): a uniform 1 GB region takes one page, a 512 GB slot
 * one more. Enough for the BAR windows of a large machine. */
#define ARENA_EPT_ON_DEMAND_PAGES 128
/* Slack for everything else the arena serves (bitmaps, split tables). */
#define ARENA_SPARE_PAGES 1024

struct arena_facts {
	unsigned maxphyaddr;    /* CPUID.80000008H:EAX[7:0] */
	uint64_t memory_top;    /* end of the firmware's memory map */
	bool ept_1gb;           /* EPT 1 GB pages (IA32_VMX_EPT_VPID_CAP[17]) */
	bool host_1gb;          /* 1 GB pages in the host's own page tables */
	uint64_t image_size;    /* our image, copied for the host code */
	unsigned ncpus;
	uint64_t hv_bytes;      /* sizeof(struct hv) */
	uint64_t vcpu_bytes;    /* sizeof(struct vcpu) */
};

struct arena_layout {
	uint64_t ept_top;       /* the EPT's identity map covers [0, ept_top) */
	uint64_t host_top;      /* the host page tables cover [0, host_top) */
	uint64_t pages;         /* the arena, in 4 KB pages */
};

/* The EPT covers the whole physical address space with 1 GB pages when
 * the CPU has them (bounded at 64 TB, 64 PDPT pages); with 2 MB pages
 * only, RAM and MMIO as far as the memory map and 4 GB go. The host maps
 * the same with 1 GB pages, else at most 64 GB. */
struct arena_layout arena_layout_compute(const struct arena_facts *f);

#endif
