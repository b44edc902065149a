/* A memory-mapped ACPI reset register (the FADT's RESET_REG in system
 * memory space, ACPI 6.x §5.2.9 and §4.8.3.6): its page is read-only in
 * EPT (virtualize.c), so the guest's stores to that page exit as EPT
 * violations. The hypervisor decodes the store (mmio_decode.c), and when
 * it writes the reset value to the register, prints the final statistics
 * first, as for the other ways a machine ends (io.c); then it performs the
 * store itself, whatever it was, and the guest goes on after it. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "../stats/dump.h"
#include "exits.h"
#include "guest_memory.h"
#include "mmio_decode.h"
#include "mmio_reset.h"

static uint32_t store_value(struct exit_ctx *ctx, const struct mmio_store *st)
{
	if (st->immediate)
		return st->imm;
	uint64_t r = guest_gpr_read(ctx, st->reg);
	return (uint32_t)(st->high_byte ? r >> 8 : r);
}

static void perform_store(uint64_t gpa, unsigned width, uint32_t value)
{
	if (width == 1)
		*(volatile uint8_t *)(uintptr_t)gpa = (uint8_t)value;
	else if (width == 2)
		*(volatile uint16_t *)(uintptr_t)gpa = (uint16_t)value;
	else
		*(volatile uint32_t *)(uintptr_t)gpa = value;
}

bool mmio_reset_write(struct exit_ctx *ctx, uint64_t gpa, enum exit_action *action)
{
	struct vcpu *v = ctx->vcpu;
	struct hv *hv = v->hv;
	uint64_t reg = hv->acpi.reset_mmio;
	if (!reg || (gpa & ~0xfffull) != (reg & ~0xfffull))
		return false;
	uint8_t code[15];
	size_t n = guest_code_at_rip(hv, code);
	struct mmio_store st;
	if (!mmio_decode_store(code, n, &st)) {
		log_printf("store to the ACPI reset register's page 0x%llx at RIP 0x%llx: instruction %02x %02x %02x "
			   "not decoded\n", (unsigned long long)gpa, (unsigned long long)vmcs_read(VMCS_GUEST_RIP),
			   code[0], code[1], code[2]);
		*action = EXIT_STOP;
		return true;
	}
	uint32_t value = store_value(ctx, &st);
	ctx->sub_kind = STATS_SUB_ACPI_RESET | (uint32_t)(gpa & 0xfff);
	/* The register is a byte (its GAS bit width is 8): a store that
	 * covers it with the reset value in its byte resets the machine. */
	if (gpa <= reg && reg < gpa + st.width && ((value >> (8 * (reg - gpa))) & 0xff) == hv->acpi.reset_value) {
		log_printf("guest ends the machine: reset through the ACPI reset register (memory 0x%llx); "
			   "final statistics:\n", (unsigned long long)reg);
		stats_request_final(v);
	}
	perform_store(gpa, st.width, value);
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + st.length);
	*action = EXIT_RESUME;
	return true;
}
