/* Segment descriptors to VMCS segment fields (SDM Vol. 3A §3.4.5; VMCS
 * access-rights format SDM Vol. 3C §25.4.1, Table 25-2). Pure. */
#ifndef HV_SEGMENT_H
#define HV_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#define SEGMENT_AR_UNUSABLE (1u << 16)

struct segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit; /* byte granular, as the VMCS wants it */
	uint32_t ar;    /* VMCS access-rights format */
};

/* Decodes selector's descriptor from the GDT at gdt (gdt_limit from GDTR).
 * A null selector, an LDT selector (TI=1) or one past the limit comes out
 * unusable. System descriptors (S=0: TSS, LDT) are 16 bytes in IA-32e mode
 * and carry base bits 63:32. */
void segment_from_gdt(const uint8_t *gdt, uint16_t gdt_limit, uint16_t selector, bool ia32e, struct segment *out);

#endif
