/* What every exit handler sees and may do. */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include "../vmx/vcpu.h"
#include "decode.h"
#include "exit_info.h"
#include "exit_reasons.h"

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stdint.h>

enum exit_action {
	EXIT_RESUME,           /* re-enter the guest at the same RIP */
	EXIT_SKIP_INSTRUCTION, /* the exiting instruction is done: advance RIP */
	EXIT_STOP,             /* the guest cannot go on: dump state, stop this CPU */
};

/* struct exit_ctx and the exit-information accessors: exit_info.h. */

typedef enum exit_action exit_handler(struct exit_ctx *ctx);

/* Guest GPR by its instruction encoding number (0 RAX .. 15 R15; 4 is RSP,
 * which lives in the VMCS). */
uint64_t guest_gpr_read(struct exit_ctx *ctx, unsigned gpr);
void guest_gpr_write(struct exit_ctx *ctx, unsigned gpr, uint64_t value);
/* Current privilege level of the guest: SS.DPL (SDM Vol. 3C §28.3.1.5). */
unsigned guest_cpl(void);

/* Event injection on the next VM entry (SDM Vol. 3C §27.6). */
void inject_exception(struct exit_ctx *ctx, uint8_t vector, bool has_error_code, uint32_t error_code);
void inject_ud(struct exit_ctx *ctx);
void inject_gp0(struct exit_ctx *ctx);

/* machine_check_deliver.c: a machine check the hypervisor saw, as #MC
 * for the guest (vcpu->host_mc_pending). */
void deliver_machine_check(struct exit_ctx *ctx);

/* Register dump of the guest (VMCS and GPRs) on the hypervisor's log. */
void dump_guest_state(struct exit_ctx *ctx);

#define DECLARE_HANDLER(name) exit_handler name;
DECLARE_HANDLER(handle_exception_nmi)
DECLARE_HANDLER(handle_external_interrupt)
DECLARE_HANDLER(handle_triple_fault)
DECLARE_HANDLER(handle_init)
DECLARE_HANDLER(handle_sipi)
DECLARE_HANDLER(handle_interrupt_window)
DECLARE_HANDLER(handle_nmi_window)
DECLARE_HANDLER(handle_cpuid)
DECLARE_HANDLER(handle_getsec)
DECLARE_HANDLER(handle_invd)
DECLARE_HANDLER(handle_vmcall)
DECLARE_HANDLER(handle_vmx_instruction)
DECLARE_HANDLER(handle_cr_access)
DECLARE_HANDLER(handle_rdmsr)
DECLARE_HANDLER(handle_wrmsr)
DECLARE_HANDLER(handle_ept_violation)
DECLARE_HANDLER(handle_ept_misconfig)
DECLARE_HANDLER(handle_xsetbv)
DECLARE_HANDLER(handle_io_instruction)
DECLARE_HANDLER(handle_preemption_timer)
DECLARE_HANDLER(handle_hlt)
DECLARE_HANDLER(handle_mwait)
#undef DECLARE_HANDLER

/* The processor-based controls event delivery owns (event_decision.h):
 * all off when idle. */
#define PROC_EVENT_CONTROLS                                                                                          \
	(PROC_INTERRUPT_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING | PROC_HLT_EXITING | PROC_MWAIT_EXITING)

/* Interrupt and NMI delivery to the guest (interrupt.c), run before every
 * VM entry: reinjects an event whose delivery the exit interrupted, then
 * delivers pending external interrupts/NMIs or opens the matching window. */
void deliver_pending_events(struct exit_ctx *ctx);

/* A VMX-preemption timer exit: when it is the kick event delivery armed
 * (interrupt.c), takes it and returns true; false for the statistics'. */
bool event_timer_kick_expired(struct exit_ctx *ctx);

/* The common case, checked inline on the exit path: no event to reinject
 * or inject, nothing pending, no window open (one load: vcpu.h's
 * event_flags). */
static inline bool events_idle_for(const struct vcpu *v, bool event_injected, unsigned reason)
{
	return !event_injected && !*(const volatile uint64_t *)&v->event_flags && exit_never_during_delivery(reason);
}
static inline bool events_idle(const struct exit_ctx *ctx)
{
	return events_idle_for(ctx->vcpu, ctx->event_injected, ctx->reason);
}

#endif
