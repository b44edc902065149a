/* VMCS diagnostics (vmcs_diag.h): the dump is generated from the field
 * table; failed VMWRITEs are kept in the vCPU's GS area (vmx_ops.h). */
#include "vmcs_diag.h"

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
			p[-1] = '\0'; /* each field ends in a space: not the line */
			log_printf("  %s\n", line);
			p = line, left = sizeof(line), on_line = 0;
		}
	}
}

/* The first failure since the last report wins: later ones are usually
 * its consequences. GS points at the vCPU whenever VMCS fields are
 * written (vmx_ops.h). */
enum vmx_result vmcs_write_failed(enum vmcs_field f)
{
	uint64_t error = 0;
	/* No error field to read: there is no current VMCS (VMfailInvalid). */
	enum vmx_result how = vmread_checked(vmcs_field_table[VMCS_VM_INSTRUCTION_ERROR].encoding, &error) == VMX_SUCCEED
				      ? VMX_FAIL_VALID
				      : VMX_FAIL_INVALID;
	uint16_t recorded;
	__asm__ volatile("movw %%gs:%c1, %0" : "=r"(recorded) : "i"(VCPU_GS_VMWRITE_FAILED));
	if (recorded)
		return how;
	if (how == VMX_FAIL_INVALID)
		error = 0;
	__asm__ volatile("movl %0, %%gs:%c1" ::"r"((uint32_t)error), "i"(VCPU_GS_VMWRITE_ERROR) : "memory");
	__asm__ volatile("movw %0, %%gs:%c1" ::"r"((uint16_t)(f + 1)), "i"(VCPU_GS_VMWRITE_FAILED) : "memory");
	return how;
}

bool vmcs_write_failure_report(unsigned cpu)
{
	uint16_t field_plus1;
	uint32_t error;
	__asm__ volatile("movw %%gs:%c1, %0" : "=r"(field_plus1) : "i"(VCPU_GS_VMWRITE_FAILED));
	if (!field_plus1)
		return false;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(error) : "i"(VCPU_GS_VMWRITE_ERROR));
	char text[160];
	vmcs_write_failure_text(text, sizeof(text), field_plus1, error);
	log_printf("CPU %u: %s\n", cpu, text);
	__asm__ volatile("movw $0, %%gs:%c0" ::"i"(VCPU_GS_VMWRITE_FAILED) : "memory");
	return true;
}
