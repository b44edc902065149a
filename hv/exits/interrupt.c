/* External interrupts, NMIs and exceptions (SDM Vol. 3C §27.6, §28.2.2-4,
 * §26.7). Interrupts are acknowledged on exit and reinjected when the guest
 * can take them, else kept pending with interrupt-window exiting on: none is
 * lost or delivered twice. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "exits.h"
#include "event_decision.h"
#include "init_sipi.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>


/* The controls are cached in the vcpu (set at launch), so toggling a
 * window costs a VMWRITE only when it changes. */
static void set_proc_controls(struct vcpu *v, uint32_t mask, uint32_t bits)
{
	uint32_t n = (v->proc_controls & ~mask) | bits;
	if (n != v->proc_controls) {
		v->proc_controls = n;
		vmcs_write(VMCS_PROC_BASED_CONTROLS, n);
	}
}

/* vcpu.h's delivery_armed, for events_idle: after every change of the
 * pending vectors or the event controls here (pend_interrupt sets it).
 * init_sipi.c's discard may leave it set: the next delivery clears it. */
static void rearm(struct vcpu *v)
{
	v->delivery_armed = (v->pending_interrupts[0] | v->pending_interrupts[1] | v->pending_interrupts[2] |
			     v->pending_interrupts[3]) ||
			    (v->proc_controls & PROC_EVENT_CONTROLS);
}

static void pend_interrupt(struct vcpu *v, uint8_t vector)
{
	v->pending_interrupts[vector >> 6] |= 1ull << (vector & 63);
	v->delivery_armed = true;
}

/* Highest pending vector first: the local APIC's priority is by vector
 * class (SDM Vol. 3A §11.8.3). Returns -1 when none is pending. */
static int highest_pending(const struct vcpu *v)
{
	for (int w = 3; w >= 0; w--)
		if (v->pending_interrupts[w])
			return w * 64 + 63 - __builtin_clzll(v->pending_interrupts[w]);
	return -1;
}

/* RFLAGS.IF of the guest, read once per exit (ctx->guest_if). */
static bool guest_rflags_if(struct exit_ctx *ctx)
{
	if (ctx->guest_if == GUEST_IF_UNREAD)
		ctx->guest_if = (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) ? GUEST_IF_SET : GUEST_IF_CLEAR;
	return ctx->guest_if == GUEST_IF_SET;
}

/* Nothing held or armed for event delivery but what this exit brings: no
 * NMI (the host's or the guest's), no vector, no window, no timer, no HLT
 * to re-execute, no relayed INIT (deliver_pending_events takes that). */
static bool nothing_else_held(const struct exit_ctx *ctx)
{
	return events_idle(ctx) && !init_sipi_nmi_is_relayed_init(ctx->vcpu);
}

/* The exit path's shortcut for a lone interrupt the guest can take: with
 * nothing else held, event_decide would inject it and set no control and
 * no timer (event_external_takeable, event_decision.h): do just that. */
static void inject_external(uint8_t vector)
{
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(vector, INTR_TYPE_EXTERNAL, false));
}

enum exit_action handle_external_interrupt(struct exit_ctx *ctx)
{
	/* "Acknowledge interrupt on exit" is on: the vector is in the exit
	 * interruption information and the local APIC has it in service. */
	struct interruption_info ii = decode_interruption_info(exit_interruption_info(ctx));
	if (!ii.valid)
		return EXIT_RESUME;
	ctx->sub_kind = ii.vector;
	if (nothing_else_held(ctx)) {
		/* The first read of RFLAGS on this exit; IF=0 (often): two
		 * VMREADs fewer, and delivery reuses it (guest_rflags_if). */
		bool rflags_if = vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF;
		if (rflags_if && event_external_takeable(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE), rflags_if,
							 vmcs_read32(VMCS_GUEST_ACTIVITY_STATE))) {
			inject_external(ii.vector);
			return EXIT_RESUME;
		}
		ctx->guest_if = rflags_if ? GUEST_IF_SET : GUEST_IF_CLEAR;
	}
	pend_interrupt(ctx->vcpu, ii.vector); /* deliver_pending_events decides */
	return EXIT_RESUME;
}

