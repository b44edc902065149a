#include "hv/vmx/vmcs_fields.h"
#include "unit.h"

int main(void)
{
	/* SDM Vol. 3C §25.11.2: encoding bits 14:13 are the width, bit 0 the
	 * access type (0 = full); bits 11:10 the type (control, read-only,
	 * guest, host). Every declared width must match its encoding, every
	 * encoding must be unique and use full access. */
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];
		unsigned enc_width = (f->encoding >> 13) & 3;
		if (enc_width != (unsigned)f->width)
			fprintf(stderr, "%s: encoding 0x%x says width %u, table says %u\n", f->name, f->encoding,
				enc_width, f->width);
		CHECK(enc_width == (unsigned)f->width);
		CHECK((f->encoding & 1) == 0);
		CHECK((f->encoding & 0xffff8000u) == 0);
		for (unsigned j = 0; j < i; j++)
			CHECK(vmcs_field_table[j].encoding != f->encoding);
		CHECK(f->name && !strncmp(f->name, "VMCS_", 5));
	}
	/* Guest fields have type 2, host fields type 3 (bits 11:10). */
	CHECK_EQ_U64((vmcs_field_table[VMCS_GUEST_CR0].encoding >> 10) & 3, 2);
	CHECK_EQ_U64((vmcs_field_table[VMCS_HOST_RIP].encoding >> 10) & 3, 3);
	CHECK_EQ_U64((vmcs_field_table[VMCS_EXIT_REASON].encoding >> 10) & 3, 1);
	CHECK_EQ_U64(vmcs_field_table[VMCS_EPT_POINTER].encoding, 0x201a);
	/* The dump's text (vmcs_dump.c): the name without VMCS_, the value
	 * in the field's width, "-" for a field the processor lacks. */
	char buf[64];
	CHECK_EQ_U64(vmcs_field_format(buf, sizeof(buf), VMCS_GUEST_CR0, 0x80050033, true), 27);
	CHECK_STR(buf, "GUEST_CR0=0000000080050033 ");
	vmcs_field_format(buf, sizeof(buf), VMCS_GUEST_CS_SELECTOR, 0x10, true);
	CHECK_STR(buf, "GUEST_CS_SELECTOR=0010 ");
	vmcs_field_format(buf, sizeof(buf), VMCS_EXIT_REASON, 10, true);
	CHECK_STR(buf, "EXIT_REASON=0000000a ");
	vmcs_field_format(buf, sizeof(buf), VMCS_XSS_EXIT_BITMAP, 0, false);
	CHECK_STR(buf, "XSS_EXIT_BITMAP=- ");
	CHECK_EQ_U64(vmcs_field_format(buf, 8, VMCS_GUEST_CR0, 0, true), 7); /* cut, NUL-terminated */
	CHECK_STR(buf, "GUEST_C");
	/* A failed VMWRITE, named (vmcs_diag.c reports vmcs_write's record). */
	char text[160];
	vmcs_write_failure_text(text, sizeof(text), VMCS_GUEST_IA32_PERF_GLOBAL_CTRL + 1, 12);
	CHECK_STR(text, "VMWRITE VMCS_GUEST_IA32_PERF_GLOBAL_CTRL failed: VM-instruction error 12 "
			"(VMREAD/VMWRITE from/to unsupported VMCS component)");
	vmcs_write_failure_text(text, sizeof(text), VMCS_EXIT_REASON + 1, 13);
	CHECK_STR(text, "VMWRITE VMCS_EXIT_REASON failed: VM-instruction error 13 (VMWRITE to read-only VMCS component)");
	vmcs_write_failure_text(text, sizeof(text), VMCS_GUEST_RIP + 1, 0);
	CHECK_STR(text, "VMWRITE VMCS_GUEST_RIP failed: VMfailInvalid (no current VMCS)");
	vmcs_write_failure_text(text, sizeof(text), VMCS_FIELD_COUNT + 1, 99);
	CHECK_STR(text, "VMWRITE (unknown field) failed: VM-instruction error 99 (unknown VM-instruction error)");
	return unit_finish("test_vmcs_fields");
}
