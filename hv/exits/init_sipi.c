/* INIT and SIPI (exit reasons 3, 4). INIT puts the processor in the
 * wait-for-SIPI activity state; SIPI starts it in real mode at
 * vector << 12 with the architectural INIT state (SDM Vol. 3A §10.1.1,
 * Table 10-1; unrestricted guest lets the guest run real mode directly).
 * Both are idempotent: Bochs 2.7 may leave INIT pending after an INIT exit
 * and exit again. */
#include "../lib/log.h"
#include "../vmx/segment.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"

#include <hv/cpu.h>

#define ENTRY_IA32E_MODE_GUEST (1u << 9)

enum exit_action handle_init(struct exit_ctx *ctx)
{
	if (vmcs_read(VMCS_GUEST_ACTIVITY_STATE) != ACTIVITY_WAIT_FOR_SIPI)
		log_printf("CPU %u: INIT: waiting for SIPI\n", ctx->vcpu->index);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_FOR_SIPI);
	ctx->vcpu->pending_interrupts[0] = ctx->vcpu->pending_interrupts[1] = 0;
	ctx->vcpu->pending_interrupts[2] = ctx->vcpu->pending_interrupts[3] = 0;
	ctx->vcpu->guest_nmi_pending = false;
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

enum exit_action handle_sipi(struct exit_ctx *ctx)
{
	if (vmcs_read(VMCS_GUEST_ACTIVITY_STATE) != ACTIVITY_WAIT_FOR_SIPI)
		return EXIT_RESUME; /* a second SIPI is ignored, as on hardware */
	struct hv *hv = ctx->vcpu->hv;
	uint8_t vector = (uint8_t)exit_qualification(ctx);
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
	invvpid(INVVPID_SINGLE_CONTEXT, (uint16_t)vmcs_read(VMCS_VPID), 0);
	log_printf("CPU %u: SIPI vector 0x%02x: starting at %04x:0000 in real mode\n", ctx->vcpu->index, vector,
		   vector << 8);
	return EXIT_RESUME;
}
