/* I/O instructions (exit reason 30). Only the ports through which a guest
 * powers the machine off, resets or suspends it exit (I/O bitmaps, SDM
 * Vol. 3C §25.6.4; the list is io_ports.h, what each write means is
 * io_policy.c): before the machine goes away the hypervisor prints its
 * statistics, then performs the access itself, so the guest gets exactly
 * what it asked for. A suspend (S1-S3) is refused: the hypervisor would not
 * survive it. The hypervisor's own UART (THR, FCR, LCR) exits too: the
 * guest's bytes join our output queue, in order with our lines (serial.h). INS/OUTS to any of these ports
 * are performed element by element through the guest's page tables
 * (string_io.c). */
#include "io.h"

#include "../lib/log.h"
#include "../lib/serial.h"
#include "../stats/dump.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "io_policy.h"
#include "platform_facts.h"
#include "io_ports.h"
#include "guest_page_walk.h"
#include "mmio_decode.h"
#include "pci_config_io.h"
#include "string_io.h"

#include <hv/cpu.h>

/* Elements of a REP INS/OUTS per exit: the rest re-executes, so the
 * guest's interrupts wait at most this long (the processor too may pause
 * a REP between elements, SDM Vol. 2B "REP"). */
#define STRING_IO_ELEMENTS_PER_EXIT 256
#define VMX_BASIC_INS_OUTS_INFO (1ull << 54) /* SDM Vol. 3D §A.1 */

static void port_out(uint16_t port, unsigned size, uint32_t v)
{
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

static uint32_t port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

/* An OUT or one OUTS element, as io_policy.c judges it. */
static void guest_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	struct hv *hv = v->hv;
	if (size == 1 && serial_guest_write(port, (uint8_t)value))
		return; /* our UART's THR or FCR: done there (serial.h) */
	struct io_verdict verdict = io_write_verdict(&hv->acpi, &hv->io_policy, port, size, value);
	switch (verdict.effect) {
	case IO_WRITE_SLEEP_REFUSED:
		/* Resuming would start the firmware's waking vector with VMX
		 * off and no hypervisor: refuse, and let the OS see an
		 * immediate wake-up (WAK_STS) instead of a lost machine. */
		log_printf("CPU %u: %s suspend refused: the hypervisor does not survive a sleep state; the guest "
			   "stays awake (PM1 status shows WAK_STS)\n",
			   v->index, verdict.why);
		hv->io_policy.wake_status_pending = true;
		return;
	case IO_WRITE_WAKE_CLEARED:
		hv->io_policy.wake_status_pending = false;
		break;
	case IO_WRITE_ENDS_MACHINE:
		log_printf("guest ends the machine: %s; final statistics:\n", verdict.why);
		stats_request_final(v);
		break;
	case IO_WRITE_PASS:
		break;
	}
	port_out(port, size, value);
}

static uint32_t guest_in(struct vcpu *v, uint16_t port, unsigned size)
{
	uint8_t byte;
	if (size == 1 && serial_guest_read(port, &byte)) {
		stats_serial_requests(v); /* typed on the terminal (serial_escape.h) */
		return byte;
	}
	return io_read_adjust(&v->hv->acpi, &v->hv->io_policy, port, size, port_in(port, size));
}

/* ---- string I/O: the machine as string_io.c sees it ---- */

struct string_io_machine {
	struct vcpu *vcpu;
	uint64_t cr0, cr4, efer, cr3;
};

static bool read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const struct hv *hv = ((struct string_io_machine *)ctx)->vcpu->hv;
	if (gpa + len < gpa || (gpa < hv->arena_base + hv->arena_size && gpa + len > hv->arena_base))
		return false; /* never through our own memory */
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = ((const volatile uint8_t *)(uintptr_t)gpa)[i];
	return true;
}

static struct guest_walk walk(void *ctx, uint64_t linear)
{
	struct string_io_machine *m = ctx;
	return guest_page_walk(m->cr0, m->cr4, m->efer, m->cr3, linear, read_phys, ctx);
}

static bool hidden(void *ctx, uint64_t gpa, unsigned len)
{
	const struct hv *hv = ((struct string_io_machine *)ctx)->vcpu->hv;
	return gpa < hv->arena_base + hv->arena_size && gpa + len > hv->arena_base;
}

static void mem_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = ((const volatile uint8_t *)(uintptr_t)gpa)[i];
}

static void mem_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
	(void)ctx;
	for (unsigned i = 0; i < len; i++)
		((volatile uint8_t *)(uintptr_t)gpa)[i] = ((const uint8_t *)buf)[i];
}

/* The processor sets A in every entry it used and D in the last for a
 * write (SDM Vol. 3A §4.8); atomically, as other CPUs walk them too. */
