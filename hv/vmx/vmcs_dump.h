/* Dump of the current VMCS (every field of vmcs_fields.h) on the log. */
#ifndef HV_VMCS_DUMP_H
#define HV_VMCS_DUMP_H

void vmcs_dump(void);

#endif
