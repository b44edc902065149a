#include "vmcs_fields.h"

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
