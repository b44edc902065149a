/* The event-delivery decision (event_decision.h). Pure: no VMCS access. */
#include "event_decision.h"

#include "decode.h"

#define SHADOW (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)

/* An external interrupt is taken when RFLAGS.IF=1 and no blocking by STI
 * or MOV SS (SDM Vol. 3C §25.4.2, Table 25-3); NMIs when not blocked by
 * NMI, STI or MOV SS. VM entry refuses an injected NMI with blocking by
 * MOV SS, and on some processors by STI (SDM Vol. 3C §27.3.1.5): we never
 * inject either kind into a shadow. No event is injected into
 * wait-for-SIPI (§27.3.1.5), and nothing there takes one. */
struct event_decision event_decide(const struct event_state *s, const struct event_caps *c)
{
	struct event_decision d = { .inject = EVENT_INJECT_NONE };
	if (s->activity == ACTIVITY_WAIT_FOR_SIPI)
		return d; /* held until the SIPI started it */
	bool shadow = s->interruptibility & SHADOW;
	bool nmi_blocked = s->interruptibility & INTERRUPTIBILITY_NMI;
	bool busy = s->event_in_flight;
	bool nmi_held = s->nmi_pending, intr_held = s->vector >= 0;

	/* NMI first: it is the higher-priority event (SDM Vol. 3A §6.9). */
	if (nmi_held && !busy && !shadow && !nmi_blocked) {
		d.inject = EVENT_INJECT_NMI;
		nmi_held = false;
		busy = true;
	}
	if (intr_held && !busy && event_external_takeable(s->interruptibility, s->rflags_if, s->activity)) {
		d.inject = EVENT_INJECT_EXTERNAL;
		d.vector = (uint8_t)s->vector;
		intr_held = s->more_vectors;
	}

	/* Windows: an exit as soon as the guest can take what is held. */
	if (intr_held) {
		if (c->interrupt_window)
			d.interrupt_window = true;
		else
			d.timer_kick = c->preemption_timer;
	}
	if (nmi_held) {
		if (c->nmi_window) {
			d.nmi_window = true;
		} else if (!nmi_blocked && s->rflags_if && c->interrupt_window) {
			/* Blocked by a shadow (or behind the injected event):
			 * with IF=1 the interrupt window opens exactly when the
			 * shadow ends. It ignores NMI blocking, hence not used
			 * while that lasts (it would exit at once, forever). */
			d.interrupt_window = true;
		} else {
			/* Blocked by NMI until the guest's IRET, which does not
			 * exit: the next exit after it delivers; a short timer
			 * makes sure one comes. */
			d.timer_kick = c->preemption_timer;
		}
	}

	/* A window exit may not wake a sleeping CPU: make the sleep exit
	 * instead, as long as something relies on a window. HLT exiting stays
	 * off for an entry that re-executes HLT natively (event_on_hlt). */
	if (d.interrupt_window || d.nmi_window) {
		d.hlt_exiting = c->hlt_exiting && !s->halting_natively;
		d.mwait_exiting = c->mwait_exiting;
		if (!(c->hlt_exiting && c->mwait_exiting))
			d.timer_kick = c->preemption_timer;
	}
	return d;
}

/* HLT completes, so the shadow of an STI or MOV SS before it ends: what is
 * held wakes the processor if the guest can take it now, an external
 * interrupt when RFLAGS.IF=1 and an NMI when not blocked by NMI (SDM Vol. 2A,
 * HLT: "An enabled interrupt (including NMI and SMI), a debug exception,
 * the BINIT# signal, the INIT# signal, or the RESET# signal will resume
 * execution"). Otherwise the guest waits in the HLT activity state, whose
 * wake-ups are exits the hypervisor sees (external interrupt, NMI, INIT),
 * or, without that state, executes the HLT itself. */
enum hlt_action event_on_hlt(const struct event_state *s, const struct event_caps *c)
{
	bool nmi_blocked = s->interruptibility & INTERRUPTIBILITY_NMI;
	if ((s->vector >= 0 && s->rflags_if) || (s->nmi_pending && !nmi_blocked))
		return HLT_WAKE;
	return c->activity_hlt ? HLT_ENTER_HLT : HLT_EXECUTE_NATIVE;
}
