/* vmx_locked_shim.efi: test tool for "VMX locked off". Locks
 * IA32_FEATURE_CONTROL with VMX disabled (as firmware does when VT-x is
 * switched off in its setup; the lock holds until reset), then starts
 * \EFI\hv\hv.efi, which must say so and hand the boot back: no guest, no
 * hang. Ends the run through Bochs's shutdown port. Never for real machines:
 * it leaves VMX off until the next reset. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "shim_start.h"

#include <hv/cpu.h>
#include <hv/msr.h>

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uint64_t before = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(before & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK);
	log_raw("vmx_locked_shim: IA32_FEATURE_CONTROL 0x%llx -> 0x%llx\n", (unsigned long long)before,
		(unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
	EFI_STATUS s = shim_start_hv(image);
	log_raw("vmx_locked_shim: hv.efi returned 0x%lx; CPUID.1:ECX.hypervisor=%u\n", (unsigned long)s,
		(cpuid(1).ecx >> 31) & 1);
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return EFI_SUCCESS;
}
