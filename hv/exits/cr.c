/* Control-register access (exit reason 28). CR0/CR4 bits that VMX forces
 * (the fixed bits, CR4.VMXE) are owned by the host through the guest/host
 * masks; the guest reads its own values from the read shadows and its
 * writes to owned bits exit here, where they are checked as the processor
 * would and emulated (SDM Vol. 3C §25.6.6, §26.1.3). */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "cr_rules.h"
#include "exits.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>


static void flush_guest_tlb(void)
{
	/* Our VPID tags the guest's translations; emulated CR writes that
	 * flush the TLB on hardware must flush them (SDM Vol. 3C §29.4.3). */
	invvpid(INVVPID_SINGLE_CONTEXT, vmcs_read16(VMCS_VPID), 0);
}

/* The VMCS fields behind struct guest_cr, X(member, field, read accessor):
 * all read on each CR exit; written back only where the rules changed them
 * (cr_rules.c changes CR0, CR4, their shadows, EFER and the entry
 * controls; never the mask, CR3 or CS). */
#define GUEST_CR_FIELDS(X)                                                                                  \
	X(cr0, VMCS_GUEST_CR0, vmcs_read) X(cr0_mask, VMCS_CR0_GUEST_HOST_MASK, vmcs_read)                    \
	X(cr0_shadow, VMCS_CR0_READ_SHADOW, vmcs_read)                                                       \
	X(cr4, VMCS_GUEST_CR4, vmcs_read) X(cr4_shadow, VMCS_CR4_READ_SHADOW, vmcs_read)                      \
	X(cr3, VMCS_GUEST_CR3, vmcs_read) X(efer, VMCS_GUEST_IA32_EFER, vmcs_read)                            \
	X(entry_controls, VMCS_VMENTRY_CONTROLS, vmcs_read32)                                                \
	X(cs_access_rights, VMCS_GUEST_CS_ACCESS_RIGHTS, vmcs_read32)

static struct guest_cr load_guest_cr(void)
{
	struct guest_cr g;
#define LOAD(member, field, read) g.member = read(field);
	GUEST_CR_FIELDS(LOAD)
#undef LOAD
	return g;
}

/* Writes back what the rules changed. */
static void store_guest_cr(const struct guest_cr *old, const struct guest_cr *g, unsigned effects)
{
#define STORE(member, field, read)        \
	if (g->member != old->member)     \
		vmcs_write(field, g->member);
	GUEST_CR_FIELDS(STORE)
#undef STORE
	/* VM entry does not load CR0.CD and CR0.NW (nor VM exit): they stay
	 * as they are in the processor (SDM Vol. 3C §27.3.2.1, §28.5.1), so a
	 * change the guest makes through this exit is made here, or it would
	 * be lost. */
	if (effects & CR_CACHE_MODE)
		write_cr0((read_cr0() & ~(CR0_CD | CR0_NW)) | (g->cr0_shadow & (CR0_CD | CR0_NW)));
	if (effects & CR_FLUSH_TLB)
		flush_guest_tlb();
}

/* MOV to CR0, CLTS (clears TS) and LMSW (loads bits 3:0, cannot clear
 * PE: SDM Vol. 2A) all become one CR0 write. */
enum cr0_source { CR0_FROM_MOV, CR0_FROM_CLTS, CR0_FROM_LMSW };

static bool write_cr0_as(struct exit_ctx *ctx, enum cr0_source how, uint64_t operand)
{
	struct hv *hv = ctx->vcpu->hv;
	struct guest_cr g = load_guest_cr(), old = g;
	uint64_t cr0 = guest_cr0_view(&g), value = operand;
	if (how == CR0_FROM_CLTS)
		value = cr0 & ~CR0_TS;
	else if (how == CR0_FROM_LMSW)
		value = (cr0 & ~0xeull) | (operand & 0xf) | (cr0 & CR0_PE);
	unsigned effects;
	if (!cr0_write(&g, &hv->msrs, hv->caps.unrestricted_guest, value, &effects))
		return false;
	store_guest_cr(&old, &g, effects);
	return true;
}

/* VMXE is ours, and SMXE is reserved: SMX is hidden (cpuid_gates.h). */
static bool mov_to_cr4(struct exit_ctx *ctx, uint64_t value)
{
	struct hv *hv = ctx->vcpu->hv;
	struct guest_cr g = load_guest_cr(), old = g;
	unsigned effects;
	if (!cr4_write(&g, &hv->msrs, CR4_VMXE | CR4_SMXE, value, &effects))
		return false;
	store_guest_cr(&old, &g, effects);
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
			ok = write_cr0_as(ctx, CR0_FROM_MOV, value);
		else if (a.cr == 4)
			ok = mov_to_cr4(ctx, value);
		else if (a.cr == 3) {
			vmcs_write(VMCS_GUEST_CR3, value);
			flush_guest_tlb();
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
		ok = write_cr0_as(ctx, CR0_FROM_CLTS, 0);
		break;
	case CR_LMSW:
		ok = write_cr0_as(ctx, CR0_FROM_LMSW, a.lmsw_source);
		break;
	}
	if (!ok) {
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	return EXIT_SKIP_INSTRUCTION;
}
