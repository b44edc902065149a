/* The event-delivery decision (hv/exits/event_decision.c): one case per
 * rule, then every combination of inputs and capability sets against the
 * invariants: no control the capabilities forbid, no injection the SDM
 * forbids, nothing held without a way to deliver it, no window that exits
 * forever. */
#include "hv/exits/decode.h"
#include "hv/exits/event_decision.h"
#include "unit.h"

static const struct event_caps all = { .interrupt_window = true, .nmi_window = true, .hlt_exiting = true,
				       .mwait_exiting = true, .activity_hlt = true, .preemption_timer = true };

static struct event_state active(void) { return (struct event_state){ .rflags_if = true, .vector = -1 }; }

static void rules(void)
{
	struct event_state s = active();
	struct event_decision d = event_decide(&s, &all);
	/* Nothing held: nothing injected, every control off. */
	CHECK(d.inject == EVENT_INJECT_NONE && !d.interrupt_window && !d.nmi_window && !d.hlt_exiting &&
	      !d.mwait_exiting && !d.timer_kick);

	/* IF=1, no blocking: inject the vector, no window. */
	s.vector = 0x30;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_EXTERNAL && d.vector == 0x30 && !d.interrupt_window && !d.hlt_exiting);
	/* Another one behind it: window, and HLT/MWAIT exit meanwhile. */
	s.more_vectors = true;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_EXTERNAL && d.interrupt_window && d.hlt_exiting && d.mwait_exiting);
	CHECK(!d.timer_kick);
	s.more_vectors = false;

	/* IF=0: held, window, HLT/MWAIT exiting (the lost wake-up: the
	 * window opens after `sti; hlt` while the CPU sleeps). */
	s.rflags_if = false;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && d.interrupt_window && d.hlt_exiting && d.mwait_exiting && !d.timer_kick);
	/* Blocking by STI (`sti; hlt`): held the same way. */
	s.rflags_if = true;
	s.interruptibility = INTERRUPTIBILITY_STI;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && d.interrupt_window && d.hlt_exiting && d.mwait_exiting);
	s.interruptibility = INTERRUPTIBILITY_MOV_SS;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && d.interrupt_window);
	s.interruptibility = 0;

	/* Without HLT or MWAIT exiting a sleep may not end: a short timer. */
	struct event_caps no_hlt = all;
	no_hlt.hlt_exiting = false;
	s.rflags_if = false;
	d = event_decide(&s, &no_hlt);
	CHECK(d.interrupt_window && !d.hlt_exiting && d.mwait_exiting && d.timer_kick);
	struct event_caps no_mwait = all;
	no_mwait.mwait_exiting = false;
	d = event_decide(&s, &no_mwait);
	CHECK(d.interrupt_window && d.hlt_exiting && !d.mwait_exiting && d.timer_kick);
	/* ... and without the timer either, the window alone. */
	no_mwait.preemption_timer = false;
	d = event_decide(&s, &no_mwait);
	CHECK(d.interrupt_window && !d.timer_kick);
	/* The entry that re-executes HLT natively has HLT exiting off. */
	s.halting_natively = true;
	d = event_decide(&s, &all);
	CHECK(d.interrupt_window && !d.hlt_exiting && d.mwait_exiting);
	s.halting_natively = false;

	/* An event already being injected goes first: window after it. */
	s = active();
	s.vector = 0x30;
	s.event_in_flight = true;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && d.interrupt_window);

	/* Wait-for-SIPI: nothing injected, no window (§27.3.1.5). */
	s = active();
	s.vector = 0x30;
	s.nmi_pending = true;
	s.activity = ACTIVITY_WAIT_FOR_SIPI;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && !d.interrupt_window && !d.nmi_window && !d.hlt_exiting && !d.timer_kick);

	/* HLT activity with IF=1: the injection itself wakes it. */
	s.activity = ACTIVITY_HLT;
	s.nmi_pending = false;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_EXTERNAL && d.vector == 0x30);

	/* NMI before an external interrupt; the interrupt waits. */
	s = active();
	s.vector = 0x30;
	s.nmi_pending = true;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NMI && d.interrupt_window && !d.nmi_window);
	/* NMI blocked by NMI: NMI window. */
	s.vector = -1;
	s.interruptibility = INTERRUPTIBILITY_NMI;
	d = event_decide(&s, &all);
	CHECK(d.inject == EVENT_INJECT_NONE && d.nmi_window && d.hlt_exiting && d.mwait_exiting);
	/* ... without NMI-window exiting: never that control; the next exit
	 * after the guest's IRET, which a short timer guarantees. */
	struct event_caps no_nmiw = all;
	no_nmiw.nmi_window = false;
	d = event_decide(&s, &no_nmiw);
	CHECK(!d.nmi_window && !d.interrupt_window && d.timer_kick);
	/* Blocked by STI only, IF=1: the interrupt window opens when the
	 * shadow ends, and the NMI goes in then. */
	s.interruptibility = INTERRUPTIBILITY_STI;
	d = event_decide(&s, &no_nmiw);
	CHECK(!d.nmi_window && d.interrupt_window && d.hlt_exiting && !d.timer_kick);
	/* ... with IF=0 it never opens for that: the timer. */
	s.rflags_if = false;
	d = event_decide(&s, &no_nmiw);
	CHECK(!d.nmi_window && !d.interrupt_window && d.timer_kick);
	/* NMI not injected into blocking by MOV SS or STI. */
	s = active();
	s.nmi_pending = true;
	s.interruptibility = INTERRUPTIBILITY_MOV_SS;
	CHECK(event_decide(&s, &all).inject == EVENT_INJECT_NONE);

	/* HLT exits. */
	s = active();
	s.vector = 0x30;
	s.interruptibility = INTERRUPTIBILITY_STI; /* `sti; hlt`: ends with HLT */
	CHECK(event_on_hlt(&s, &all) == HLT_WAKE);
	s.rflags_if = false; /* `cli; hlt` with an interrupt held: it sleeps */
	CHECK(event_on_hlt(&s, &all) == HLT_ENTER_HLT);
	struct event_caps no_act = all;
	no_act.activity_hlt = false;
	CHECK(event_on_hlt(&s, &no_act) == HLT_EXECUTE_NATIVE);
	s.nmi_pending = true; /* an NMI wakes HLT whatever IF says */
	CHECK(event_on_hlt(&s, &all) == HLT_WAKE);
	s.interruptibility = INTERRUPTIBILITY_NMI; /* ... unless blocked */
	CHECK(event_on_hlt(&s, &all) == HLT_ENTER_HLT);
	s = active();
	CHECK(event_on_hlt(&s, &all) == HLT_ENTER_HLT); /* nothing held */
}

