/* Requests typed on the serial terminal (serial_escape.h). */
#include "serial_escape.h"

enum { LINE_START, IN_LINE, TILDE };

unsigned serial_escape_feed(struct serial_escape *e, uint8_t c, uint8_t out[2], enum serial_request *request)
{
	unsigned n = 0;
	*request = SERIAL_REQUEST_NONE;
	/* A NUL is no character: what a break or line noise leaves in RBR
	 * (measured: one after a typed CR in a Bochs run). The guest gets it,
	 * and a line start, or a '~' waiting, stays as it was. */
	if (c == 0) {
		out[0] = 0;
		return 1;
	}
	if (e->state == TILDE) {
		if (c == 's' || c == 'z') {
			*request = c == 's' ? SERIAL_REQUEST_DUMP : SERIAL_REQUEST_RESET;
			e->state = LINE_START; /* another request may follow at once */
			return 0;
		}
		out[n++] = '~';
		if (c == '~') {
			e->state = IN_LINE;
			return n;
		}
	} else if (e->state == LINE_START && c == '~') {
		e->state = TILDE;
		return 0;
	}
	out[n++] = c;
	e->state = c == '\r' || c == '\n' ? LINE_START : IN_LINE;
	return n;
}
