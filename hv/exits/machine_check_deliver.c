/* Delivering a machine check the hypervisor saw to the guest: one that hit
 * VMX root operation (host.c sets host_mc_pending from its #MC handler) or
 * one that made a VM entry fail (exit reason 41, SDM Vol. 3C §27.8:
 * "VM-entry failure due to machine-check event"). The guest OS owns error
 * handling: it gets #MC as the processor would have delivered it, and the
 * banks as they are. A machine check is an abort: an event whose delivery
 * it interrupted is not delivered again, as on hardware. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "../lib/machine_check.h"

#include <hv/cpu.h>

static void log_banks(unsigned cpu)
{
	unsigned banks = (unsigned)(rdmsr(MSR_IA32_MCG_CAP) & 0xff);
	log_printf("CPU %u: machine check (IA32_MCG_STATUS 0x%llx), for the guest's handler:\n", cpu,
		   (unsigned long long)rdmsr(MSR_IA32_MCG_STATUS));
	for (unsigned i = 0; i < banks; i++) {
		uint64_t status = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
		char line[128];
		if (machine_check_describe(i, status, (status & MCI_STATUS_ADDRV) ? rdmsr(MSR_IA32_MC0_STATUS + 4 * i + 1) : 0,
					   line, sizeof(line)))
			log_printf("  %s\n", line);
	}
}

void deliver_machine_check(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	/* Wait-for-SIPI takes no injected event (SDM Vol. 3C §27.3.1.5);
	 * the machine check stays pending until the processor starts. */
	if (vmcs_read(VMCS_GUEST_ACTIVITY_STATE) == ACTIVITY_WAIT_FOR_SIPI)
		return;
	v->host_mc_pending = 0;
	log_banks(v->index);
	if (exit_idt_vectoring_info(ctx) & INTR_INFO_VALID)
		log_printf("CPU %u: the event being delivered is lost to the machine check, as on hardware\n", v->index);
	/* The guest's CR4.MCE clear: the processor would shut down; the
	 * guest's #MC handler is what it has instead, so it gets the #MC. */
	inject_exception(ctx, 18, false, 0);
	log_printf("CPU %u: #MC delivered to the guest at RIP 0x%llx\n", v->index,
		   (unsigned long long)vmcs_read(VMCS_GUEST_RIP));
}
