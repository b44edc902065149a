#include "decode.h"

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