/* The vector when exactly one is held, else -1. Highest word first: where
 * the vectors are (0x20 and up). */
static int lone_pending(const struct vcpu *v)
{
	const uint64_t *p = v->pending_interrupts;
	int w;
	uint64_t below;
	if (p[3])
		w = 3, below = p[0] | p[1] | p[2];
	else if (p[2])
		w = 2, below = p[0] | p[1];
	else if (p[1])
		w = 1, below = p[0];
	else
		w = 0, below = 0;
	uint64_t bits = p[w];
	if (!bits || (bits & (bits - 1)) || below)
		return -1;
	return w * 64 + __builtin_ctzll(bits);
}

/* An interrupt-window exit comes only where the guest takes an external
 * interrupt: RFLAGS.IF=1, no blocking by STI or MOV SS, not in
 * wait-for-SIPI (SDM Vol. 3C §26.2, "interrupt-window exiting"): no need
 * to read them. A lone vector held, nothing else: inject it and close the
 * window (event_decide's decision, see inject_external). Anything more
 * goes through deliver_pending_events. */
enum exit_action handle_interrupt_window(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (*(volatile uint32_t *)&v->event_flags || init_sipi_nmi_is_relayed_init(v))
		return EXIT_RESUME; /* the NMI, HLT and timer flags: event_flags' low half */
	int vector = lone_pending(v);
	if (vector < 0)
		return EXIT_RESUME;
	inject_external((uint8_t)vector);
	v->pending_interrupts[vector >> 6] = 0;
	set_proc_controls(v, PROC_EVENT_CONTROLS, 0);
	v->delivery_armed = false;
	return EXIT_RESUME;
}

enum exit_action handle_nmi_window(struct exit_ctx *ctx)
{
	(void)ctx;
	return EXIT_RESUME;
}

/* An NMI that causes a VM exit leaves NMIs blocked in VMX root operation
 * until the next IRET (SDM Vol. 3C §25.3 and §33.2's guidance on NMI
 * exiting); VM entry does not unblock them. An IRET to the next
 * instruction, on our own stack and selectors, does. */
static void nmi_unblock(void)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 : [ss] "i"(HOST_SELECTOR_DS), [cs] "i"(HOST_SELECTOR_CS)
			 : "rax", "memory", "cc");
}

enum exit_action handle_exception_nmi(struct exit_ctx *ctx)
{
	struct interruption_info ii = decode_interruption_info(exit_interruption_info(ctx));
	ctx->sub_kind = ii.vector;
	if (ii.type == INTR_TYPE_NMI) {
		nmi_unblock();
		if (!init_sipi_nmi_is_relayed_init(ctx->vcpu)) /* else taken before delivery */
			ctx->vcpu->guest_nmi_pending = true;
		return EXIT_RESUME;
	}
	/* An exception in the exception bitmap: reflect it into the guest as
	 * it happened (SDM Vol. 3C §27.6.1). For #PF the faulting address goes
	 * to the guest's CR2, which VM entry does not load: write it here. */
	if (ii.vector == 14)
		__asm__ volatile("mov %0, %%cr2" ::"r"(exit_qualification(ctx)));
	uint32_t error = ii.has_error_code ? exit_interruption_error_code(ctx) : 0;
	if (ii.type == INTR_TYPE_SOFTWARE_EXCEPTION || ii.type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION) {
		/* INT3/INTO: re-deliver with the instruction length so the
		 * return address is past the instruction. */
		vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(ii.vector, ii.type, false));
		vmcs_write(VMCS_VMENTRY_INSTRUCTION_LENGTH, exit_instruction_length(ctx));
		ctx->event_injected = true;
	} else {
		inject_exception(ctx, ii.vector, ii.has_error_code, error);
	}
	return EXIT_RESUME;
}

/* An exit during event delivery leaves the event in the IDT-vectoring
 * field; it must be delivered again (SDM Vol. 3C §28.2.4, §27.6). */
