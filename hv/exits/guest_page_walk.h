/* The guest's own page tables, walked in software: for the instruction at
 * the guest's RIP (mmio_decode.h, guest_memory.c) and for string I/O, which
 * must reflect a page fault as the processor would (string_io.c). Pure:
 * memory comes through a callback; host unit tests cover it
 * (test_mmio_decode.c, test_string_io.c). */
#ifndef HV_EXITS_GUEST_PAGE_WALK_H
#define HV_EXITS_GUEST_PAGE_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads `len` bytes of guest-physical memory at gpa into buf; false when
 * it cannot. */
typedef bool guest_phys_read(void *ctx, uint64_t gpa, void *buf, size_t len);

/* Translates a guest linear address with the guest's 4-level paging
 * (CR0.PG=1, CR4.PAE=1, EFER.LMA=1; 4 KB, 2 MB and 1 GB pages) or without
 * paging (CR0.PG=0: linear = physical). Other paging modes, and entries not
 * present, give false. */
bool guest_linear_to_phys(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t cr3, uint64_t linear,
			  guest_phys_read *read, void *ctx, uint64_t *gpa);

/* The same walk with what it found on the way, for callers that must
 * reflect a page fault as the processor would (string I/O, string_io.c).
 * `writable` and `user` are the AND of R/W and U/S over every level (SDM
 * Vol. 3A §4.6.1); entry_gpa[] names the entries read (level 3 = PML4E
 * first), so the caller can set their accessed and dirty flags. */
struct guest_walk {
	bool ok;             /* translated: gpa is valid */
	bool present;        /* false: an entry on the way was not present */
	bool supported;      /* false: a paging mode the walker does not know */
	bool writable, user;
	uint64_t gpa;
	unsigned entries;    /* how many of entry_gpa[] were read */
	uint64_t entry_gpa[4];
};
struct guest_walk guest_page_walk(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t cr3, uint64_t linear,
				  guest_phys_read *read, void *ctx);

#endif
