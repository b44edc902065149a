/* The VM-exit dispatcher: one table indexed by basic exit reason
 * (exit_reasons.h), called from vmx_entry.asm with the guest's GPRs. */
#include "exit_reasons.h"

#include "../lib/log.h"
#include "../lib/serial.h"
#include "../vmx/vmcs_diag.h"
#include "../vmx/vmx_errors.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"

#include <hv/cpu.h>
#include <stddef.h>

/* Exits the table has no handler for: say which, dump, stop the guest. */
static enum exit_action handle_unexpected(struct exit_ctx *ctx)
{
	log_printf("unexpected VM exit: reason %u (%s), qualification 0x%llx\n", ctx->reason,
		   exit_reason_name(ctx->reason), (unsigned long long)exit_qualification(ctx));
	return EXIT_STOP;
}

/* Every slot callable: the list's NULL (no handler) and the numbers it
 * skips are handle_unexpected, so the exit path checks the bound only. */
#define HANDLER_OR_UNEXPECTED(h) \
	__builtin_choose_expr(__builtin_types_compatible_p(__typeof__(h), void *), handle_unexpected, h)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static exit_handler *const exit_handlers[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = handle_unexpected,
#define X(n, name, handler, during_delivery) [n] = HANDLER_OR_UNEXPECTED(handler),
	EXIT_REASON_LIST(X)
#undef X
};
#pragma GCC diagnostic pop

_Noreturn static void stop_guest(struct exit_ctx *ctx)
{
	dump_guest_state(ctx);
	ctx->vcpu->stopped = true;
	log_printf("guest stopped on CPU %u after %llu exits: this CPU halts\n", ctx->vcpu->index,
		   (unsigned long long)ctx->vcpu->stats.exits);
	serial_drain();
	cpu_halt_forever();
}

/* SDM Vol. 3C §27.8: a VM entry that fails after loading guest state
 * exits with bit 31 of the exit reason set. */
_Noreturn static void entry_failed(struct exit_ctx *ctx, uint32_t full_reason)
{
	unsigned basic = full_reason & 0xffff;
	log_printf("VM entry failed: exit reason %u (%s), qualification 0x%llx\n", basic, exit_reason_name(basic),
		   (unsigned long long)exit_qualification(ctx));
	stop_guest(ctx);
}

/* Work flagged for this CPU: another processor changed the EPT's memory
 * types (MTRR write, msr.c): drop what this one cached, host page tables
 * included, before it runs the guest again; a machine check to deliver; a
 * failed VMWRITE to name. */
static void attend_flags(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (v->ept_flush_pending) {
		v->ept_flush_pending = 0;
		invept(INVEPT_ALL_CONTEXT, 0);
		write_cr3(read_cr3());
	}
	if (v->host_mc_pending)
		deliver_machine_check(ctx);
	/* A VMWRITE of this exit failed (vmx_ops.h): name it before VMRESUME. */
	vmcs_write_failure_report(v->index);
}

/* The instruction completed: advance RIP past it. Straight from the VMCS,
 * not through the exit_info cache: an instruction exit never needs the
 * length again (no event to reinject), and the cache's bookkeeping costs
 * the hot path. */
