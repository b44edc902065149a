/* Exit qualifications and event-information fields decoded into structs
 * before any handler looks at them (SDM Vol. 3C §28.2.1, §25.9.2, §25.8.3).
 * Pure. */
#ifndef HV_DECODE_H
#define HV_DECODE_H

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stdint.h>


struct interruption_info {
	bool valid;
	uint8_t vector;
	enum interruption_type type;
	bool has_error_code;
	bool nmi_unblocking_due_to_iret;
};
/* Inline, as the next two: the exit path's hot handlers use them. */
static inline struct interruption_info decode_interruption_info(uint32_t f)
{
	return (struct interruption_info){
		.valid = f & INTR_INFO_VALID,
		.vector = (uint8_t)f,
		.type = (enum interruption_type)((f >> 8) & 7),
		.has_error_code = f & INTR_INFO_ERROR_CODE,
		.nmi_unblocking_due_to_iret = f & INTR_INFO_NMI_UNBLOCKING,
	};
}
static inline uint32_t encode_interruption_info(uint8_t vector, enum interruption_type type, bool has_error_code)
{
	return INTR_INFO_VALID | (has_error_code ? INTR_INFO_ERROR_CODE : 0) | ((uint32_t)type << 8) | vector;
}

/* Control-register access (SDM Vol. 3C Table 28-3). */
enum cr_access_type { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };
struct cr_access {
	unsigned cr;
	enum cr_access_type type;
	bool lmsw_memory_operand;
	unsigned gpr; /* 0 RAX .. 15 R15, as in the ModRM encoding */
	uint16_t lmsw_source;
};
struct cr_access decode_cr_access(uint64_t qualification);

/* EPT violation (SDM Vol. 3C Table 28-7). */
struct ept_violation {
	bool read, write, fetch;              /* the access that caused it */
	bool readable, writable, executable;  /* what the EPT entry allowed */
	bool linear_address_valid;
	bool during_translation;              /* access to a guest paging structure */
	bool nmi_unblocking_due_to_iret;
};
struct ept_violation decode_ept_violation(uint64_t qualification);

/* I/O instruction (SDM Vol. 3C Table 28-5). */
struct io_access {
	unsigned size; /* 1, 2 or 4 bytes */
	bool in;       /* IN/INS; else OUT/OUTS */
	bool string, rep;
	uint16_t port;
};
static inline struct io_access decode_io_access(uint64_t q)
{
	return (struct io_access){
		.size = (unsigned)(q & 7) + 1,
		.in = (q >> 3) & 1,
		.string = (q >> 4) & 1,
		.rep = (q >> 5) & 1,
		.port = (uint16_t)(q >> 16),
	};
}

#endif