static void mark_accessed(void *ctx, const struct guest_walk *w, bool write)
{
	if (!(((struct string_io_machine *)ctx)->cr0 & (1ull << 31)))
		return;
	for (unsigned i = 0; i < w->entries; i++) {
		uint64_t bits = 0x20 | (write && i + 1 == w->entries ? 0x40 : 0);
		__atomic_fetch_or((uint64_t *)(uintptr_t)w->entry_gpa[i], bits, __ATOMIC_RELAXED);
	}
}

static uint32_t env_port_in(void *ctx, uint16_t port, unsigned size)
{
	return guest_in(((struct string_io_machine *)ctx)->vcpu, port, size);
}

/* A REP OUTSB to our UART cannot poll LSR between bytes as a driver does:
 * its bytes join the output queue like any other (serial.h). */
static void env_port_out(void *ctx, uint16_t port, unsigned size, uint32_t value)
{
	guest_out(((struct string_io_machine *)ctx)->vcpu, port, size, value);
}

/* The base and limit of a segment register, by its Table 28-8 number. */
static void segment_read(unsigned seg, uint64_t *base, uint32_t *limit)
{
	switch (seg) {
	case SEG_ES: *base = vmcs_read(VMCS_GUEST_ES_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT); break;
	case SEG_CS: *base = vmcs_read(VMCS_GUEST_CS_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_CS_LIMIT); break;
	case SEG_SS: *base = vmcs_read(VMCS_GUEST_SS_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_SS_LIMIT); break;
	case SEG_FS: *base = vmcs_read(VMCS_GUEST_FS_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_FS_LIMIT); break;
	case SEG_GS: *base = vmcs_read(VMCS_GUEST_GS_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_GS_LIMIT); break;
	default: *base = vmcs_read(VMCS_GUEST_DS_BASE), *limit = (uint32_t)vmcs_read(VMCS_GUEST_DS_LIMIT); break;
	}
}

/* Without the instruction-information field: the prefixes at CS:RIP. */
static bool decode_from_code(struct string_io_machine *m, uint64_t qual, unsigned default_asize,
			     struct string_io *op)
{
	uint8_t code[15];
	uint64_t rip = vmcs_read(VMCS_GUEST_CS_BASE) + vmcs_read(VMCS_GUEST_RIP);
	size_t got = 0;
	while (got < sizeof(code)) {
		struct guest_walk w = walk(m, rip + got);
		size_t chunk = 4096 - ((rip + got) & 4095);
		if (chunk > sizeof(code) - got)
			chunk = sizeof(code) - got;
		if (!w.ok || hidden(m, w.gpa, (unsigned)chunk))
			break;
		mem_read(m, w.gpa, code + got, (unsigned)chunk);
		got += chunk;
	}
	return string_io_decode_prefixes(qual, code, got, default_asize, op);
}

static void string_cpu_read(struct exit_ctx *ctx, const struct string_io *op, uint64_t rflags, bool mode64,
			    struct string_io_cpu *c)
{
	*c = (struct string_io_cpu){
		.rcx = ctx->regs->rcx, .rsi = ctx->regs->rsi, .rdi = ctx->regs->rdi,
		.df = rflags & (1u << 10),
		.mode64 = mode64,
		.cpl = guest_cpl(),
		.wp = vmcs_read(VMCS_GUEST_CR0) & (1u << 16),
		/* SMAP: CR4 bit 21, overridden by RFLAGS.AC (SDM Vol. 3A §4.6.1) */
		.smap_blocks = (vmcs_read(VMCS_GUEST_CR4) & (1u << 21)) && !(rflags & (1u << 18)),
	};
	/* In 64-bit mode only FS and GS have a base (SDM Vol. 3A §3.4.4). */
	if (!mode64 || op->segment == SEG_FS || op->segment == SEG_GS)
		segment_read(op->segment, &c->segment_base, &c->segment_limit);
}

