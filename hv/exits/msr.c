/* RDMSR/WRMSR (exit reasons 31, 32). The MSR bitmap (vmx_setup.c) makes
 * only the MSRs we care about exit; MSRs outside the bitmap's two ranges
 * always exit (SDM Vol. 3C §26.1.3). We protect IA32_FEATURE_CONTROL and
 * the VMX capability MSRs (VMX is hidden from the guest) and raise #GP for
 * MSR indices no processor implements. */
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "msr_policy.h"

#include <hv/cpu.h>
#include <hv/msr.h>

enum exit_action handle_rdmsr(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint32_t index = (uint32_t)r->rcx;
	uint64_t value;
	ctx->sub_kind = index;
	switch (msr_policy(index)) {
	case MSR_FEATURE_CONTROL_VIEW:
		/* Locked, VMX off: what a processor without VMX shows. */
		value = (rdmsr(MSR_IA32_FEATURE_CONTROL) & ~(FEATURE_CONTROL_VMX_INSIDE_SMX |
							       FEATURE_CONTROL_VMX_OUTSIDE_SMX)) |
			FEATURE_CONTROL_LOCK;
		break;
	default:
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	r->rax = (uint32_t)value;
	r->rdx = value >> 32;
	return EXIT_SKIP_INSTRUCTION;
}

enum exit_action handle_wrmsr(struct exit_ctx *ctx)
{
	/* Every MSR that exits on write is one the guest may not change
	 * (locked feature control, read-only VMX MSRs) or does not exist. */
	ctx->sub_kind = (uint32_t)ctx->regs->rcx;
	inject_gp0(ctx);
	return EXIT_RESUME;
}
