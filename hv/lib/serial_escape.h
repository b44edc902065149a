/* Requests typed on the hypervisor's serial terminal, among the bytes the
 * guest receives on the same port (README "Exit statistics"): at the start
 * of a line (after CR or LF, or the first byte),
 *   ~s   prints the statistics of every CPU (why=console)
 *   ~z   zeroes the counters of every CPU
 *   ~~   sends one '~' to the guest
 * as ssh's escapes do. Any other byte after '~' reaches the guest with the
 * '~'; nothing else is held back. Pure (test/unit/test_serial_escape.c). */
#ifndef HV_SERIAL_ESCAPE_H
#define HV_SERIAL_ESCAPE_H

#include <stdint.h>

enum serial_request { SERIAL_REQUEST_NONE = 0, SERIAL_REQUEST_DUMP = 1, SERIAL_REQUEST_RESET = 2 };

struct serial_escape {
	uint8_t state; /* 0: at the start of a line, 1: within one, 2: '~' held */
};

/* One received byte: the bytes the guest gets for it go to out (0 to 2),
 * their number is returned; *request is what was asked, if anything. */
unsigned serial_escape_feed(struct serial_escape *e, uint8_t c, uint8_t out[2], enum serial_request *request);

#endif
