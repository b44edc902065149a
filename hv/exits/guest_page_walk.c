/* The guest's page tables, walked in software (guest_page_walk.h). */
#include "guest_page_walk.h"

#include <hv/arch_bits.h>

#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)

struct guest_walk guest_page_walk(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t cr3, uint64_t linear,
				  guest_phys_read *read, void *ctx)
{
	struct guest_walk w = { .present = true, .supported = true, .writable = true, .user = true };
	if (!(cr0 & CR0_PG)) {
		w.ok = true;
		w.gpa = linear;
		return w;
	}
	if (!(cr4 & CR4_PAE) || !(efer & EFER_LMA) || (cr4 & CR4_LA57)) {
		w.supported = false;
		return w;
	}
	uint64_t table = cr3 & PTE_ADDR;
	for (int level = 3; level >= 0; level--) {
		unsigned index = (unsigned)(linear >> (12 + 9 * level)) & 511;
		uint64_t e;
		w.entry_gpa[w.entries++] = table + 8ull * index;
		if (!read(ctx, table + 8ull * index, &e, sizeof(e)) || !(e & PTE_P)) {
			w.present = false;
			return w;
		}
		w.writable = w.writable && (e & PTE_RW);
		w.user = w.user && (e & PTE_US);
		if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS))) {
			uint64_t size = 1ull << (12 + 9 * level);
			w.gpa = (e & PTE_ADDR & ~(size - 1)) | (linear & (size - 1));
			w.ok = true;
			return w;
		}
		table = e & PTE_ADDR;
	}
	return w;
}

bool guest_linear_to_phys(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t cr3, uint64_t linear,
			  guest_phys_read *read, void *ctx, uint64_t *gpa)
{
	struct guest_walk w = guest_page_walk(cr0, cr4, efer, cr3, linear, read, ctx);
	*gpa = w.gpa;
	return w.ok;
}
