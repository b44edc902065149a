#include "hv/vmx/segment.h"
#include "unit.h"

int main(void)
{
	/* OVMF-like GDT: null, 32-bit data, 32-bit code, 64-bit code at 0x38,
	 * and a 64-bit TSS (16 bytes) at 0x40. */
	uint64_t gdt[10] = { 0 };
	gdt[1] = 0x00cf92000000ffffull; /* data, G=1, D/B=1, 4 GB */
	gdt[2] = 0x00cf9a000000ffffull; /* code32 */
	gdt[7] = 0x00af9b000000ffffull; /* code64, L=1, accessed */
	/* TSS base 0x1234_5678_9abc_def0, limit 0x67, type 0xb (busy). */
	gdt[8] = 0x9a008bbcdef00067ull;
	gdt[9] = 0x0000000012345678ull;
	const uint8_t *g = (const uint8_t *)gdt;
	uint16_t lim = sizeof(gdt) - 1;
	struct segment s;

	segment_from_gdt(g, lim, 0x08, true, &s);
	CHECK_EQ_U64(s.base, 0);
	CHECK_EQ_U64(s.limit, 0xffffffff);
	CHECK_EQ_U64(s.ar, 0xc092);
	segment_from_gdt(g, lim, 0x38, true, &s);
	CHECK_EQ_U64(s.ar, 0xa09b);
	CHECK_EQ_U64(s.limit, 0xffffffff);
	segment_from_gdt(g, lim, 0x40, true, &s);
	CHECK_EQ_U64(s.base, 0x123456789abcdef0ull);
	CHECK_EQ_U64(s.limit, 0x67);
	CHECK_EQ_U64(s.ar, 0x8b);
	/* Outside IA-32e mode the TSS is 8 bytes: no high base. */
	segment_from_gdt(g, lim, 0x40, false, &s);
	CHECK_EQ_U64(s.base, 0x9abcdef0ull);
	/* Null, LDT (TI=1) and past-the-limit selectors are unusable. */
	segment_from_gdt(g, lim, 0x00, true, &s);
	CHECK_EQ_U64(s.ar, SEGMENT_AR_UNUSABLE);
	segment_from_gdt(g, lim, 0x0c, true, &s);
	CHECK_EQ_U64(s.ar, SEGMENT_AR_UNUSABLE);
	segment_from_gdt(g, lim, 0x50, true, &s);
	CHECK_EQ_U64(s.ar, SEGMENT_AR_UNUSABLE);
	/* A 16-byte TSS cut by the GDT limit is unusable. */
	segment_from_gdt(g, 0x47, 0x40, true, &s);
	CHECK_EQ_U64(s.ar, SEGMENT_AR_UNUSABLE);
	/* RPL bits are kept in the selector, ignored for the lookup. */
	segment_from_gdt(g, lim, 0x0b, true, &s);
	CHECK_EQ_U64(s.selector, 0x0b);
	CHECK_EQ_U64(s.ar, 0xc092 & ~0u);
	return unit_finish("test_segment");
}
