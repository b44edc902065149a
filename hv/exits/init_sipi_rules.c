/* The INIT/SIPI state machine (init_sipi_rules.h). Pure. */
#include "init_sipi_rules.h"

struct init_sipi_step init_sipi_next(enum sipi_wait now, enum init_sipi_event ev, const struct init_sipi_caps *c)
{
	struct init_sipi_step s = { .next = now, .action = IS_IGNORE };
	switch (ev) {
	case IS_INIT_EXIT:
	case IS_RELAYED_INIT:
		/* INIT in any state, waiting included, restarts the wait. */
		if (ev == IS_INIT_EXIT && c->wait_for_sipi && !c->relay) {
			s.next = SIPI_WAIT_ACTIVITY;
			s.action = IS_ENTER_WAIT;
		} else {
			s.next = SIPI_WAIT_ROOT;
			s.action = IS_WAIT_IN_ROOT;
			s.sipi_unreachable = !c->relay;
		}
		break;
	case IS_SIPI_EXIT:
		/* Only the activity state makes a SIPI exit; Bochs 2.7 saves
		 * activity 0 in it, so the wait is the vCPU's own record. */
		if (now == SIPI_WAIT_ACTIVITY) {
			s.next = SIPI_NOT_WAITING;
			s.action = IS_START;
		}
		break;
	case IS_RELAYED_SIPI:
		if (now == SIPI_WAIT_ROOT) {
			s.next = SIPI_NOT_WAITING;
			s.action = IS_START;
		}
		break;
	}
	return s;
}
