/* The event-delivery decision, pure: from the guest's interruptibility,
 * RFLAGS.IF, activity state and the events the hypervisor holds, which
 * event to inject on the next VM entry and which run-time controls to set,
 * each only where the capabilities allow it (SDM Vol. 3D §A.3). interrupt.c
 * gathers the inputs from the VMCS and applies the result; host unit tests
 * (test/unit/test_event_decision.c) drive it directly.
 *
 * The rule it keeps: nothing held may wait for an unrelated exit. A window
 * exit is the SDM's way to learn that the guest can take an event, and the
 * SDM says it wakes a CPU in HLT or MWAIT (SDM Vol. 3C §26.2, §26.4.2);
 * Bochs 2.7 does not, and a nested hypervisor may not either. So while the
 * delivery relies on a window, HLT and MWAIT exit too (the handlers wake the
 * guest or emulate the wait), and where they cannot, a short VMX-preemption
 * timer ends any sleep. */
#ifndef HV_EXITS_EVENT_DECISION_H
#define HV_EXITS_EVENT_DECISION_H

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stdint.h>

/* What the processor allows (struct vmx_caps, decoded from the capability
 * MSRs; SDM Vol. 3D §A.3.1, §A.3.2, §A.6). */
struct event_caps {
	bool interrupt_window; /* primary bit 2 allowed-1 */
	bool nmi_window;       /* primary bit 22 allowed-1 */
	bool hlt_exiting;      /* primary bit 7 allowed-1 */
	bool mwait_exiting;    /* primary bit 10 allowed-1 */
	bool activity_hlt;     /* VMX_MISC bit 6 */
	bool preemption_timer; /* pin-based bit 6 allowed-1 */
};

/* The guest as the exit left it, and what the hypervisor holds. */
struct event_state {
	uint32_t interruptibility; /* guest interruptibility state (SDM Vol. 3C §25.4.2) */
	bool rflags_if;
	uint32_t activity;         /* enum activity_state (decode.h) */
	int vector;                /* highest held external vector, -1 for none */
	bool more_vectors;         /* another one is held below it */
	bool nmi_pending;
	bool event_in_flight;      /* the VM-entry interruption information is already valid */
	bool halting_natively;     /* this entry re-executes HLT with HLT exiting off */
};

enum event_inject { EVENT_INJECT_NONE, EVENT_INJECT_NMI, EVENT_INJECT_EXTERNAL };

struct event_decision {
	enum event_inject inject;
	uint8_t vector;        /* for EVENT_INJECT_EXTERNAL */
	bool interrupt_window; /* the controls to have on for this entry */
	bool nmi_window;
	bool hlt_exiting;
	bool mwait_exiting;
	bool timer_kick;       /* arm a short VMX-preemption timer */
};

struct event_decision event_decide(const struct event_state *s, const struct event_caps *c);

/* The guest can take an external interrupt injected on this entry: not in
 * wait-for-SIPI, RFLAGS.IF=1, no blocking by STI or MOV SS. With nothing
 * else held (no NMI, no event in flight, no other vector, not halting
 * natively) event_decide then injects it and sets no control and no timer,
 * and otherwise holds it: the exit path's shortcut for a lone external
 * interrupt (interrupt.c) relies on exactly that (test_event_decision). */
static inline bool event_external_takeable(uint32_t interruptibility, bool rflags_if, uint32_t activity)
{
	return activity != ACTIVITY_WAIT_FOR_SIPI && !(interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) &&
	       rflags_if;
}

/* What a HLT exit (reason 12) does. HLT completes: blocking by STI or
 * MOV SS ends with it. */
enum hlt_action {
	HLT_WAKE,           /* skip HLT: an event the guest can take now is injected on entry */
	HLT_ENTER_HLT,      /* skip HLT and enter in activity state HLT (the wait, emulated) */
	HLT_EXECUTE_NATIVE, /* no HLT activity state: resume at HLT with HLT exiting off */
};

enum hlt_action event_on_hlt(const struct event_state *s, const struct event_caps *c);

#endif