static bool reinject_interrupted_event(struct exit_ctx *ctx)
{
	if (exit_never_during_delivery(ctx->reason))
		return false;
	struct interruption_info ii = decode_interruption_info(exit_idt_vectoring_info(ctx));
	if (!ii.valid)
		return false;
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(ii.vector, ii.type, ii.has_error_code));
	if (ii.has_error_code)
		vmcs_write(VMCS_VMENTRY_EXCEPTION_ERROR_CODE, exit_idt_vectoring_error_code(ctx));
	if (ii.type == INTR_TYPE_SOFTWARE_INTERRUPT || ii.type == INTR_TYPE_SOFTWARE_EXCEPTION ||
	    ii.type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION)
		vmcs_write(VMCS_VMENTRY_INSTRUCTION_LENGTH, exit_instruction_length(ctx));
	return true;
}

static struct event_caps event_caps_of(const struct vmx_caps *c)
{
	return (struct event_caps){ .interrupt_window = c->interrupt_window, .nmi_window = c->nmi_window,
				    .hlt_exiting = c->hlt_exiting, .mwait_exiting = c->mwait_exiting,
				    .activity_hlt = c->activity_hlt, .preemption_timer = c->preemption_timer };
}

static struct event_state event_state_of(struct exit_ctx *ctx, bool in_flight)
{
	const struct vcpu *v = ctx->vcpu;
	int vector = highest_pending(v);
	struct event_state s = {
		.interruptibility = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE),
		.rflags_if = guest_rflags_if(ctx),
		.activity = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE),
		.vector = vector,
		.nmi_pending = v->guest_nmi_pending,
		.event_in_flight = in_flight,
		.halting_natively = v->halting_natively,
	};
	/* More than one bit set in the four words (no popcount: the freestanding
	 * link has no libgcc for __popcountdi2). */
	unsigned words = 0;
	for (int w = 0; w < 4; w++) {
		uint64_t bits = v->pending_interrupts[w];
		words += bits != 0;
		s.more_vectors |= (bits & (bits - 1)) != 0;
	}
	s.more_vectors |= words > 1;
	return s;
}

/* The fallback where a sleep cannot be made to exit (no HLT/MWAIT exiting,
 * or no NMI window): a VMX-preemption timer of KICK_TSC cycles, which
 * counts down in HLT too and whose expiry exits (SDM Vol. 3C §26.5.1).
 * When the periodic statistics own the timer, the kick runs first and
 * their rest is restored when it expires. */
#define KICK_TSC (1u << 16)

/* The pin-based controls, cached like the processor-based ones: only we
 * change them (set at launch, vmx_setup.c). */
static void set_pin_controls(struct vcpu *v, uint32_t mask, uint32_t bits)
{
	uint32_t n = (v->pin_controls & ~mask) | bits;
	if (n != v->pin_controls) {
		v->pin_controls = n;
		vmcs_write(VMCS_PIN_BASED_CONTROLS, n);
	}
}

static void set_timer_kick(struct vcpu *v, bool on)
{
	if (on == v->timer_kick)
		return;
	uint32_t kick = KICK_TSC >> v->hv->caps.preemption_timer_shift;
	kick = kick ? kick : 1;
	if (v->hv->preemption_timer_reload) {
		if (!on)
			return; /* armed under the statistics' timer: it expires and restores them */
		uint32_t left = vmcs_read32(VMCS_VMX_PREEMPTION_TIMER_VALUE);
		if (left <= kick)
			return; /* the statistics' timer comes first anyway */
		v->timer_stats_left = left - kick;
	} else {
		set_pin_controls(v, PIN_ACTIVATE_PREEMPTION_TIMER, on ? PIN_ACTIVATE_PREEMPTION_TIMER : 0);
	}
	if (on)
		vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, kick);
	v->timer_kick = on;
}

