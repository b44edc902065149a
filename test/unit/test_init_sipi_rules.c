/* The INIT/SIPI state machine (hv/exits/init_sipi_rules.c): what each exit
 * does in each wait state, with and without wait-for-SIPI support and with
 * and without ipi_relay; the native path cannot be booted in Bochs 2.7. */
#include "hv/exits/init_sipi_rules.h"
#include "unit.h"

static const enum sipi_wait waits[] = { SIPI_NOT_WAITING, SIPI_WAIT_ACTIVITY, SIPI_WAIT_ROOT };

int main(void)
{
	const struct init_sipi_caps native = { .wait_for_sipi = true, .relay = false };
	const struct init_sipi_caps no_wfs = { .wait_for_sipi = false, .relay = false };
	const struct init_sipi_caps relay = { .wait_for_sipi = true, .relay = true };
	const struct init_sipi_caps relay_no_wfs = { .wait_for_sipi = false, .relay = true };

	/* Native INIT exit with wait-for-SIPI: the activity state. */
	struct init_sipi_step s = init_sipi_next(SIPI_NOT_WAITING, IS_INIT_EXIT, &native);
	CHECK(s.next == SIPI_WAIT_ACTIVITY && s.action == IS_ENTER_WAIT && !s.sipi_unreachable);
	/* Its SIPI exit starts it; a second SIPI is ignored. */
	s = init_sipi_next(SIPI_WAIT_ACTIVITY, IS_SIPI_EXIT, &native);
	CHECK(s.next == SIPI_NOT_WAITING && s.action == IS_START);
	s = init_sipi_next(SIPI_NOT_WAITING, IS_SIPI_EXIT, &native);
	CHECK(s.next == SIPI_NOT_WAITING && s.action == IS_IGNORE);
	/* INIT while waiting restarts the wait. */
	s = init_sipi_next(SIPI_WAIT_ACTIVITY, IS_INIT_EXIT, &native);
	CHECK(s.next == SIPI_WAIT_ACTIVITY && s.action == IS_ENTER_WAIT);

	/* No wait-for-SIPI: never the activity state; the hypervisor waits,
	 * and says no SIPI can reach it without the relay. */
	s = init_sipi_next(SIPI_NOT_WAITING, IS_INIT_EXIT, &no_wfs);
	CHECK(s.next == SIPI_WAIT_ROOT && s.action == IS_WAIT_IN_ROOT && s.sipi_unreachable);
	s = init_sipi_next(SIPI_NOT_WAITING, IS_INIT_EXIT, &relay_no_wfs);
	CHECK(s.next == SIPI_WAIT_ROOT && s.action == IS_WAIT_IN_ROOT && !s.sipi_unreachable);
	s = init_sipi_next(SIPI_WAIT_ROOT, IS_RELAYED_SIPI, &relay_no_wfs);
	CHECK(s.next == SIPI_NOT_WAITING && s.action == IS_START);

	/* Relay on: a native INIT exit waits where the relayed SIPI finds it. */
	s = init_sipi_next(SIPI_NOT_WAITING, IS_INIT_EXIT, &relay);
	CHECK(s.next == SIPI_WAIT_ROOT && s.action == IS_WAIT_IN_ROOT);
	/* Relayed INIT: always in the hypervisor, under every capability set. */
	const struct init_sipi_caps *sets[] = { &native, &no_wfs, &relay, &relay_no_wfs };
	for (unsigned c = 0; c < 4; c++) {
		for (unsigned w = 0; w < 3; w++) {
			s = init_sipi_next(waits[w], IS_RELAYED_INIT, sets[c]);
			CHECK(s.next == SIPI_WAIT_ROOT && s.action == IS_WAIT_IN_ROOT);
			/* Every INIT waits; the activity state only where allowed. */
			s = init_sipi_next(waits[w], IS_INIT_EXIT, sets[c]);
			CHECK(s.action == IS_ENTER_WAIT || s.action == IS_WAIT_IN_ROOT);
			CHECK(s.action != IS_ENTER_WAIT || sets[c]->wait_for_sipi);
			CHECK((s.next == SIPI_WAIT_ACTIVITY) == (s.action == IS_ENTER_WAIT));
			/* A SIPI starts the processor only from the matching wait. */
			s = init_sipi_next(waits[w], IS_SIPI_EXIT, sets[c]);
			CHECK((s.action == IS_START) == (waits[w] == SIPI_WAIT_ACTIVITY));
			s = init_sipi_next(waits[w], IS_RELAYED_SIPI, sets[c]);
			CHECK((s.action == IS_START) == (waits[w] == SIPI_WAIT_ROOT));
			CHECK(s.action != IS_START || s.next == SIPI_NOT_WAITING);
		}
	}
	return unit_finish("test_init_sipi_rules");
}
