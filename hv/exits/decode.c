#include "decode.h"

struct interruption_info decode_interruption_info(uint32_t f)
{
	return (struct interruption_info){
		.valid = f & INTR_INFO_VALID,
		.vector = (uint8_t)f,
		.type = (enum interruption_type)((f >> 8) & 7),
		.has_error_code = f & INTR_INFO_ERROR_CODE,
		.nmi_unblocking_due_to_iret = f & INTR_INFO_NMI_UNBLOCKING,
	};
}

uint32_t encode_interruption_info(uint8_t vector, enum interruption_type type, bool has_error_code)
{
	return INTR_INFO_VALID | (has_error_code ? INTR_INFO_ERROR_CODE : 0) | ((uint32_t)type << 8) | vector;
}

struct cr_access decode_cr_access(uint64_t q)
{
	return (struct cr_access){
		.cr = (unsigned)(q & 0xf),
		.type = (enum cr_access_type)((q >> 4) & 3),
		.lmsw_memory_operand = (q >> 6) & 1,
		.gpr = (unsigned)((q >> 8) & 0xf),
		.lmsw_source = (uint16_t)(q >> 16),
	};
}

struct ept_violation decode_ept_violation(uint64_t q)
{
	return (struct ept_violation){
		.read = q & (1u << 0),
		.write = q & (1u << 1),
		.fetch = q & (1u << 2),
		.readable = q & (1u << 3),
		.writable = q & (1u << 4),
		.executable = q & (1u << 5),
		.linear_address_valid = q & (1u << 7),
		.during_translation = (q & (1u << 7)) && !(q & (1u << 8)),
		.nmi_unblocking_due_to_iret = q & (1u << 12),
	};
}

struct io_access decode_io_access(uint64_t q)
{
	return (struct io_access){
		.size = (unsigned)(q & 7) + 1,
		.in = (q >> 3) & 1,
		.string = (q >> 4) & 1,
		.rep = (q >> 5) & 1,
		.port = (uint16_t)(q >> 16),
	};
}
