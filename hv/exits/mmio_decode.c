/* MMIO store decoding (mmio_decode.h). */
#include "mmio_decode.h"

#include <hv/arch_bits.h>

bool mmio_decode_store(const uint8_t *code, size_t n, struct mmio_store *out)
{
	size_t i = 0;
	unsigned rex = 0;
	bool opsize16 = false;
	if (i < n && code[i] == 0x66) {
		opsize16 = true;
		i++;
	}
	if (i < n && (code[i] & 0xf0) == 0x40)
		rex = code[i++];
	if (rex & 0x8)
		return false; /* REX.W: a 64-bit store, not a register write we know */
	if (i >= n)
		return false;
	uint8_t op = code[i++];
	bool byte = op == 0x88 || op == 0xc6, imm_form = op == 0xc7 || op == 0xc6;
	if (op != 0x89 && op != 0xc7 && !byte)
		return false;
	if (byte && opsize16)
		return false;
	if (i >= n)
		return false;
	uint8_t modrm = code[i++];
	unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	if (mod == 3)
		return false; /* register destination: not a memory store */
	if (imm_form && reg != 0)
		return false;
	/* SIB and displacement only set the length: the address comes from the
	 * exit (guest-physical address), not from decoding (SDM Vol. 2A §2.1.5). */
	if (rm == 4) {
		if (i >= n)
			return false;
		uint8_t sib = code[i++];
		if (mod == 0 && (sib & 7) == 5)
			i += 4;
	}
	if (mod == 1)
		i += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		i += 4;
	out->width = byte ? 1 : opsize16 ? 2 : 4;
	out->immediate = imm_form;
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM Vol. 2A
	 * §3.1.1.1); with any REX they are SPL, BPL, SIL, DIL. */
	out->high_byte = byte && !imm_form && !rex && reg >= 4;
	out->reg = out->high_byte ? reg - 4 : reg | (rex & 0x4 ? 8u : 0u);
	out->imm = 0;
	if (out->immediate) {
		if (i + out->width > n)
			return false;
		for (unsigned b = 0; b < out->width; b++)
			out->imm |= (uint32_t)code[i + b] << (8 * b);
		i += out->width;
	}
	if (i > n)
		return false;
	out->length = (unsigned)i;
	return true;
}

bool mmio_decode_store32(const uint8_t *code, size_t n, struct mmio_store *out)
{
	return mmio_decode_store(code, n, out) && out->width == 4;
}
