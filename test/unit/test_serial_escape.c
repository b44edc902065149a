/* Requests typed on the serial terminal (hv/lib/serial_escape.c): what the
 * guest receives and what is asked. */
#include "hv/lib/serial_escape.h"
#include "unit.h"

/* Feeds `in`; the guest's bytes go to got, the requests counted. */
static void run(const char *in, char *got, unsigned *dumps, unsigned *resets)
{
	struct serial_escape e = { 0 };
	unsigned g = 0;
	*dumps = *resets = 0;
	for (const char *p = in; *p; p++) {
		uint8_t out[2];
		enum serial_request r;
		unsigned n = serial_escape_feed(&e, (uint8_t)*p, out, &r);
		for (unsigned i = 0; i < n; i++)
			got[g++] = (char)out[i];
		*dumps += r == SERIAL_REQUEST_DUMP;
		*resets += r == SERIAL_REQUEST_RESET;
	}
	got[g] = 0;
}

int main(void)
{
	char got[128];
	unsigned d, z;
	run("~sls\r", got, &d, &z); /* at the very start */
	CHECK_STR(got, "ls\r");
	CHECK_EQ_U64(d, 1);
	run("echo a~s\r~s~z\nb~z", got, &d, &z); /* mid-line: the guest's */
	CHECK_STR(got, "echo a~s\r\nb~z");
	CHECK_EQ_U64(d, 1);
	CHECK_EQ_U64(z, 1);
	run("\n~~s\n~x\n~", got, &d, &z); /* "~~": one '~'; other bytes pass with it; a last '~' waits */
	CHECK_STR(got, "\n~s\n~x\n");
	CHECK_EQ_U64(d, 0);
	run("~~~s", got, &d, &z); /* after "~~" the line has begun */
	CHECK_STR(got, "~~s");
	CHECK_EQ_U64(d, 0);
	/* A NUL (a break, line noise) reaches the guest and leaves the state:
	 * a line start stays one, a waiting '~' still waits. */
	struct serial_escape e = { 0 };
	const uint8_t in[] = { 'a', '\r', 0, '~', 0, 's', 'b' };
	uint8_t all[16];
	unsigned g = 0, dumps = 0;
	for (unsigned i = 0; i < sizeof(in); i++) {
		uint8_t out[2];
		enum serial_request r;
		unsigned n = serial_escape_feed(&e, in[i], out, &r);
		for (unsigned k = 0; k < n; k++)
			all[g++] = out[k];
		dumps += r == SERIAL_REQUEST_DUMP;
	}
	CHECK_EQ_U64(dumps, 1);
	CHECK_EQ_U64(g, 5); /* a \r NUL NUL b */
	CHECK_EQ_U64(all[2] | all[3], 0);
	CHECK_EQ_U64(all[4], 'b');
	return unit_finish("test_serial_escape");
}