static inline void skip_instruction(void)
{
	/* Its three VMREADs counted at once (vmx_ops.h counts at gs:8). */
	__asm__ volatile("addq $3, %%gs:%c0" ::"i"(VCPU_GS_VMREADS));
	uint64_t rip = vmread_encoding(vmcs_encoding(VMCS_GUEST_RIP)) +
		       vmread_encoding(vmcs_encoding(VMCS_VMEXIT_INSTRUCTION_LENGTH));
	vmcs_write(VMCS_GUEST_RIP, rip);
	/* Blocking by STI or MOV SS ends with it (SDM Vol. 3C §25.4.2), and a
	 * single-step trap would be due; we clear the blocking bits so the
	 * next entry is consistent. */
	uint64_t intr = vmread_encoding(vmcs_encoding(VMCS_GUEST_INTERRUPTIBILITY_STATE));
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* The rare work before the next entry, in its order: flags set for this
 * CPU (attend_flags), then event delivery unless it is idle. */
__attribute__((noinline)) static void before_entry(struct exit_ctx *ctx, uint32_t attend)
{
	if (attend)
		attend_flags(ctx);
	if (!events_idle(ctx)) {
		deliver_pending_events(ctx);
		vmcs_write_failure_report(ctx->vcpu->index);
	}
}

/* Called by vmx_exit_stub with the TSC it read as its first instruction.
 * The cost of the exit, recorded last, runs to here, just before the stub
 * restores the guest's registers and resumes it. The VMREAD and VMWRITE
 * counters start at 0 on each exit (zeroed after the previous one's
 * statistics, and before VMLAUNCH). */
void vmx_exit_handler(struct vcpu *v, struct guest_regs *regs, uint64_t tsc_at_exit);
void vmx_exit_handler(struct vcpu *v, struct guest_regs *regs, uint64_t tsc_at_exit)
{
	uint32_t full_reason = vmcs_read32(VMCS_EXIT_REASON);
	/* Field by field: the exit-information cache needs only its "read"
	 * bits cleared, and zeroing the whole of it costs the hot path. */
	struct exit_ctx ctx;
	ctx.vcpu = v;
	ctx.regs = regs;
	ctx.reason = full_reason & 0xffff;
	ctx.sub_kind = STATS_NO_SUB;
	ctx.per_exit_flags = 0;
	enum exit_action action;
	if (__builtin_expect(full_reason < EXIT_REASON_MAX, 1)) {
		action = exit_handlers[full_reason](&ctx); /* bits 31:16 clear: the common case */
	} else if (full_reason & (1u << 31)) {
		/* A machine check during VM entry goes to the guest as #MC;
		 * every other entry failure is our bug and stops this CPU. */
		if (ctx.reason != EXIT_REASON_ENTRY_FAILURE_MACHINE_CHECK)
			entry_failed(&ctx, full_reason);
		log_printf("CPU %u: VM entry failed on a machine check (exit reason 41)\n", v->index);
		v->host_mc_pending = 1;
		action = EXIT_RESUME;
	} else { /* bits 30:16 say more (SDM Vol. 3C §25.9.1): the basic reason decides */
		action = (ctx.reason < EXIT_REASON_MAX ? exit_handlers[ctx.reason] : handle_unexpected)(&ctx);
	}
	if (action == EXIT_SKIP_INSTRUCTION)
		skip_instruction();
	else if (action == EXIT_STOP)
		stop_guest(&ctx);
	/* One test for all rare work: flags for this CPU (any of the three,
	 * one load) or anything for event delivery to do. */
	uint32_t attend = *(volatile uint32_t *)&v->host_mc_pending;
	if (__builtin_expect(attend || !events_idle_for(v, ctx.event_injected, ctx.reason), 0))
		before_entry(&ctx, attend);
	serial_pump(); /* our queued output, a FIFO's worth, never waiting (serial.h) */
	uint64_t cycles = rdtsc() - tsc_at_exit; /* the rest is the statistics' own bookkeeping */
	if (!ctx.not_counted)
		stats_record(&v->stats, ctx.reason, ctx.sub_kind, cycles, (uint32_t)v->vmreads, (uint32_t)v->vmwrites);
	v->vmreads = v->vmwrites = 0;
}

_Noreturn void vmx_resume_failed(struct vcpu *v, uint64_t rflags);
_Noreturn void vmx_resume_failed(struct vcpu *v, uint64_t rflags)
{
	if (rflags & 1) {
		log_printf("VMRESUME failed: VMfailInvalid (no current VMCS) on CPU %u\n", v->index);
	} else {
		uint64_t err = vmcs_read(VMCS_VM_INSTRUCTION_ERROR);
		log_printf("VMRESUME failed on CPU %u: VM-instruction error %llu: %s\n", v->index,
			   (unsigned long long)err, vmx_instruction_error_text(err));
	}
	vmcs_write_failure_report(v->index); /* a failed VMWRITE may be why */
	struct exit_ctx ctx = { .vcpu = v };
	stop_guest(&ctx);
}
