/* INIT and SIPI (exit reasons 3, 4). INIT puts the processor in the
 * wait-for-SIPI activity state; SIPI starts it in real mode at
 * vector << 12 with the architectural INIT state (SDM Vol. 3A §10.1.1,
 * Table 10-1; unrestricted guest lets the guest run real mode directly).
 * Where the wait happens, in that state or in the hypervisor (no
 * wait-for-SIPI support, or ipi_relay = on), is init_sipi_rules.h's call.
 * Both are idempotent: an INIT while waiting changes nothing, a SIPI when
 * not waiting is ignored. Whether the CPU waits for a SIPI is kept here, in the
 * vCPU, not read back from the VMCS: Bochs 2.7 saves activity state 0
 * (active) and "blocking by SMI" in the SIPI exit of a processor that was
 * waiting for it (seen: INIT exit, entry with wait-for-SIPI, SIPI exit with
 * activity 0, interruptibility 4). */
#include "../lib/log.h"
#include "../vmx/segment.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "init_sipi_rules.h"
#include "ipi_relay.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>


void init_discard_events(struct vcpu *v)
{
	v->pending_interrupts[0] = v->pending_interrupts[1] = 0;
	v->pending_interrupts[2] = v->pending_interrupts[3] = 0;
	v->guest_nmi_pending = false;
}

enum exit_action handle_init(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	/* Bochs 2.7 never clears the INIT latch when an INIT causes a VM exit
	 * (cpu/event.cc): the next entry into an active guest exits with INIT
	 * again, before the SIPI-started processor ran one instruction. Real
	 * processors consume the INIT. Ignoring it does not help: every entry
	 * exits again at once (seen 20 times in a row). Say so once; then
	 * behave as for any INIT (wait-for-SIPI masks the latch in Bochs). */
	if (v->sipi_started && vmcs_read(VMCS_GUEST_RIP) == 0 && vmcs_read(VMCS_GUEST_CS_BASE) == v->sipi_cs_base &&
	    !v->stale_init_reported) {
		v->stale_init_reported = true;
		log_printf("CPU %u: INIT again before the processor the SIPI started ran an instruction "
			   "(an INIT latch that stayed set: Bochs 2.7 does this, hardware does not)\n", v->index);
	}
	v->sipi_started = false;
	struct init_sipi_caps caps = { .wait_for_sipi = v->hv->caps.wait_for_sipi, .relay = v->hv->apic_relay_page != 0 };
	struct init_sipi_step step =
		init_sipi_next(v->wait_for_sipi ? SIPI_WAIT_ACTIVITY : SIPI_NOT_WAITING, IS_INIT_EXIT, &caps);
	/* INIT resets the processor: no blocking of any kind is left, nothing
	 * to inject. VM entry also insists (SDM Vol. 3C §27.3.1.5): blocking by
	 * SMI must be 0 outside SMM (Bochs 2.7 reports bit 2 set in the INIT
	 * exit), and no event may be injected into wait-for-SIPI. */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, 0);
	ctx->event_injected = false;
	init_discard_events(v);
	if (step.action == IS_WAIT_IN_ROOT) {
		v->wait_for_sipi = false;
		if (step.sipi_unreachable)
			log_printf("CPU %u: INIT: this processor has no wait-for-SIPI activity state (IA32_VMX_MISC[8]=0) "
				   "and ipi_relay is off: no SIPI can reach it; it waits in the hypervisor "
				   "(set ipi_relay = on)\n", v->index);
		else
			log_printf("CPU %u: INIT: waiting for SIPI in the hypervisor (%s)\n", v->index,
				   caps.relay ? "ipi_relay" : "no wait-for-SIPI activity state");
		ipi_relay_wait_sipi(ctx);
		return EXIT_RESUME;
	}
	if (!v->wait_for_sipi)
		log_printf("CPU %u: INIT: waiting for SIPI\n", v->index);
	v->wait_for_sipi = step.next == SIPI_WAIT_ACTIVITY;
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_FOR_SIPI);
	return EXIT_RESUME;
}

static void real_mode_segment(enum vmcs_field sel, enum vmcs_field base, enum vmcs_field limit, enum vmcs_field ar,
			      uint16_t selector, uint32_t access)
{
	vmcs_write(sel, selector);
	vmcs_write(base, (uint64_t)selector << 4);
	vmcs_write(limit, 0xffff);
	vmcs_write(ar, access);
}

/* The architectural state after INIT, started at vector << 12 in real mode. */
void sipi_start(struct exit_ctx *ctx, uint8_t vector)
{
	struct hv *hv = ctx->vcpu->hv;
	struct guest_regs *r = ctx->regs;
	*r = (struct guest_regs){ 0 };
	r->rdx = cpuid(1).eax; /* family/model/stepping, as after INIT */
	uint64_t cr0 = 0x60000010; /* CD, NW, ET */
	vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_fix_cr0(&hv->msrs, cr0, true));
	vmcs_write(VMCS_CR4_READ_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_fix_cr4(&hv->msrs, 0));
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write(VMCS_VMENTRY_CONTROLS, vmcs_read(VMCS_VMENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E_MODE_GUEST);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	real_mode_segment(VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_ACCESS_RIGHTS,
			  (uint16_t)(vector << 8), 0x9b);
	real_mode_segment(VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_ACCESS_RIGHTS, 0, 0x93);
	real_mode_segment(VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_ACCESS_RIGHTS, 0, 0x93);
	real_mode_segment(VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_ACCESS_RIGHTS, 0, 0x93);
	real_mode_segment(VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_ACCESS_RIGHTS, 0, 0x93);
	real_mode_segment(VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_ACCESS_RIGHTS, 0, 0x93);
	real_mode_segment(VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT,
			  VMCS_GUEST_LDTR_ACCESS_RIGHTS, 0, 0x82);
	/* TR must be a busy TSS for VM entry (SDM Vol. 3C §27.3.1.2). */
	real_mode_segment(VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_ACCESS_RIGHTS, 0, 0x8b);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	ctx->vcpu->sipi_started = true;
	ctx->vcpu->sipi_cs_base = (uint64_t)vector << 12;
	invvpid(INVVPID_SINGLE_CONTEXT, (uint16_t)vmcs_read(VMCS_VPID), 0);
	log_printf("CPU %u: SIPI vector 0x%02x: starting at %04x:0000 in real mode\n", ctx->vcpu->index, vector,
		   vector << 8);
}

enum exit_action handle_sipi(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct init_sipi_caps caps = { .wait_for_sipi = v->hv->caps.wait_for_sipi, .relay = v->hv->apic_relay_page != 0 };
	struct init_sipi_step step =
		init_sipi_next(v->wait_for_sipi ? SIPI_WAIT_ACTIVITY : SIPI_NOT_WAITING, IS_SIPI_EXIT, &caps);
	if (step.action != IS_START)
		return EXIT_RESUME; /* a second SIPI is ignored, as on hardware */
	v->wait_for_sipi = false;
	ctx->sub_kind = (uint8_t)exit_qualification(ctx);
	sipi_start(ctx, (uint8_t)exit_qualification(ctx));
	return EXIT_RESUME;
}
