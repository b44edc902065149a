/* mp_guest.efi: runs as the hypervisor's guest on a multi-processor
 * machine and uses the firmware's MP services the way firmware and OSes
 * start processors: every call wakes the AP with INIT-SIPI-SIPI (OVMF parks
 * its APs in a HLT loop), which under the hypervisor means an INIT exit
 * (wait-for-SIPI), a SIPI exit (real mode at vector << 12) and the AP's
 * own way up to long mode, all as a guest. On each AP, twice, a procedure
 * records what CPUID says there: the APIC ID, the hypervisor's signature
 * and the hidden VMX bit. One line per AP and round:
 *   mp_guest: round R: AP n (APIC ID a): hypervisor signature VTxEptHvisor, VMX hidden
 * then asks the hypervisor for its statistics (VMCALL 2) and ends the run
 * through the emulators' exit ports. Test tool (test/CMakeLists.txt). */
#include <efi.h>
#include <efilib.h>

#include "../../../boot/uefi/efi_mp_services.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"

#include <hv/cpu.h>

static EFI_GUID mp_guid = MP_SERVICES_GUID;

struct ap_report {
	volatile uint32_t ran, apic_id, sig[3], leaf1_ecx;
};

#define MAX_APS 16
static struct ap_report reports[MAX_APS];

/* Runs on the AP, as the firmware calls it: no firmware calls, no output. */
__attribute__((ms_abi)) static void on_ap(void *argument)
{
	struct ap_report *r = argument;
	struct cpuid_regs c = cpuid(0x40000000);
	r->sig[0] = c.ebx;
	r->sig[1] = c.ecx;
	r->sig[2] = c.edx;
	struct cpuid_regs l1 = cpuid(1);
	r->apic_id = l1.ebx >> 24;
	r->leaf1_ecx = l1.ecx;
	r->ran++;
}

static void end_run(unsigned fails) { emulator_end("mp_guest", fails); }

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	MP_SERVICES *mp = NULL;
	UINTN count = 0, enabled = 0, bsp = 0;
	unsigned fails = 0;
	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) ||
	    EFI_ERROR(uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &count, &enabled)) ||
	    EFI_ERROR(uefi_call_wrapper(mp->WhoAmI, 2, mp, &bsp))) {
		log_raw("mp_guest: no MP services: FAIL\n");
		end_run(1);
		return EFI_UNSUPPORTED;
	}
	log_raw("mp_guest: %lu processors, %lu enabled, BSP is number %lu\n", count, enabled, bsp);
	for (unsigned round = 1; round <= 2; round++) {
		for (UINTN n = 0; n < count && n < MAX_APS; n++) {
			if (n == bsp)
				continue;
			struct ap_report *r = &reports[n];
			uint32_t before = r->ran;
			EFI_STATUS s = uefi_call_wrapper(mp->StartupThisAP, 7, mp, on_ap, n, NULL, 5000000, r, NULL);
			char sig[13];
			for (unsigned i = 0; i < 12; i++)
				sig[i] = (char)(r->sig[i / 4] >> (8 * (i % 4)));
			sig[12] = 0;
			bool ok = !EFI_ERROR(s) && r->ran == before + 1 && r->sig[0] == 0x45785456u &&
				  !(r->leaf1_ecx & (1u << 5));
			fails += !ok;
			log_raw("mp_guest: round %u: AP %lu (APIC ID %u): %s%s, hypervisor signature %s, VMX %s%s\n",
				round, n, r->apic_id, EFI_ERROR(s) ? "StartupThisAP failed " : "ran",
				EFI_ERROR(s) ? "" : "", sig, r->leaf1_ecx & (1u << 5) ? "visible" : "hidden",
				ok ? "" : ": FAIL");
		}
	}
	uint64_t rax = 2;
	__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
	log_raw("mp_guest: statistics request returned %lu\n", rax);
	fails += rax != 0;
	end_run(fails);
	return fails ? EFI_ABORTED : EFI_SUCCESS;
}
