/* I/O instructions (exit reason 30). Only the ports through which a guest
 * powers the machine off or resets it exit (I/O bitmaps, SDM Vol. 3C
 * §25.6.4): before the machine goes away the hypervisor prints its
 * statistics, then performs the access itself, so the guest gets exactly
 * what it asked for.
 *   0x8900  Bochs shutdown port ("Shutdown")
 *   0x00f4  QEMU isa-debug-exit
 *   0x0cf9  reset control register (reset when bit 2 is written)
 *   0x0064  keyboard controller (command 0xFE pulses reset)
 *   ACPI    PM1a/PM1b control (SLP_EN: sleep, S5 = power-off) and the
 *           reset register, where the FADT puts them in I/O space
 * and the hypervisor's own UART (THR, LCR), to keep a shared console's
 * lines whole (serial.h). */
#include "../lib/log.h"
#include "../lib/serial.h"
#include "../vmx/vmx_ops.h"
#include "exit_stats.h"
#include "exits.h"
#include "io_ports.h"

#include <hv/cpu.h>

static void port_out(uint16_t port, unsigned size, uint32_t v)
{
	if (size == 1)
		__asm__ volatile("outb %b0, %w1" ::"a"(v), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %w1" ::"a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %0, %w1" ::"a"(v), "Nd"(port));
}

static uint32_t port_in(uint16_t port, unsigned size)
{
	uint32_t v = 0;
	if (size == 1)
		__asm__ volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
	else if (size == 2)
		__asm__ volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
	else
		__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Does this write end the machine? Bochs's port wants the whole string
 * "Shutdown", so its first byte is the moment to report. */
static const char *machine_goes_away(const struct acpi_power *acpi, uint16_t port, unsigned size, uint32_t value)
{
	unsigned slp_typ;
	if (acpi->pm1a_control && (port == acpi->pm1a_control || port == acpi->pm1a_control + 1) &&
	    acpi_pm1_write_sleeps(port - acpi->pm1a_control, size, value, &slp_typ))
		return "ACPI sleep (PM1a SLP_EN)";
	if (acpi->pm1b_control && (port == acpi->pm1b_control || port == acpi->pm1b_control + 1) &&
	    acpi_pm1_write_sleeps(port - acpi->pm1b_control, size, value, &slp_typ))
		return "ACPI sleep (PM1b SLP_EN)";
	if (acpi->reset_in_io && port == acpi->reset_port && (value & 0xff) == acpi->reset_value)
		return "reset through the ACPI reset register";
	switch (port) {
	case IO_PORT_BOCHS_SHUTDOWN:
		return (value & 0xff) == 'S' ? "emulator shutdown (port 0x8900)" : NULL;
	case IO_PORT_QEMU_DEBUG_EXIT:
		return "emulator exit (port 0xf4)";
	case IO_PORT_RESET_CONTROL:
		return value & 0x4 ? "reset through port 0xcf9" : NULL;
	case IO_PORT_KBC_COMMAND:
		return (value & 0xff) == 0xfe ? "reset through the keyboard controller (0x64 <- 0xfe)" : NULL;
	}
	return NULL;
}

enum exit_action handle_io_instruction(struct exit_ctx *ctx)
{
	struct io_access io = decode_io_access(exit_qualification(ctx));
	struct guest_regs *r = ctx->regs;
	ctx->sub_kind = stats_sub_key_port(io.port, io.in);
	uint32_t mask = io.size == 4 ? 0xffffffffu : (1u << (8 * io.size)) - 1;
	if (io.string) {
		log_printf("string I/O to port 0x%x is not emulated\n", io.port);
		return EXIT_STOP;
	}
	if (io.in) {
		r->rax = (r->rax & ~(uint64_t)mask) | (port_in(io.port, io.size) & mask);
		return EXIT_SKIP_INSTRUCTION;
	}
	uint32_t value = (uint32_t)r->rax & mask;
	if (io.size == 1)
		serial_guest_wrote(io.port, (uint8_t)value);
	const char *why = machine_goes_away(&ctx->vcpu->hv->acpi, io.port, io.size, value);
	if (why) {
		log_printf("guest ends the machine: %s; final statistics:\n", why);
		exit_stats_print(ctx->vcpu, "final");
		serial_drain();
	}
	port_out(io.port, io.size, value);
	return EXIT_SKIP_INSTRUCTION;
}
