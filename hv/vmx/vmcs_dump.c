/* The whole current VMCS on the log, generated from the field table
 * (vmcs_fields.h): every field this processor has, three to a line. */
#include "vmcs_dump.h"

#include "../lib/log.h"
#include "vmx_ops.h"

#include <stdbool.h>

#define FIELDS_PER_LINE 3

void vmcs_dump(void)
{
	char line[3 * 64], *p = line;
	size_t left = sizeof(line);
	unsigned on_line = 0;
	for (unsigned f = 0; f < VMCS_FIELD_COUNT; f++) {
		uint64_t value;
		bool present = vmread_checked(vmcs_field_table[f].encoding, &value) == VMX_SUCCEED;
		size_t n = vmcs_field_format(p, left, (enum vmcs_field)f, value, present);
		p += n, left -= n;
		if (++on_line == FIELDS_PER_LINE || f + 1 == VMCS_FIELD_COUNT) {
			log_printf("  %s\n", line);
			p = line, left = sizeof(line), on_line = 0;
		}
	}
}
