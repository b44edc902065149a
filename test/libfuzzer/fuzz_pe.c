/* libFuzzer harness for the guest-image check (guest-loader/pe.c): the
 * fuzz input is the whole file as the loader reads it from the ESP. The
 * buffer libFuzzer passes is exactly `size` bytes on the heap, so a read
 * past the end is an AddressSanitizer report, not a silent pass. */
#include "guest-loader/pe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = pe_check_efi_image(data, size);
	if (why) {
		/* A refusal is printed as "refused: <why>": it must be text. */
		if (!why[0] || strlen(why) > 120)
			abort();
		return 0;
	}
	/* Accepted: what the firmware's loader reads next must be inside the
	 * file (PE/COFF: e_lfanew at 0x3c, the PE signature, COFF header and
	 * the PE32+ optional header up to Subsystem at +68). */
	if (size < 64)
		abort();
	uint32_t pe = rd32(data + 0x3c);
	if ((uint64_t)pe + 4 + 20 + 72 > size || memcmp(data + pe, "PE\0\0", 4) != 0)
		abort();
	return 0;
}
