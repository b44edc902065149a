#include "hv/exits/decode.h"
#include "unit.h"

int main(void)
{
	/* #PF with error code, as an exit interruption-information field. */
	struct interruption_info ii = decode_interruption_info(0x80000b0e);
	CHECK(ii.valid && ii.vector == 14 && ii.type == INTR_TYPE_HARDWARE_EXCEPTION && ii.has_error_code);
	CHECK(!ii.nmi_unblocking_due_to_iret);
	ii = decode_interruption_info(0x80000220 | INTR_INFO_NMI_UNBLOCKING);
	CHECK(ii.type == INTR_TYPE_NMI && ii.vector == 0x20 && ii.nmi_unblocking_due_to_iret);
	CHECK(!decode_interruption_info(0x0000000e).valid);
	CHECK_EQ_U64(encode_interruption_info(13, INTR_TYPE_HARDWARE_EXCEPTION, true), 0x80000b0d);
	CHECK_EQ_U64(encode_interruption_info(0x30, INTR_TYPE_EXTERNAL, false), 0x80000030);
	CHECK_EQ_U64(encode_interruption_info(6, INTR_TYPE_HARDWARE_EXCEPTION, false), 0x80000306);

	/* MOV CR4, RCX (to CR4 from GPR 1) and MOV R10, CR0 (from CR0 to GPR 10). */
	struct cr_access c = decode_cr_access(0x104);
	CHECK(c.cr == 4 && c.type == CR_MOV_TO && c.gpr == 1);
	c = decode_cr_access(0xa10);
	CHECK(c.cr == 0 && c.type == CR_MOV_FROM && c.gpr == 10);
	/* LMSW with a memory operand, source data 0x000b. */
	c = decode_cr_access(0x000b0070);
	CHECK(c.type == CR_LMSW && c.lmsw_memory_operand && c.lmsw_source == 0xb);
	c = decode_cr_access(0x20);
	CHECK(c.type == CR_CLTS);

	/* Write to a read-only page while translating a linear address. */
	struct ept_violation e = decode_ept_violation(0x18a);
	CHECK(e.write && !e.read && !e.fetch && e.readable && !e.writable && !e.executable);
	CHECK(e.linear_address_valid && !e.during_translation);
	/* Read of a no-access page during a guest page walk (bit 8 clear). */
	e = decode_ept_violation(0x81);
	CHECK(e.read && !e.readable && e.linear_address_valid && e.during_translation);
	e = decode_ept_violation(0x1004);
	CHECK(e.fetch && e.nmi_unblocking_due_to_iret && !e.linear_address_valid);
	/* OUT DX, AL to 0x8900; IN EAX, 0x60 (immediate); REP OUTSW to 0x3f8. */
	struct io_access io = decode_io_access(0x89000000);
	CHECK(io.size == 1 && !io.in && !io.string && io.port == 0x8900);
	io = decode_io_access(0x0060004b);
	CHECK(io.size == 4 && io.in && !io.string && io.port == 0x60);
	io = decode_io_access(0x03f80031);
	CHECK(io.size == 2 && !io.in && io.string && io.rep && io.port == 0x3f8);
	return unit_finish("test_decode");
}