/* Every input combination under every capability set. */
static void invariants(void)
{
	static const uint32_t activities[] = { ACTIVITY_ACTIVE, ACTIVITY_HLT, ACTIVITY_WAIT_FOR_SIPI };
	unsigned combos = 0;
	for (unsigned cm = 0; cm < 64; cm++) {
		struct event_caps c = { .interrupt_window = cm & 1, .nmi_window = cm & 2, .hlt_exiting = cm & 4,
					.mwait_exiting = cm & 8, .activity_hlt = cm & 16, .preemption_timer = cm & 32 };
		for (unsigned in = 0; in < 16 * 3 * 64; in++) {
			unsigned intr = in & 15, act = (in >> 4) % 3, bits = in / 48;
			if ((intr & 3) == 3)
				continue; /* STI and MOV SS blocking together: VM entry refuses it */
			struct event_state s = {
				.interruptibility = intr,
				.activity = activities[act],
				.rflags_if = bits & 1,
				.vector = bits & 2 ? 0x30 : -1,
				.more_vectors = (bits & 2) && (bits & 4),
				.nmi_pending = bits & 8,
				.event_in_flight = bits & 16,
				.halting_natively = bits & 32,
			};
			combos++;
			struct event_decision d = event_decide(&s, &c);
			bool shadow = s.interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
			bool wfs = s.activity == ACTIVITY_WAIT_FOR_SIPI;
			/* Controls only where allowed (SDM Vol. 3D §A.3). */
			CHECK(!d.interrupt_window || c.interrupt_window);
			CHECK(!d.nmi_window || c.nmi_window);
			CHECK(!d.hlt_exiting || c.hlt_exiting);
			CHECK(!d.mwait_exiting || c.mwait_exiting);
			CHECK(!d.timer_kick || c.preemption_timer);
			/* Injections the SDM allows, of events that are held. */
			if (d.inject != EVENT_INJECT_NONE)
				CHECK(!wfs && !shadow && !s.event_in_flight);
			if (d.inject == EVENT_INJECT_NMI)
				CHECK(s.nmi_pending && !(s.interruptibility & INTERRUPTIBILITY_NMI));
			if (d.inject == EVENT_INJECT_EXTERNAL)
				CHECK(s.vector >= 0 && s.rflags_if && d.vector == s.vector);
			/* An NMI the guest can take now is never left waiting. */
			if (s.nmi_pending && !wfs && !shadow && !s.event_in_flight &&
			    !(s.interruptibility & INTERRUPTIBILITY_NMI))
				CHECK(d.inject == EVENT_INJECT_NMI);
			/* Nothing held without a way out: a window or the timer,
			 * where the capabilities offer either. */
			bool intr_left = s.vector >= 0 && (d.inject != EVENT_INJECT_EXTERNAL || s.more_vectors);
			bool nmi_left = s.nmi_pending && d.inject != EVENT_INJECT_NMI;
			if (!wfs && intr_left && (c.interrupt_window || c.preemption_timer))
				CHECK(d.interrupt_window || d.timer_kick);
			if (!wfs && nmi_left && (c.nmi_window || c.preemption_timer))
				CHECK(d.nmi_window || d.interrupt_window || d.timer_kick);
			/* A window relied on never depends on a wake-up from a
			 * sleep: the sleep exits, or the timer runs. */
			if ((d.interrupt_window || d.nmi_window) && c.preemption_timer)
				CHECK(d.timer_kick ||
				      ((d.hlt_exiting || s.halting_natively) && d.mwait_exiting));
			/* The interrupt window is not opened for an NMI blocked
			 * by NMI: with IF=1 it would exit at every entry. */
			if (d.interrupt_window && !intr_left)
				CHECK(!(s.interruptibility & INTERRUPTIBILITY_NMI));
			/* No HLT/MWAIT exiting, no timer, when nothing is held. */
			if (!intr_left && !nmi_left)
				CHECK(!d.hlt_exiting && !d.mwait_exiting && !d.timer_kick && !d.interrupt_window &&
				      !d.nmi_window);
			/* HLT: wake only for what the guest can take. */
			enum hlt_action h = event_on_hlt(&s, &c);
			bool takes = (s.vector >= 0 && s.rflags_if) ||
				     (s.nmi_pending && !(s.interruptibility & INTERRUPTIBILITY_NMI));
			CHECK((h == HLT_WAKE) == takes);
			if (h == HLT_ENTER_HLT)
				CHECK(c.activity_hlt);
		}
	}
	CHECK(combos == 64 * 12 * 3 * 64);
}

