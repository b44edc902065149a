#include "segment.h"

void segment_from_gdt(const uint8_t *gdt, uint16_t gdt_limit, uint16_t selector, bool ia32e, struct segment *out)
{
	unsigned index = selector & ~7u;
	out->selector = selector;
	out->base = 0;
	out->limit = 0;
	out->ar = SEGMENT_AR_UNUSABLE;
	if (index == 0 || (selector & 4) || index + 7 > gdt_limit)
		return;
	const uint8_t *d = gdt + index;
	uint64_t lo = 0;
	for (int i = 7; i >= 0; i--)
		lo = lo << 8 | d[i];
	uint32_t limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));
	uint64_t base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24);
	uint32_t access = (uint32_t)((lo >> 40) & 0xff);   /* type, S, DPL, P */
	uint32_t flags = (uint32_t)((lo >> 52) & 0xf);     /* AVL, L, D/B, G */
	bool system = !(access & 0x10);
	if (system && ia32e) {
		if (index + 15 > gdt_limit)
			return;
		uint64_t hi = 0;
		for (int i = 15; i >= 8; i--)
			hi = hi << 8 | d[i];
		base |= (hi & 0xffffffffull) << 32;
	}
	if (flags & 0x8) /* G: limit in 4 KB units */
		limit = (limit << 12) | 0xfff;
	out->base = base;
	out->limit = limit;
	out->ar = access | (flags << 12);
}
