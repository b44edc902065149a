/* Decoding what a guest wrote to a write-protected MMIO page (the local
 * APIC page when INIT/SIPI are relayed, init_sipi.c): the instruction at the
 * guest's RIP (found through the guest's own page tables, guest_page_walk.h).
 * Pure; host unit tests cover it (test_mmio_decode.c).
 *
 * Only the forms compilers emit for MMIO stores are decoded: MOV r/m32, r32
 * (89 /r) and MOV r/m32, imm32 (C7 /0), their 16-bit forms (66 prefix), and
 * MOV r/m8, r8 (88 /r) and MOV r/m8, imm8 (C6 /0) (the ACPI reset register
 * is a byte, mmio_reset.c), with an optional REX prefix, in 64-bit mode.
 * Anything else is refused and the caller stops the guest with a message:
 * guessing a write is worse. */
#ifndef HV_EXITS_MMIO_DECODE_H
#define HV_EXITS_MMIO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmio_store {
	unsigned length;    /* bytes of the instruction: RIP advances by this */
	unsigned width;     /* bytes stored: 1, 2 or 4 */
	bool immediate;     /* the value is `imm`, else general register `reg` */
	unsigned reg;       /* 0 = RAX .. 15 = R15 (SDM Vol. 2A §2.1.5 numbering) */
	bool high_byte;     /* a byte store of AH, CH, DH or BH: bits 15:8 of reg 0-3 */
	uint32_t imm;
};

/* Decodes a store at code[0..n); false when it is not one of the forms. */
bool mmio_decode_store(const uint8_t *code, size_t n, struct mmio_store *out);
/* The same, 32-bit stores only (local APIC registers). */
bool mmio_decode_store32(const uint8_t *code, size_t n, struct mmio_store *out);

#endif
