/* String I/O (INS/OUTS, with or without REP) to an intercepted port,
 * performed by the hypervisor as the processor would (SDM Vol. 2B "INS",
 * "OUTS", "REP"): element by element, the buffer reached through the
 * guest's own page tables, RCX/RSI/RDI/RFLAGS.DF as the instruction's
 * address size says, and a fault left exactly where the processor would
 * leave it (registers show the elements done, RIP stays on the
 * instruction). Pure: guest memory, the page walk and the ports come through
 * callbacks; host unit tests cover it (test_string_io.c). */
#ifndef HV_EXITS_STRING_IO_H
#define HV_EXITS_STRING_IO_H

#include "../vmx/cpu_state.h"
#include "guest_page_walk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segment registers are numbered as the instruction-information field
 * numbers them (SDM Vol. 3C §28.2.5, Table 28-8): enum cpu_segment. */
_Static_assert(SEG_ES == 0 && SEG_CS == 1 && SEG_SS == 2 && SEG_DS == 3 && SEG_FS == 4 && SEG_GS == 5,
	       "Table 28-8 segment numbers");

struct string_io {
	unsigned size;         /* element: 1, 2 or 4 bytes */
	bool in;               /* INS (port -> ES:[RDI]); else OUTS (seg:[RSI] -> port) */
	bool rep;
	uint16_t port;
	unsigned address_size; /* 2, 4 or 8 bytes: which of CX/ECX/RCX, SI/ESI/RSI, DI/EDI/RDI */
	unsigned segment;      /* the memory operand's segment: ES for INS, DS or the override for OUTS */
};

/* From the exit qualification (Table 28-5) and the VM-exit
 * instruction-information field (Table 28-8), which the processor fills
 * for INS/OUTS when IA32_VMX_BASIC[54] is 1 (SDM Vol. 3D §A.1). */
struct string_io string_io_decode(uint64_t qualification, uint32_t instruction_info);

/* Without that field: the same from the instruction's prefixes (address
 * size 0x67, segment overrides; SDM Vol. 2A §2.1.1), `code` being the
 * bytes at RIP. default_address_size: 8 in 64-bit mode, else 4 or 2 as
 * CS.D says. False when the bytes are not an INS/OUTS. */
bool string_io_decode_prefixes(uint64_t qualification, const uint8_t *code, size_t n,
			       unsigned default_address_size, struct string_io *out);

/* The guest state the instruction reads and updates. */
struct string_io_cpu {
	uint64_t rcx, rsi, rdi;
	bool df;                /* RFLAGS.DF: addresses go down */
	bool mode64;            /* 64-bit mode: canonical check, no limit check */
	unsigned cpl;
	bool wp;                /* CR0.WP: supervisor writes honour R/W */
	bool smap_blocks;       /* CR4.SMAP=1 and RFLAGS.AC=0 */
	uint64_t segment_base;  /* of string_io.segment */
	uint32_t segment_limit; /* outside 64-bit mode; expand-up segments */
};

/* The machine, as the caller sees it. */
struct string_io_env {
	void *ctx;
	struct guest_walk (*walk)(void *ctx, uint64_t linear);
	/* true: gpa..gpa+len-1 touches memory the guest may not reach */
	bool (*hidden)(void *ctx, uint64_t gpa, unsigned len);
	void (*mem_read)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	void (*mem_write)(void *ctx, uint64_t gpa, const void *buf, unsigned len);
	/* sets the accessed (and for a write the dirty) flags of a walk */
	void (*mark_accessed)(void *ctx, const struct guest_walk *w, bool write);
	uint32_t (*port_in)(void *ctx, uint16_t port, unsigned size);
	void (*port_out)(void *ctx, uint16_t port, unsigned size, uint32_t value);
};

enum string_io_result {
	STRING_IO_DONE,        /* the instruction completed: advance RIP */
	STRING_IO_MORE,        /* REP elements remain: re-execute (interrupts may come first) */
	STRING_IO_FAULT,       /* deliver `fault`; RIP stays */
	STRING_IO_UNSUPPORTED, /* a paging mode the walker does not know */
};

struct string_io_fault {
	uint8_t vector;        /* 13 #GP, 12 #SS, 14 #PF */
	uint32_t error_code;
	uint64_t cr2;          /* #PF: the faulting linear address */
};

#define PF_ERROR_PRESENT (1u << 0)
#define PF_ERROR_WRITE (1u << 1)
#define PF_ERROR_USER (1u << 2)

/* Performs at most max_elements elements of `op`, updating `cpu`. */
enum string_io_result string_io_run(const struct string_io *op, struct string_io_cpu *cpu,
				    const struct string_io_env *env, unsigned max_elements,
				    struct string_io_fault *fault);

#endif
