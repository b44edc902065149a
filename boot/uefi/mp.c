/* The firmware's view of the logical processors: UEFI MP services
 * (EFI_MP_SERVICES_PROTOCOL, UEFI PI spec Vol. 2 §13.4). GNU-EFI has no
 * header for it, so the protocol is declared here, as the PI spec gives it.
 * Used before and while the hypervisor starts: the BSP asks the firmware to
 * run a procedure on each AP, one at a time. */
#include <efi.h>
#include <efilib.h>

#include <hv/platform.h>
#include <stdbool.h>

#define PROCESSOR_AS_BSP_BIT 0x1u
#define PROCESSOR_ENABLED_BIT 0x2u
#define PROCESSOR_HEALTH_STATUS_BIT 0x4u

typedef struct {
	UINT64 ProcessorId; /* the APIC ID */
	UINT32 StatusFlag;
	struct { UINT32 Package, Core, Thread; } Location;
	UINT8 Extended[64]; /* PI 1.7 extended topology: room, never asked for */
} MP_PROCESSOR_INFORMATION;

typedef void(__attribute__((ms_abi)) *MP_AP_PROCEDURE)(void *argument);

typedef struct MP_SERVICES MP_SERVICES;
struct MP_SERVICES {
	EFI_STATUS(EFIAPI *GetNumberOfProcessors)(MP_SERVICES *self, UINTN *count, UINTN *enabled);
	EFI_STATUS(EFIAPI *GetProcessorInfo)(MP_SERVICES *self, UINTN number, MP_PROCESSOR_INFORMATION *info);
	EFI_STATUS(EFIAPI *StartupAllAPs)(MP_SERVICES *self, MP_AP_PROCEDURE fn, BOOLEAN single_thread,
					  EFI_EVENT wait, UINTN timeout_us, VOID *argument, UINTN **failed);
	EFI_STATUS(EFIAPI *StartupThisAP)(MP_SERVICES *self, MP_AP_PROCEDURE fn, UINTN number, EFI_EVENT wait,
					  UINTN timeout_us, VOID *argument, BOOLEAN *finished);
	EFI_STATUS(EFIAPI *SwitchBSP)(MP_SERVICES *self, UINTN number, BOOLEAN enable_old_bsp);
	EFI_STATUS(EFIAPI *EnableDisableAP)(MP_SERVICES *self, UINTN number, BOOLEAN enable, UINT32 *health);
	EFI_STATUS(EFIAPI *WhoAmI)(MP_SERVICES *self, UINTN *number);
};

static EFI_GUID mp_services_guid = { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };

#define MAX_PROCESSORS 256
static MP_SERVICES *mp;
static UINTN numbers[MAX_PROCESSORS]; /* MP-services processor number of each APIC ID we listed */
static uint32_t listed_ids[MAX_PROCESSORS];
static unsigned listed;

static uint32_t this_apic_id(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;
	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return ebx >> 24;
}

unsigned platform_processors(uint32_t *apic_ids, unsigned max)
{
	listed = 0;
	UINTN count = 0, enabled = 0;
	if (!mp && EFI_ERROR(LibLocateProtocol(&mp_services_guid, (void **)&mp)))
		mp = NULL;
	if (!mp || EFI_ERROR(uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &count, &enabled))) {
		apic_ids[0] = this_apic_id();
		return 1;
	}
	/* The BSP first, then the enabled, healthy APs in the firmware's order. */
	for (int pass = 0; pass < 2; pass++)
		for (UINTN n = 0; n < count && listed < max && listed < MAX_PROCESSORS; n++) {
			MP_PROCESSOR_INFORMATION info;
			if (EFI_ERROR(uefi_call_wrapper(mp->GetProcessorInfo, 3, mp, n, &info)))
				continue;
			bool bsp = info.StatusFlag & PROCESSOR_AS_BSP_BIT;
			bool usable = (info.StatusFlag & PROCESSOR_ENABLED_BIT) &&
				      (info.StatusFlag & PROCESSOR_HEALTH_STATUS_BIT);
			if (bsp != (pass == 0) || !usable)
				continue;
			numbers[listed] = n;
			listed_ids[listed] = (uint32_t)info.ProcessorId;
			apic_ids[listed++] = (uint32_t)info.ProcessorId;
		}
	if (!listed) {
		apic_ids[0] = this_apic_id();
		return 1;
	}
	return listed;
}

struct ap_call {
	void (*fn)(void *);
	void *arg;
};

/* The firmware calls this on the AP with the MS x64 convention (argument
 * in RCX); GNU-EFI's EFIAPI is empty here (uefi_call_wrapper converts the
 * calls we make), so the convention is spelled out. */
__attribute__((ms_abi)) static void ap_trampoline(void *argument)
{
	struct ap_call *c = argument;
	c->fn(c->arg);
}

enum hv_status platform_run_on_ap(uint32_t apic_id, void (*fn)(void *), void *arg, uint64_t timeout_us)
{
	unsigned i = 0;
	while (i < listed && listed_ids[i] != apic_id)
		i++;
	if (!mp || i == listed)
		return HV_ERR_INVALID;
	struct ap_call call = { fn, arg };
	EFI_STATUS s = uefi_call_wrapper(mp->StartupThisAP, 7, mp, (MP_AP_PROCEDURE)ap_trampoline, numbers[i], NULL,
					 (UINTN)timeout_us, &call, NULL);
	return s == EFI_SUCCESS ? HV_OK : s == EFI_TIMEOUT ? HV_ERR_TIMEOUT : HV_ERR_INVALID;
}
