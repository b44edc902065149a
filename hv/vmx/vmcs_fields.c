#include "vmcs_fields.h"

const struct vmcs_field_info vmcs_field_table[VMCS_FIELD_COUNT] = {
#define X(name, enc, w) [name] = { #name, enc, w },
	VMCS_FIELD_LIST(X)
#undef X
};