static enum exit_action string_io_exit(struct exit_ctx *ctx, uint64_t qual)
{
	struct string_io_machine m = { ctx->vcpu, vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_GUEST_CR4),
				       vmcs_read(VMCS_GUEST_IA32_EFER), vmcs_read(VMCS_GUEST_CR3) };
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS), cs_ar = vmcs_read(VMCS_GUEST_CS_ACCESS_RIGHTS);
	bool mode64 = (m.efer & (1u << 10)) && (cs_ar & (1u << 13)); /* EFER.LMA and CS.L */
	struct string_io op;
	if (ctx->vcpu->hv->msrs.basic & VMX_BASIC_INS_OUTS_INFO)
		op = string_io_decode(qual, (uint32_t)vmcs_read(VMCS_VMX_INSTRUCTION_INFO));
	else if (!decode_from_code(&m, qual, mode64 ? 8 : cs_ar & (1u << 14) ? 4 : 2, &op))
		return inject_ud(ctx), EXIT_RESUME;
	struct string_io_cpu c;
	string_cpu_read(ctx, &op, rflags, mode64, &c);
	const struct string_io_env env = { &m, walk, hidden, mem_read, mem_write, mark_accessed, env_port_in,
					   env_port_out };
	struct string_io_fault f;
	enum string_io_result r = string_io_run(&op, &c, &env, STRING_IO_ELEMENTS_PER_EXIT, &f);
	ctx->regs->rcx = c.rcx, ctx->regs->rsi = c.rsi, ctx->regs->rdi = c.rdi;
	switch (r) {
	case STRING_IO_DONE:
		return EXIT_SKIP_INSTRUCTION;
	case STRING_IO_MORE:
		return EXIT_RESUME;
	case STRING_IO_FAULT:
		if (f.vector == 14) /* CR2 is not in the VMCS: the guest's is ours until VM entry */
			__asm__ volatile("mov %0, %%cr2" ::"r"(f.cr2));
		inject_exception(ctx, f.vector, true, f.error_code);
		return EXIT_RESUME;
	case STRING_IO_UNSUPPORTED:
		break;
	}
	log_printf("string I/O to port 0x%x: the guest's paging mode (CR0=0x%llx CR4=0x%llx EFER=0x%llx) is not "
		   "one the page walker knows (4-level paging or none)\n",
		   op.port, (unsigned long long)m.cr0, (unsigned long long)m.cr4, (unsigned long long)m.efer);
	return EXIT_STOP;
}

/* Out of line: its frame is not the PCI path's (handle_io_instruction). */
__attribute__((noinline)) static enum exit_action io_exit(struct exit_ctx *ctx, uint64_t qual)
{
	struct io_access io = decode_io_access(qual);
	struct guest_regs *r = ctx->regs;
	ctx->sub_kind = stats_sub_key_port(io.port, io.in);
	if (io.string)
		return string_io_exit(ctx, qual);
	uint32_t mask = io.size == 4 ? 0xffffffffu : (1u << (8 * io.size)) - 1;
	if (io.in) {
		/* IN EAX zero-extends into RAX; AL and AX leave the rest. */
		uint64_t keep = io.size == 4 ? 0 : r->rax & ~(uint64_t)mask;
		r->rax = keep | (guest_in(ctx->vcpu, io.port, io.size) & mask);
		return EXIT_SKIP_INSTRUCTION;
	}
	guest_out(ctx->vcpu, io.port, io.size, (uint32_t)r->rax & mask);
	return EXIT_SKIP_INSTRUCTION;
}

enum exit_action handle_io_instruction(struct exit_ctx *ctx)
{
	uint64_t qual = exit_qualification(ctx);
	if (pci_config_address_exit(ctx, qual))
		return EXIT_SKIP_INSTRUCTION;
	return io_exit(ctx, qual);
}

/* ---- start-up ---- */

static void report_sleep_states(const struct acpi_power *a)
{
	if (!a->pm1a_control)
		return;
	if (!a->sleep_known) {
		log_printf("ACPI: no \\_S1-\\_S5 in the DSDT: a PM1 SLP_EN write is taken as the machine ending\n");
		return;
	}
	for (int s = 1; s <= 5; s++)
		if ((a->sleep_known >> s) & 1)
			log_printf("ACPI: \\_S%d SLP_TYP a=%u b=%u: %s %s\n", s, a->slp_typ_a[s], a->slp_typ_b[s],
				   acpi_sleep_state_name(s), s >= 4 ? "ends the machine (final statistics)" : "is refused");
}

void io_start_up(struct hv *hv)
{
	static const char *const modes[] = { "auto", "on", "off" };
	struct platform_facts f;
	platform_facts_read(&f);
	const char *evidence;
	enum emulator_kind kind = platform_emulator(&f, &evidence);
	hv->io_policy = io_policy_choose(hv->config.emulator_ports, kind);
	log_printf("platform: CPUID hypervisor signature \"%s\", PCI host bridge %04x:%04x subsystem vendor %04x: %s\n",
		   f.hypervisor_signature, f.host_bridge_vendor, f.host_bridge_device, f.host_bridge_subsystem_vendor,
		   evidence);
	log_printf("emulator ports (emulator_ports = %s): Bochs shutdown 0x8900 %s, QEMU debug-exit 0xf4 %s\n",
		   modes[hv->config.emulator_ports % 3], hv->io_policy.bochs_shutdown ? "intercepted" : "not intercepted",
		   hv->io_policy.qemu_debug_exit ? "intercepted" : "not intercepted");
	report_sleep_states(&hv->acpi);
	pci_config_io_start_up(hv);
}
