/* hv/exits/mmio_decode.c: the MMIO stores init_sipi.c decodes, and guest
 * page walks over a fake guest-physical memory. */
#include "../../hv/exits/guest_page_walk.h"
#include "../../hv/exits/mmio_decode.h"
#include "unit.h"

#include <string.h>

static uint8_t mem[8 * 4096]; /* guest-physical 0x0-0x8000 */

static bool read_mem(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa + len > sizeof(mem))
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

/* Byte and word stores (the ACPI reset register, mmio_reset.c). */
static void test_narrow_stores(void)
{
	struct mmio_store s;
	static const uint8_t movb_al[] = { 0x88, 0x01 };           /* mov [rcx], al */
	CHECK(mmio_decode_store(movb_al, sizeof(movb_al), &s));
	CHECK(s.width == 1 && s.reg == 0 && !s.high_byte && s.length == 2);
	CHECK(!mmio_decode_store32(movb_al, sizeof(movb_al), &s)); /* not for the APIC */
	static const uint8_t movb_ah[] = { 0x88, 0x21 };           /* mov [rcx], ah */
	CHECK(mmio_decode_store(movb_ah, sizeof(movb_ah), &s));
	CHECK(s.width == 1 && s.reg == 0 && s.high_byte);
	static const uint8_t movb_sil[] = { 0x40, 0x88, 0x31 };    /* mov [rcx], sil */
	CHECK(mmio_decode_store(movb_sil, sizeof(movb_sil), &s));
	CHECK(s.width == 1 && s.reg == 6 && !s.high_byte && s.length == 3);
	static const uint8_t movb_imm[] = { 0xc6, 0x40, 0x10, 0x06 }; /* mov byte [rax+0x10], 6 */
	CHECK(mmio_decode_store(movb_imm, sizeof(movb_imm), &s));
	CHECK(s.width == 1 && s.immediate && s.imm == 6 && s.length == 4);
	static const uint8_t movw_imm[] = { 0x66, 0xc7, 0x00, 0x34, 0x12 }; /* mov word [rax], 0x1234 */
	CHECK(mmio_decode_store(movw_imm, sizeof(movw_imm), &s));
	CHECK(s.width == 2 && s.imm == 0x1234 && s.length == 5);
	static const uint8_t bad66[] = { 0x66, 0x88, 0x01 };
	CHECK(!mmio_decode_store(bad66, sizeof(bad66), &s));
	static const uint8_t short_imm[] = { 0xc6, 0x00 };
	CHECK(!mmio_decode_store(short_imm, sizeof(short_imm), &s));
}

int main(void)
{
	test_narrow_stores();
	struct mmio_store s;
	/* OVMF's MmioWrite32: mov [rcx], edx = 89 11 */
	static const uint8_t ovmf[] = { 0x89, 0x11, 0xc3 };
	CHECK(mmio_decode_store32(ovmf, sizeof(ovmf), &s));
	CHECK_EQ_U64(s.length, 2);
	CHECK(!s.immediate);
	CHECK_EQ_U64(s.reg, 2); /* EDX */
	/* mov [r8+0x300], r9d = 45 89 88 00 03 00 00 */
	static const uint8_t rex[] = { 0x45, 0x89, 0x88, 0x00, 0x03, 0x00, 0x00 };
	CHECK(mmio_decode_store32(rex, sizeof(rex), &s));
	CHECK_EQ_U64(s.length, 7);
	CHECK_EQ_U64(s.reg, 9);
	/* mov dword [rip+0x1234], 0x4500 = c7 05 34 12 00 00 00 45 00 00 */
	static const uint8_t imm[] = { 0xc7, 0x05, 0x34, 0x12, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00 };
	CHECK(mmio_decode_store32(imm, sizeof(imm), &s));
	CHECK_EQ_U64(s.length, 10);
	CHECK(s.immediate);
	CHECK_EQ_U64(s.imm, 0x4500);
	/* mov [rsp+8], eax with a SIB byte and disp8 = 89 44 24 08 */
	static const uint8_t sib[] = { 0x89, 0x44, 0x24, 0x08 };
	CHECK(mmio_decode_store32(sib, sizeof(sib), &s));
	CHECK_EQ_U64(s.length, 4);
	CHECK_EQ_U64(s.reg, 0);
	/* Refused: 64-bit store (REX.W), register destination, a load, truncated bytes. */
	static const uint8_t w[] = { 0x48, 0x89, 0x11 }, regdst[] = { 0x89, 0xd0 }, load[] = { 0x8b, 0x11 };
	CHECK(!mmio_decode_store32(w, sizeof(w), &s));
	CHECK(!mmio_decode_store32(regdst, sizeof(regdst), &s));
	CHECK(!mmio_decode_store32(load, sizeof(load), &s));
	CHECK(!mmio_decode_store32(imm, 6, &s));
	CHECK(!mmio_decode_store32(rex, 0, &s));

	/* 4-level walk: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
	put64(0x1000, 0x2000 | 3);
	put64(0x2000 + 8 * 1, 0x40000000ull | 0x83);  /* 1 GB page for 1-2 GB */
	put64(0x2000, 0x3000 | 3);
	put64(0x3000 + 8 * 2, 0x00600000ull | 0x83);  /* 2 MB page at linear 4-6 MB */
	put64(0x3000, 0x4000 | 3);
	put64(0x4000 + 8 * 5, 0x7000 | 3);            /* linear 0x5000 -> 0x7000 */
	uint64_t cr0 = 0x80000011, cr4 = 0x20, efer = 0x500, gpa = 0;
	CHECK(guest_linear_to_phys(cr0, cr4, efer, 0x1000, 0x5123, read_mem, NULL, &gpa));
	CHECK_EQ_U64(gpa, 0x7123);
	CHECK(guest_linear_to_phys(cr0, cr4, efer, 0x1000, 0x412345, read_mem, NULL, &gpa));
	CHECK_EQ_U64(gpa, 0x612345);
	CHECK(guest_linear_to_phys(cr0, cr4, efer, 0x1000, 0x40001234, read_mem, NULL, &gpa));
	CHECK_EQ_U64(gpa, 0x40001234);
	CHECK(!guest_linear_to_phys(cr0, cr4, efer, 0x1000, 0x6000, read_mem, NULL, &gpa)); /* not present */
	CHECK(!guest_linear_to_phys(cr0, cr4, 0, 0x1000, 0x5000, read_mem, NULL, &gpa));   /* 32-bit paging */
	CHECK(guest_linear_to_phys(0x11, 0, 0, 0, 0x87000, read_mem, NULL, &gpa));          /* paging off */
	CHECK_EQ_U64(gpa, 0x87000);
	return unit_finish("test_mmio_decode");
}
