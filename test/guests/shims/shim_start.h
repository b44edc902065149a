/* Test shims start \EFI\hv\hv.efi themselves after preparing the machine
 * (ACPI tables, a locked IA32_FEATURE_CONTROL, ...). */
#ifndef TEST_SHIM_START_H
#define TEST_SHIM_START_H

#include <efi.h>

/* Loads and starts \EFI\hv\hv.efi from our own device; returns its status. */
EFI_STATUS shim_start_hv(EFI_HANDLE image);

#endif
