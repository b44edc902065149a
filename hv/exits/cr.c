/* Control-register access (exit reason 28). CR0/CR4 bits that VMX forces
 * (the fixed bits, CR4.VMXE) are owned by the host through the guest/host
 * masks; the guest reads its own values from the read shadows and its
 * writes to owned bits exit here, where they are checked as the processor
 * would and emulated (SDM Vol. 3C §25.6.6, §26.1.3). */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"

#include <hv/cpu.h>

#define CR0_PE (1ull << 0)
#define CR0_TS (1ull << 3)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_VMXE (1ull << 13)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMEP (1ull << 20)
#define CR4_CET (1ull << 23)
#define SEG_AR_L (1u << 13) /* access rights: 64-bit code segment */
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define ENTRY_IA32E_MODE_GUEST (1u << 9)

static void flush_guest_tlb(struct vcpu *v)
{
	/* Our VPID tags the guest's translations; emulated CR writes that
	 * flush the TLB on hardware must flush them (SDM Vol. 3C §29.4.3). */
	invvpid(INVVPID_SINGLE_CONTEXT, (uint16_t)vmcs_read(VMCS_VPID), 0);
	(void)v;
}

/* The guest's CR0 as it reads it: the bits we own from the shadow, the
 * rest (PE, PG, CD, NW, ...) from the guest's CR0, which it changes
 * without exits, so the shadow's copy of them may be stale. */
static uint64_t guest_cr0_view(void)
{
	uint64_t mask = vmcs_read(VMCS_CR0_GUEST_HOST_MASK);
	return (vmcs_read(VMCS_GUEST_CR0) & ~mask) | (vmcs_read(VMCS_CR0_READ_SHADOW) & mask);
}

static bool emulate_mov_to_cr0(struct exit_ctx *ctx, uint64_t value)
{
	uint64_t old = guest_cr0_view();
	if ((value >> 32) || ((value & CR0_PG) && !(value & CR0_PE)) || ((value & CR0_NW) && !(value & CR0_CD)))
		return false;
	/* Clearing WP with CR4.CET=1 is #GP (SDM Vol. 2B, MOV CRn). */
	if (!(value & CR0_WP) && (vmcs_read(VMCS_GUEST_CR4) & CR4_CET))
		return false;
	uint64_t efer;
	if ((value ^ old) & CR0_PG && ((efer = vmcs_read(VMCS_GUEST_IA32_EFER)) & EFER_LME)) {
		/* Paging on/off with EFER.LME set enters/leaves IA-32e mode
		 * (SDM Vol. 3A §10.8.5): LMA and the entry control follow. */
		uint64_t entry = vmcs_read(VMCS_VMENTRY_CONTROLS);
		if (value & CR0_PG) {
			if (!(vmcs_read(VMCS_CR4_READ_SHADOW) & CR4_PAE))
				return false;
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E_MODE_GUEST;
		} else {
			/* IA-32e mode is left from compatibility mode only:
			 * clearing PG in 64-bit mode (CS.L=1) is #GP (SDM
			 * Vol. 2B MOV CRn, 64-bit mode exceptions; Vol. 3A
			 * §10.8.5.4). Found by the fuzzing test. */
			if ((entry & ENTRY_IA32E_MODE_GUEST) && (vmcs_read(VMCS_GUEST_CS_ACCESS_RIGHTS) & SEG_AR_L))
				return false;
			efer &= ~EFER_LMA;
			entry &= ~(uint64_t)ENTRY_IA32E_MODE_GUEST;
		}
		vmcs_write(VMCS_GUEST_IA32_EFER, efer);
		vmcs_write(VMCS_VMENTRY_CONTROLS, entry);
	}
	struct hv *hv = ctx->vcpu->hv;
	vmcs_write(VMCS_CR0_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR0, vmx_fix_cr0(&hv->msrs, value, hv->caps.unrestricted_guest));
	/* VM entry does not load CR0.CD and CR0.NW (nor VM exit): they stay
	 * as they are in the processor (SDM Vol. 3C §27.3.2.1, §28.5.1), so
	 * a change the guest makes through this exit is made here, or it
	 * would be lost. Found by the fuzzing test. */
	if ((value ^ old) & (CR0_CD | CR0_NW))
		write_cr0((read_cr0() & ~(CR0_CD | CR0_NW)) | (value & (CR0_CD | CR0_NW)));
	if ((value ^ old) & (CR0_PG | CR0_CD | CR0_NW))
		flush_guest_tlb(ctx->vcpu);
	return true;
}

static bool emulate_mov_to_cr4(struct exit_ctx *ctx, uint64_t value)
{
	struct hv *hv = ctx->vcpu->hv;
	uint64_t old = vmcs_read(VMCS_CR4_READ_SHADOW);
	/* Bits the processor does not support are reserved (#GP), and so is
	 * VMXE, since the guest's processor has no VMX. */
	uint64_t supported = hv->msrs.cr4_fixed1 & ~CR4_VMXE;
	bool ia32e = vmcs_read(VMCS_VMENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST;
	if ((value & ~supported) || (ia32e && !(value & CR4_PAE)) ||
	    ((value & CR4_PCIDE) && !(old & CR4_PCIDE) && ((vmcs_read(VMCS_GUEST_CR3) & 0xfff) || !ia32e)))
		return false;
	vmcs_write(VMCS_CR4_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR4, vmx_fix_cr4(&hv->msrs, value));
	if ((value ^ old) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP))
		flush_guest_tlb(ctx->vcpu);
	return true;
}

enum exit_action handle_cr_access(struct exit_ctx *ctx)
{
	struct cr_access a = decode_cr_access(exit_qualification(ctx));
	bool ok = true;
	ctx->sub_kind = stats_sub_key_cr(a.cr, a.type);
	switch (a.type) {
	case CR_MOV_TO: {
		uint64_t value = guest_gpr_read(ctx, a.gpr);
		if (a.cr == 0)
			ok = emulate_mov_to_cr0(ctx, value);
		else if (a.cr == 4)
			ok = emulate_mov_to_cr4(ctx, value);
		else if (a.cr == 3) {
			vmcs_write(VMCS_GUEST_CR3, value);
			flush_guest_tlb(ctx->vcpu);
		} else {
			log_printf("MOV to CR%u exit not expected (controls off)\n", a.cr);
			return EXIT_STOP;
		}
		break;
	}
	case CR_MOV_FROM:
		if (a.cr == 3) {
			guest_gpr_write(ctx, a.gpr, vmcs_read(VMCS_GUEST_CR3));
		} else {
			log_printf("MOV from CR%u exit not expected (controls off)\n", a.cr);
			return EXIT_STOP;
		}
		break;
	case CR_CLTS:
		ok = emulate_mov_to_cr0(ctx, guest_cr0_view() & ~CR0_TS);
		break;
	case CR_LMSW: {
		/* LMSW loads CR0 bits 3:0 but cannot clear PE (SDM Vol. 2A). */
		uint64_t cr0 = guest_cr0_view();
		uint64_t value = (cr0 & ~0xeull) | (a.lmsw_source & 0xf) | (cr0 & CR0_PE);
		ok = emulate_mov_to_cr0(ctx, value);
		break;
	}
	}
	if (!ok) {
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	return EXIT_SKIP_INSTRUCTION;
}
