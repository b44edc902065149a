/* The guest's registers as the handlers see them: GPRs by encoding number,
 * the CPL, and the guest-state dump (GPRs, then every VMCS field:
 * vmcs_diag.c). */
#include "../lib/log.h"
#include "../vmx/vmcs_diag.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "exits.h"

static uint64_t *gpr_slot(struct guest_regs *r, unsigned gpr)
{
	switch (gpr) {
	case 0: return &r->rax;
	case 1: return &r->rcx;
	case 2: return &r->rdx;
	case 3: return &r->rbx;
	case 5: return &r->rbp;
	case 6: return &r->rsi;
	case 7: return &r->rdi;
	case 8: return &r->r8;
	case 9: return &r->r9;
	case 10: return &r->r10;
	case 11: return &r->r11;
	case 12: return &r->r12;
	case 13: return &r->r13;
	case 14: return &r->r14;
	default: return &r->r15;
	}
}

uint64_t guest_gpr_read(struct exit_ctx *ctx, unsigned gpr)
{
	return gpr == 4 ? vmcs_read(VMCS_GUEST_RSP) : *gpr_slot(ctx->regs, gpr & 15);
}

void guest_gpr_write(struct exit_ctx *ctx, unsigned gpr, uint64_t value)
{
	if (gpr == 4)
		vmcs_write(VMCS_GUEST_RSP, value);
	else
		*gpr_slot(ctx->regs, gpr & 15) = value;
}

unsigned guest_cpl(void) { return (unsigned)(vmcs_read(VMCS_GUEST_SS_ACCESS_RIGHTS) >> 5) & 3; }

void dump_guest_state(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	log_printf("guest state at exit reason %u (%s), qualification 0x%llx:\n", ctx->reason,
		   exit_reason_name(ctx->reason), (unsigned long long)exit_qualification(ctx));
	log_printf("  rip=%016llx rsp=%016llx rflags=%016llx cpl=%u\n",
		   (unsigned long long)vmcs_read(VMCS_GUEST_RIP), (unsigned long long)vmcs_read(VMCS_GUEST_RSP),
		   (unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS), guest_cpl());
	if (r) {
		log_printf("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", (unsigned long long)r->rax,
			   (unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
		log_printf("  rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n", (unsigned long long)r->rsi,
			   (unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
		log_printf("  r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n", (unsigned long long)r->r9,
			   (unsigned long long)r->r10, (unsigned long long)r->r11, (unsigned long long)r->r12);
		log_printf("  r13=%016llx r14=%016llx r15=%016llx\n", (unsigned long long)r->r13,
			   (unsigned long long)r->r14, (unsigned long long)r->r15);
	}
	vmcs_dump();
}