bool event_timer_kick_expired(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (!v->timer_kick)
		return false;
	v->timer_kick = false;
	if (v->hv->preemption_timer_reload) {
		if (!v->timer_stats_left)
			return false; /* the statistics are due too */
		vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, v->timer_stats_left);
	} else {
		set_pin_controls(v, PIN_ACTIVATE_PREEMPTION_TIMER, 0);
	}
	ctx->sub_kind = 1; /* "kick" in the statistics */
	return true;
}

void deliver_pending_events(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (v->host_nmi_pending) { /* an NMI hit while we ran in root mode */
		v->host_nmi_pending = 0;
		if (!init_sipi_nmi_is_relayed_init(v))
			v->guest_nmi_pending = true;
	}
	if (init_sipi_take_pending(ctx)) /* a relayed INIT discards what is pending */
		ctx->guest_if = GUEST_IF_UNREAD; /* and the SIPI set RFLAGS */
	/* An event the handler injected wins over an interrupted delivery only
	 * when the handler emulated a fault of its own; otherwise the
	 * interrupted event goes first. */
	bool in_flight = ctx->event_injected || reinject_interrupted_event(ctx);
	struct event_caps caps = event_caps_of(&v->hv->caps);
	struct event_state s = event_state_of(ctx, in_flight);
	struct event_decision d = event_decide(&s, &caps);
	v->halting_natively = false; /* for this one entry only */

	if (d.inject == EVENT_INJECT_NMI) {
		vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(2, INTR_TYPE_NMI, false));
		v->guest_nmi_pending = false;
	} else if (d.inject == EVENT_INJECT_EXTERNAL) {
		/* Injection also wakes a guest in the HLT activity state (SDM
		 * Vol. 3C §27.7.1): no window needed for that. */
		inject_external(d.vector);
		v->pending_interrupts[d.vector >> 6] &= ~(1ull << (d.vector & 63));
	}
	uint32_t controls = (d.interrupt_window ? PROC_INTERRUPT_WINDOW_EXITING : 0) |
			    (d.nmi_window ? PROC_NMI_WINDOW_EXITING : 0) | (d.hlt_exiting ? PROC_HLT_EXITING : 0) |
			    (d.mwait_exiting ? PROC_MWAIT_EXITING : 0);
	set_proc_controls(v, PROC_EVENT_CONTROLS, controls);
	set_timer_kick(v, d.timer_kick);
	rearm(v);
}

/* HLT (exit reason 12), on only while an event is held (event_decide):
 * wake the guest with it, or emulate the wait (event_on_hlt). */
enum exit_action handle_hlt(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct event_caps caps = event_caps_of(&v->hv->caps);
	struct event_state s = event_state_of(ctx, false);
	enum hlt_action a = event_on_hlt(&s, &caps);
	/* With RFLAGS.TF=1, entry in the HLT state needs a pending single-step
	 * trap set up (SDM Vol. 3C §27.3.1.5); the native HLT does it all. */
	if (a == HLT_ENTER_HLT && (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_TF))
		a = HLT_EXECUTE_NATIVE;
	ctx->sub_kind = a;
	switch (a) {
	case HLT_WAKE:
		return EXIT_SKIP_INSTRUCTION;
	case HLT_ENTER_HLT:
		vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
		return EXIT_SKIP_INSTRUCTION;
	case HLT_EXECUTE_NATIVE:
		v->halting_natively = true;
		return EXIT_RESUME;
	}
	return EXIT_RESUME;
}

/* MWAIT (exit reason 36), on only while an event is held: it returns at
 * once, as MWAIT may (the optimized state can be left for
 * implementation-specific reasons, SDM Vol. 2B, MWAIT; software loops
 * around it). What is held is then injected as the guest can take it. */
enum exit_action handle_mwait(struct exit_ctx *ctx)
{
	/* The statistics name the vector that was held across the MWAIT
	 * (256 for an NMI): what would have waited for another exit. */
	int vector = highest_pending(ctx->vcpu);
	ctx->sub_kind = vector >= 0 ? (uint32_t)vector : ctx->vcpu->guest_nmi_pending ? 256u : STATS_NO_SUB;
	return EXIT_SKIP_INSTRUCTION;
}
