/* What a guest's write to CR0 or CR4 does, as the processor would take it
 * (SDM Vol. 2B "MOV—Move to/from Control Registers", Vol. 3A §10.8.5 for
 * IA-32e mode changes), on the guest's part of the VMCS: pure, so the
 * rules the guest fuzzer once found wrong are unit-tested here, and the
 * state a write leaves is checked against the VM-entry rules on every
 * capability set (test_compose.c). cr.c moves the fields in and out. */
#ifndef HV_CR_RULES_H
#define HV_CR_RULES_H

#include "../vmx/vmx_caps.h"

#include <stdbool.h>
#include <stdint.h>

struct guest_cr {
	uint64_t cr0, cr0_mask, cr0_shadow; /* VMCS guest CR0, guest/host mask, read shadow */
	uint64_t cr4, cr4_shadow;
	uint64_t cr3, efer;
	uint32_t entry_controls;            /* "IA-32e mode guest" (bit 9) follows EFER.LMA */
	uint32_t cs_access_rights;          /* CS.L: clearing PG in 64-bit mode is #GP */
};

/* What the write changed beyond the fields, for the caller to act on. */
enum cr_effect {
	CR_FLUSH_TLB = 1u << 0,   /* the processor would flush: INVVPID */
	CR_CACHE_MODE = 1u << 1,  /* CD/NW changed: VM entry does not load them, set the real CR0 */
};

/* The guest's CR0 as it reads it: owned bits from the shadow, the rest
 * from the real CR0 (which it changes without exits). */
uint64_t guest_cr0_view(const struct guest_cr *g);

/* MOV to CR0 (CLTS and LMSW become one). Returns false for #GP, leaving
 * *g unchanged; else *g holds the new state and *effects what else to do. */
bool cr0_write(struct guest_cr *g, const struct vmx_msr_snapshot *m, bool unrestricted, uint64_t value,
	       unsigned *effects);

/* MOV to CR4. reserved: bits the guest may not set beyond what CR4_FIXED1
 * forbids (VMXE always; SMXE where SMX is hidden). false for #GP. */
bool cr4_write(struct guest_cr *g, const struct vmx_msr_snapshot *m, uint64_t reserved, uint64_t value,
	       unsigned *effects);

#endif
