#include "guest-loader/pe.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v), w16(p + 2, (uint16_t)(v >> 16)); }

/* A minimal, valid x86-64 EFI application image: DOS stub, PE header,
 * PE32+ optional header, one .text section. */
static size_t make_image(uint8_t *img)
{
	memset(img, 0, 4096);
	img[0] = 'M', img[1] = 'Z';
	w32(img + 0x3c, 0x80);
	w32(img + 0x80, 0x00004550);
	uint8_t *coff = img + 0x84;
	w16(coff, 0x8664);
	w16(coff + 2, 1);
	w16(coff + 16, 0xf0);
	uint8_t *opt = coff + 20;
	w16(opt, 0x20b);
	w32(opt + 56, 0x3000);
	w32(opt + 60, 0x400);
	w16(opt + 68, 10);
	uint8_t *sec = opt + 0xf0;
	memcpy(sec, ".text", 5);
	w32(sec + 8, 0x1000);
	w32(sec + 12, 0x1000);
	w32(sec + 16, 0x200);
	w32(sec + 20, 0x400);
	return 0x600;
}

int main(void)
{
	uint8_t img[4096];
	size_t n = make_image(img);
	CHECK(pe_check_efi_image(img, n) == NULL);

	CHECK_STR(pe_check_efi_image(img, 10), "file too small to be an EFI image");
	CHECK_STR(pe_check_efi_image(img, 0x500), "truncated image: a section lies past the end of the file");
	CHECK_STR(pe_check_efi_image(img, 0x90), "corrupt image: PE header offset outside the file");

	make_image(img);
	img[0] = 'X';
	CHECK_STR(pe_check_efi_image(img, n), "not an EFI image: no 'MZ' DOS header");
	make_image(img);
	img[0x81] = 'X';
	CHECK_STR(pe_check_efi_image(img, n), "not an EFI image: no 'PE' signature");
	make_image(img);
	w16(img + 0x84, 0x14c);
	CHECK_STR(pe_check_efi_image(img, n), "wrong machine: not an x86-64 (0x8664) image");
	make_image(img);
	w16(img + 0x84 + 20, 0x10b);
	CHECK_STR(pe_check_efi_image(img, n), "not a PE32+ (64-bit) image");
	make_image(img);
	w16(img + 0x84 + 20 + 68, 11);
	CHECK_STR(pe_check_efi_image(img, n), "not an EFI application (PE subsystem is not 10)");
	make_image(img);
	w32(img + 0x3c, 0x7fffffff);
	CHECK_STR(pe_check_efi_image(img, n), "corrupt image: PE header offset outside the file");
	make_image(img);
	w16(img + 0x84 + 2, 200);
	CHECK_STR(pe_check_efi_image(img, n), "corrupt image: section table truncated");
	make_image(img);
	w32(img + 0x84 + 20 + 0xf0 + 8, 0x10000);
	CHECK_STR(pe_check_efi_image(img, n), "corrupt image: a section lies outside SizeOfImage");

	/* Random bytes (fixed seed) are refused without reading out of bounds
	 * (ASan watches). */
	srand(1234);
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(rand() % 1024);
		uint8_t *junk = malloc(len ? len : 1);
		for (size_t j = 0; j < len; j++)
			junk[j] = (uint8_t)rand();
		if (len > 2 && i % 2)
			junk[0] = 'M', junk[1] = 'Z';
		CHECK(pe_check_efi_image(junk, len) != NULL);
		free(junk);
	}
	/* Every truncation of a valid image is refused. */
	make_image(img);
	for (size_t len = 0; len < n; len++)
		CHECK(pe_check_efi_image(img, len) != NULL);
	return unit_finish("test_pe");
}
