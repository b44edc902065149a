#ifndef HV_VMX_DETECT_H
#define HV_VMX_DETECT_H

#include "vmx_caps.h"

#include <hv/status.h>
#include <stdbool.h>

/* Checks that this processor can run the hypervisor: CPUID.1:ECX.VMX,
 * IA32_FEATURE_CONTROL, and the VMX features we need (EPT, unrestricted
 * guest, VPID, TRUE controls). Takes the capability snapshot once and
 * prints the VMX report. On failure the log names what is missing. */
enum hv_status vmx_detect(struct vmx_msr_snapshot *msrs, struct vmx_caps *caps);

/* IA32_FEATURE_CONTROL on this processor (each has its own): sets lock and
 * VMX outside SMX when unlocked; HV_ERR_UNSUPPORTED when locked with VMX
 * off. report: log the MSR and what was changed (a refusal is always
 * logged). */
enum hv_status vmx_feature_control(bool report);

#endif
