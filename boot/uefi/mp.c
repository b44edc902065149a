/* The firmware's view of the logical processors: UEFI MP services
 * (EFI_MP_SERVICES_PROTOCOL, declared in efi_mp_services.h).
 * Used before and while the hypervisor starts: the BSP asks the firmware to
 * run a procedure on each AP, one at a time. */
#include <efi.h>
#include <efilib.h>

#include "efi_mp_services.h"
#include "../../hv/lib/log.h"

#include <hv/cpu.h>
#include <hv/platform.h>
#include <stdbool.h>

static EFI_GUID mp_services_guid = MP_SERVICES_GUID;

#define MAX_PROCESSORS HV_MAX_CPUS
static MP_SERVICES *mp;
static UINTN numbers[MAX_PROCESSORS]; /* MP-services processor number of each APIC ID we listed */
static uint32_t listed_ids[MAX_PROCESSORS];
static unsigned listed;

static uint32_t this_apic_id(void) { return cpuid(1).ebx >> 24; }

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
		for (UINTN n = 0; n < count; n++) {
			MP_PROCESSOR_INFORMATION info;
			if (EFI_ERROR(uefi_call_wrapper(mp->GetProcessorInfo, 3, mp, n, &info))) {
				if (pass == 1)
					log_printf("processor %u: the firmware gives no information: left out\n", (unsigned)n);
				continue;
			}
			bool bsp = info.StatusFlag & PROCESSOR_AS_BSP_BIT;
			if (bsp != (pass == 0))
				continue;
			uint32_t id = (uint32_t)info.ProcessorId;
			if (!(info.StatusFlag & PROCESSOR_ENABLED_BIT))
				log_printf("processor APIC ID %u: disabled by the firmware: not started, not virtualized\n", id);
			else if (!(info.StatusFlag & PROCESSOR_HEALTH_STATUS_BIT))
				log_printf("processor APIC ID %u: failed the firmware's health check: not virtualized\n", id);
			else if (listed >= max || listed >= MAX_PROCESSORS)
				log_printf("processor APIC ID %u NOT virtualized: beyond the hypervisor's %u processors; it "
					   "runs without the hypervisor and can reach the hypervisor's memory\n", id,
					   max < MAX_PROCESSORS ? max : MAX_PROCESSORS);
			else {
				numbers[listed] = n;
				listed_ids[listed] = id;
				apic_ids[listed++] = id;
			}
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

/* The firmware calls this on the AP (MP_AP_PROCEDURE: MS x64 convention). */
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
	EFI_STATUS s = uefi_call_wrapper(mp->StartupThisAP, 7, mp, ap_trampoline, numbers[i], NULL,
					 (UINTN)timeout_us, &call, NULL);
	return s == EFI_SUCCESS ? HV_OK : s == EFI_TIMEOUT ? HV_ERR_TIMEOUT : HV_ERR_INVALID;
}
