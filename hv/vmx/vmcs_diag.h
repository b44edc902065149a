/* VMCS diagnostics: the whole current VMCS on the log, and the failed
 * VMWRITE that vmcs_write records (vmx_ops.h). */
#ifndef HV_VMCS_DIAG_H
#define HV_VMCS_DIAG_H

#include <stdbool.h>

/* Every field of vmcs_fields.h this processor has, three to a line. */
void vmcs_dump(void);

/* When a VMWRITE on this CPU failed since the last call: logs the first
 * one (field and VM-instruction error), clears the record, returns true.
 * Called before VMLAUNCH and before each VMRESUME. */
bool vmcs_write_failure_report(unsigned cpu);

#endif
