/* The INIT/SIPI state machine of one vCPU, pure (init_sipi.c
 * applies it; test/unit/test_init_sipi_rules.c drives it).
 *
 * An INIT puts the processor in wait-for-SIPI, a SIPI starts it at
 * vector << 12 (SDM Vol. 3A, "MP Initialization Protocol"). Under VMX the
 * wait has two homes:
 * - the wait-for-SIPI activity state, where the SIPI itself exits (SDM Vol.
 *   3C §26.2, "Other Causes of VM Exits"); only where IA32_VMX_MISC bit 8
 *   allows it (SDM Vol. 3D §A.6);
 * - the hypervisor, in VMX root operation: a processor not in wait-for-SIPI
 *   ignores SIPIs, and INIT is blocked in root operation (SDM Vol. 3C,
 *   "Restrictions on VMX Operation"), so only a SIPI the hypervisor relays
 *   from a virtualized sender (ipi_relay = on) can end that wait.
 * Relayed INITs always wait in the hypervisor; a native INIT exit waits in
 * the activity state where allowed and the relay is off. With the relay on
 * it waits in the hypervisor as well, or the relayed SIPI (which finds no
 * vCPU waiting for it in the relay) would be lost. */
#ifndef HV_EXITS_INIT_SIPI_RULES_H
#define HV_EXITS_INIT_SIPI_RULES_H

#include <stdbool.h>

enum sipi_wait {
	SIPI_NOT_WAITING,
	SIPI_WAIT_ACTIVITY, /* activity state wait-for-SIPI: the SIPI exits */
	SIPI_WAIT_ROOT,     /* in the hypervisor, for a relayed SIPI */
};

enum init_sipi_event {
	IS_INIT_EXIT,    /* exit reason 3 */
	IS_SIPI_EXIT,    /* exit reason 4 */
	IS_RELAYED_INIT, /* an NMI that carried the relay's INIT flag */
	IS_RELAYED_SIPI, /* the relay's SIPI flag, seen while waiting in the hypervisor */
};

struct init_sipi_caps {
	bool wait_for_sipi; /* IA32_VMX_MISC bit 8 */
	bool relay;         /* ipi_relay = on */
};

enum init_sipi_action {
	IS_IGNORE,       /* as the processor ignores it (a SIPI when not waiting) */
	IS_ENTER_WAIT,   /* INIT: reset blocking, discard events, enter in wait-for-SIPI */
	IS_WAIT_IN_ROOT, /* INIT: discard events, wait in the hypervisor for a relayed SIPI */
	IS_START,        /* SIPI: the INIT state, real mode at vector << 12, active */
};

struct init_sipi_step {
	enum sipi_wait next;
	enum init_sipi_action action;
	bool sipi_unreachable; /* waits in the hypervisor with no relay: no SIPI can end it */
};

struct init_sipi_step init_sipi_next(enum sipi_wait now, enum init_sipi_event ev, const struct init_sipi_caps *c);

#endif
