/* poweroff.efi: test tool that ends an emulator run from inside, after the
 * firmware has gone on booting (tests put it on a second disk, or start it
 * as the guest). When our hypervisor is present (CPUID 0x40000000) it first
 * asks it, through VMCALL, to print its exit statistics.
 * Bochs: "Shutdown" to port 0x8900. QEMU: isa-debug-exit at 0xf4, value 0
 * (QEMU exits with status 1). Never put this on a real machine's ESP. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/exits/hypercall.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"

#include <hv/cpu.h>

static int hypervisor_present(void)
{
	struct cpuid_regs c = cpuid(HV_CPUID_LEAF_BASE);
	const char *sig = HV_CPUID_SIGNATURE;
	uint32_t words[3] = { c.ebx, c.ecx, c.edx };
	log_raw("poweroff: CPUID 0x40000000: eax=%08x ebx=%08x ecx=%08x edx=%08x; CPUID.1:ECX=%08x\n", c.eax, c.ebx, c.ecx,
		c.edx, cpuid(1).ecx);
	if (!(cpuid(1).ecx & (1u << 31)))
		return 0;
	for (int i = 0; i < 12; i++)
		if ((char)(words[i / 4] >> (8 * (i % 4))) != sig[i])
			return 0;
	return 1;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	log_raw("poweroff: firmware boot continued; ending the emulator run\n");
	if (hypervisor_present()) {
		/* Asked mid-line: the hypervisor's lines must still start on a
		 * line of their own (it tracks our writes to the shared port). */
		log_raw("poweroff: statistics requested mid-line:");
		uint64_t rax = HV_CALL_PRINT_STATS;
		__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
		log_raw(" (line resumed)\n");
		log_raw("poweroff: hypervisor present; statistics request returned %llu\n", (unsigned long long)rax);
	}
	serial_drain();
	emulator_exit(0);
	return EFI_SUCCESS;
}
