#include "vmcs_fields.h"

#include "../lib/fmt.h"
#include "vmx_errors.h"

/* SDM Vol. 3C §25.11.2: bits 14:13 of an encoding give the width, bit 0
 * selects the high half of a 64-bit field (never named here). */
#define X(name, enc, w)                                                                    \
	_Static_assert((((enc) >> 13) & 3) == (w), #name ": width column disagrees with encoding"); \
	_Static_assert(((enc) & 1) == 0, #name ": high-half encodings are not fields");
VMCS_FIELD_LIST(X)
#undef X

const struct vmcs_field_info vmcs_field_table[VMCS_FIELD_COUNT] = {
#define X(name, enc, w) [name] = { #name, enc, w },
	VMCS_FIELD_LIST(X)
#undef X
};

#define SEGMENT_FIELDS(seg)                                                                        \
	{ VMCS_GUEST_##seg##_SELECTOR, VMCS_GUEST_##seg##_BASE, VMCS_GUEST_##seg##_LIMIT,          \
	  VMCS_GUEST_##seg##_ACCESS_RIGHTS }
const struct vmcs_segment_fields vmcs_guest_segments[VMCS_GUEST_SEGMENT_COUNT] = {
	SEGMENT_FIELDS(ES), SEGMENT_FIELDS(CS), SEGMENT_FIELDS(SS), SEGMENT_FIELDS(DS),
	SEGMENT_FIELDS(FS), SEGMENT_FIELDS(GS), SEGMENT_FIELDS(LDTR), SEGMENT_FIELDS(TR),
};

size_t vmcs_field_format(char *buf, size_t size, enum vmcs_field f, uint64_t value, bool present)
{
	static const int digits[] = { [W16] = 4, [W32] = 8, [W64] = 16, [WNAT] = 16 };
	const struct vmcs_field_info *info = &vmcs_field_table[f];
	const char *name = info->name + 5; /* without "VMCS_" */
	size_t n = present ? fmt_format(buf, size, "%s=%0*llx ", name, digits[info->width], (unsigned long long)value)
			   : fmt_format(buf, size, "%s=- ", name);
	return n < size ? n : size ? size - 1 : 0;
}

size_t vmcs_write_failure_text(char *buf, size_t size, unsigned field_plus1, uint32_t error)
{
	const char *name = field_plus1 && field_plus1 <= VMCS_FIELD_COUNT ? vmcs_field_table[field_plus1 - 1].name
									 : "(unknown field)";
	size_t n = error ? fmt_format(buf, size, "VMWRITE %s failed: VM-instruction error %u (%s)", name,
				      (unsigned)error, vmx_instruction_error_text(error))
			 : fmt_format(buf, size, "VMWRITE %s failed: VMfailInvalid (no current VMCS)", name);
	return n < size ? n : size ? size - 1 : 0;
}
