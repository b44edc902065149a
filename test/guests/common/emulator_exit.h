/* Ends an emulator run from a test guest: Bochs stops on "Shutdown"
 * written to port 0x8900 (run-bochs.sh), QEMU on a write to its
 * isa-debug-exit device at 0xf4 (run-qemu.sh). Harmless on real hardware,
 * where neither port exists; the caller drains the UART first. */
#ifndef TEST_GUESTS_EMULATOR_EXIT_H
#define TEST_GUESTS_EMULATOR_EXIT_H

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"

#include <hv/cpu.h>

static inline void emulator_exit(uint8_t status)
{
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	outb(0xf4, status);
}

/* The last line of a test guest ("<name>: done" or "<name>: FAILED"),
 * then the end of the run with status 0 or 1. */
static inline void emulator_end(const char *name, unsigned fails)
{
	log_raw("%s: %s\n", name, fails ? "FAILED" : "done");
	serial_drain();
	emulator_exit(fails ? 1 : 0);
}

#endif