/* The exit path's shortcut (interrupt.c): a lone external interrupt, with
 * nothing else held, is injected with no control and no timer exactly when
 * event_external_takeable says so; otherwise event_decide holds it. */
static void lone_interrupt(void)
{
	static const uint32_t activities[] = { ACTIVITY_ACTIVE, ACTIVITY_HLT, ACTIVITY_WAIT_FOR_SIPI };
	for (unsigned cm = 0; cm < 64; cm++) {
		struct event_caps c = { .interrupt_window = cm & 1, .nmi_window = cm & 2, .hlt_exiting = cm & 4,
					.mwait_exiting = cm & 8, .activity_hlt = cm & 16, .preemption_timer = cm & 32 };
		for (unsigned in = 0; in < 16 * 3 * 2; in++) {
			unsigned intr = in & 15;
			if ((intr & 3) == 3)
				continue;
			struct event_state s = { .interruptibility = intr, .activity = activities[(in >> 4) % 3],
						 .rflags_if = in / 48, .vector = 0xf1 };
			struct event_decision d = event_decide(&s, &c);
			bool quiet = !d.interrupt_window && !d.nmi_window && !d.hlt_exiting && !d.mwait_exiting &&
				     !d.timer_kick;
			if (event_external_takeable(s.interruptibility, s.rflags_if, s.activity))
				CHECK(d.inject == EVENT_INJECT_EXTERNAL && d.vector == 0xf1 && quiet);
			else
				CHECK(d.inject == EVENT_INJECT_NONE);
		}
	}
	/* The cases by name. */
	CHECK(event_external_takeable(0, true, ACTIVITY_ACTIVE));
	CHECK(event_external_takeable(INTERRUPTIBILITY_NMI, true, ACTIVITY_HLT));
	CHECK(!event_external_takeable(0, false, ACTIVITY_ACTIVE));
	CHECK(!event_external_takeable(INTERRUPTIBILITY_STI, true, ACTIVITY_ACTIVE));
	CHECK(!event_external_takeable(INTERRUPTIBILITY_MOV_SS, true, ACTIVITY_ACTIVE));
	CHECK(!event_external_takeable(0, true, ACTIVITY_WAIT_FOR_SIPI));
}

int main(void)
{
	rules();
	invariants();
	lone_interrupt();
	return unit_finish("test_event_decision");
}
