#include "pe.h"

#include <stdint.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

#define PE_MACHINE_X64 0x8664
#define PE32PLUS_MAGIC 0x20b
#define SUBSYSTEM_EFI_APPLICATION 10
#define COFF_HEADER_SIZE 20
#define SECTION_HEADER_SIZE 40

const char *pe_check_efi_image(const void *data, size_t size)
{
	const uint8_t *p = data;
	if (size < 64)
		return "file too small to be an EFI image";
	if (p[0] != 'M' || p[1] != 'Z')
		return "not an EFI image: no 'MZ' DOS header";
	uint32_t pe = rd32(p + 0x3c);
	if (pe > size - 4 - COFF_HEADER_SIZE || pe < 64)
		return "corrupt image: PE header offset outside the file";
	if (rd32(p + pe) != 0x00004550)
		return "not an EFI image: no 'PE' signature";
	const uint8_t *coff = p + pe + 4;
	if (rd16(coff) != PE_MACHINE_X64)
		return "wrong machine: not an x86-64 (0x8664) image";
	uint16_t nsections = rd16(coff + 2);
	uint16_t opt_size = rd16(coff + 16);
	const uint8_t *opt = coff + COFF_HEADER_SIZE;
	size_t opt_off = (size_t)(opt - p);
	if (opt_size < 0x60 || opt_off + opt_size > size)
		return "corrupt image: optional header truncated";
	if (rd16(opt) != PE32PLUS_MAGIC)
		return "not a PE32+ (64-bit) image";
	if (rd16(opt + 68) != SUBSYSTEM_EFI_APPLICATION)
		return "not an EFI application (PE subsystem is not 10)";
	uint32_t size_of_image = rd32(opt + 56);
	uint32_t size_of_headers = rd32(opt + 60);
	if (!size_of_image || size_of_headers > size)
		return "corrupt image: headers larger than the file";
	size_t sect_off = opt_off + opt_size;
	if (!nsections || sect_off + (size_t)nsections * SECTION_HEADER_SIZE > size)
		return "corrupt image: section table truncated";
	for (unsigned i = 0; i < nsections; i++) {
		const uint8_t *s = p + sect_off + (size_t)i * SECTION_HEADER_SIZE;
		uint32_t vsize = rd32(s + 8), vaddr = rd32(s + 12);
		uint32_t raw_size = rd32(s + 16), raw_ptr = rd32(s + 20);
		if (raw_size && ((size_t)raw_ptr > size || (size_t)raw_size > size - raw_ptr))
			return "truncated image: a section lies past the end of the file";
		if ((uint64_t)vaddr + vsize > size_of_image)
			return "corrupt image: a section lies outside SizeOfImage";
	}
	return NULL;
}
