/* The one table of VM-instruction error numbers (SDM Vol. 3C §31.4). */
#ifndef HV_VMX_ERRORS_H
#define HV_VMX_ERRORS_H

#define VMX_INSTRUCTION_ERROR_LIST(X)                                                     \
	X(1, "VMCALL executed in VMX root operation")                                     \
	X(2, "VMCLEAR with invalid physical address")                                     \
	X(3, "VMCLEAR with VMXON pointer")                                                \
	X(4, "VMLAUNCH with non-clear VMCS")                                              \
	X(5, "VMRESUME with non-launched VMCS")                                           \
	X(6, "VMRESUME after VMXOFF")                                                     \
	X(7, "VM entry with invalid control field(s)")                                    \
	X(8, "VM entry with invalid host-state field(s)")                                 \
	X(9, "VMPTRLD with invalid physical address")                                     \
	X(10, "VMPTRLD with VMXON pointer")                                               \
	X(11, "VMPTRLD with incorrect VMCS revision identifier")                          \
	X(12, "VMREAD/VMWRITE from/to unsupported VMCS component")                        \
	X(13, "VMWRITE to read-only VMCS component")                                      \
	X(15, "VMXON executed in VMX root operation")                                     \
	X(16, "VM entry with invalid executive-VMCS pointer")                             \
	X(17, "VM entry with non-launched executive VMCS")                                \
	X(18, "VM entry with executive-VMCS pointer not VMXON pointer")                   \
	X(19, "VMCALL with non-clear VMCS")                                               \
	X(20, "VMCALL with invalid VM-exit control fields")                               \
	X(22, "VMCALL with incorrect MSEG revision identifier")                           \
	X(23, "VMXOFF under dual-monitor treatment of SMIs and SMM")                      \
	X(24, "VMCALL with invalid SMM-monitor features")                                 \
	X(25, "VM entry with invalid VM-execution control fields in executive VMCS")      \
	X(26, "VM entry with events blocked by MOV SS")                                   \
	X(28, "Invalid operand to INVEPT/INVVPID")

static inline const char *vmx_instruction_error_text(unsigned long number)
{
	switch (number) {
#define X(n, text) \
	case n:    \
		return text;
		VMX_INSTRUCTION_ERROR_LIST(X)
#undef X
	}
	return "unknown VM-instruction error";
}

#endif
