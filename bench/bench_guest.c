/* bench_guest.efi: the exit path-length benchmark, run as the hypervisor's guest
 * in Bochs (clock sync=none: one TSC tick is one instruction). For each
 * kind of exit it zeroes the hypervisor's statistics (VMCALL 3), performs N
 * exiting instructions with interrupts off, measures the ticks per round
 * trip from the guest's side, and asks for the statistics (VMCALL 2), which
 * give the host side: instructions from exit to VM entry and VMREAD/VMWRITE
 * per exit. bench/bench.sh turns both into BENCH lines.
 *   cpuid   CPUID leaf 0 (always exits)
 *   cr0     MOV to CR0 toggling CR0.NE (owned by the host: each write exits)
 *   vmcall  VMCALL 0 (ping)
 *   pci     OUT EAX to 0xcf8 (PCI configuration address; a dword there
 *           touches 0xcf9, the reset control, so it exits), IN from 0xcfc
 *   extint  a self-IPI with IF=1: an external-interrupt exit, injected at once
 *   window  a self-IPI with IF=0, then STI: an external-interrupt exit that
 *           holds it, and an interrupt-window exit that injects it
 * The empty loop's ticks are subtracted. The last three print their
 * statistics before their own lines, so that the guest's serial output
 * (its THR exits) stays out of the I/O and interrupt figures. Each case
 * starts once the hypervisor's queued output has gone out. Then a window
 * of WINDOW_TICKS with interrupts off in which the guest only reads the
 * TSC: every gap longer than a loop iteration is time the hypervisor took
 * (an external interrupt exit, and with periodic statistics on, their dumps
 * and the output they queue). bench.sh runs it with and without periodic
 * statistics: the difference over the number of dumps is the ticks a dump
 * costs the guest. Ends the run through Bochs's shutdown port. Test tool:
 * never for real machines. */
#include <efi.h>
#include <efilib.h>

#include "../hv/exits/hypercall.h"
#include "../hv/lib/log.h"
#include "../hv/lib/serial.h"

#include <hv/cpu.h>
#include <stdbool.h>

#define N 10000
#define WINDOW_TICKS 600000000ull /* 12 s of Bochs's 50 MHz TSC: a dozen dumps at 1 s */
#define GAP_TICKS 1000            /* a loop iteration is a few instructions, an exit hundreds */
#define CR0_NE (1ull << 5)
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define BENCH_VECTOR 0xf1 /* unused by OVMF; its IDT gate is borrowed for the run */
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define XAPIC_EOI 0xb0
#define XAPIC_ICR_LOW 0x300
#define X2APIC_MSR_EOI 0x80b
#define X2APIC_MSR_ICR 0x830
#define ICR_SELF (1u << 18) /* destination shorthand 01: self, fixed, edge */

static volatile uint32_t *xapic; /* NULL in x2APIC mode */
static volatile uint64_t interrupts_taken;

static uint64_t vmcall(uint64_t function)
{
	uint64_t rax = function;
	__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
	return rax;
}

static uint64_t loop_empty(void)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

static uint64_t loop_cpuid(void)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
	}
	return rdtsc() - t0;
}

static uint64_t loop_cr0(void)
{
	uint64_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++) {
		uint64_t v = (i & 1) ? cr0 : (cr0 ^ CR0_NE);
		__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
	}
	uint64_t t = rdtsc() - t0;
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	return t;
}

static uint64_t loop_vmcall(void)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++)
		vmcall(HV_CALL_PING);
	return rdtsc() - t0;
}

static uint64_t loop_pci(void)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++) {
		outl(PCI_CONFIG_ADDRESS, 0x80000000u | (i & 1) * 8); /* 00:00.0, register 0 or 8 */
		uint32_t v;
		__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(PCI_CONFIG_DATA) : "memory");
	}
	return rdtsc() - t0;
}

static void apic_eoi(void)
{
	if (xapic)
		xapic[XAPIC_EOI / 4] = 0;
	else
		wrmsr(X2APIC_MSR_EOI, 0);
}

static void self_ipi(void)
{
	if (xapic)
		xapic[XAPIC_ICR_LOW / 4] = ICR_SELF | BENCH_VECTOR;
	else
		wrmsr(X2APIC_MSR_ICR, ICR_SELF | BENCH_VECTOR);
}

struct interrupt_frame;
__attribute__((interrupt)) static void bench_isr(struct interrupt_frame *frame)
{
	(void)frame;
	interrupts_taken++;
	apic_eoi();
}

/* With IF=1: each self-IPI exits and is injected at the same entry. */
static uint64_t loop_extint(void)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("sti" ::: "memory");
	for (unsigned i = 0; i < N; i++) {
		uint64_t before = interrupts_taken;
		self_ipi();
		while (interrupts_taken == before)
			__asm__ volatile("" ::: "memory");
	}
	__asm__ volatile("cli" ::: "memory");
	return rdtsc() - t0;
}

/* With IF=0: the self-IPI exits and is held; STI opens the window one
 * instruction later, whose exit injects it. */
static uint64_t loop_window(void)
{
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++) {
		uint64_t before = interrupts_taken;
		self_ipi();
		__asm__ volatile("sti; nop; cli" ::: "memory");
		while (interrupts_taken == before)
			__asm__ volatile("sti; nop; cli" ::: "memory");
	}
	return rdtsc() - t0;
}

struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
};

/* Borrows the firmware IDT's gate for BENCH_VECTOR (interrupts off) and
 * gives it back afterwards. */
static void bench_gate(bool install)
{
	static struct idt_gate saved;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	struct idt_gate *g = (struct idt_gate *)(uintptr_t)idtr.base + BENCH_VECTOR;
	if (!install) {
		*g = saved;
		return;
	}
	saved = *g;
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint64_t isr = (uint64_t)(uintptr_t)bench_isr;
	*g = (struct idt_gate){ .offset_low = (uint16_t)isr, .selector = cs, .type_attr = 0x8e,
				.offset_mid = (uint16_t)(isr >> 16), .offset_high = (uint32_t)(isr >> 32) };
	uint64_t base = rdmsr(MSR_APIC_BASE);
	xapic = (base & APIC_BASE_X2APIC) ? NULL : (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);
}

/* As measure(), with the statistics printed before the guest's own lines. */
/* The hypervisor sends its queued output on its exits (hv/lib/serial.h): a
 * few hundred thousand ticks of exits let the last dump go out, so that
 * none of it is sent during the next measurement. */
static void let_output_drain(void)
{
	for (unsigned i = 0; i < 60000; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
	}
}

static void measure_quiet(const char *name, uint64_t (*loop)(void), uint64_t empty)
{
	uint64_t flags;
	let_output_drain();
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	log_raw("bench: hypervisor statistics for %s follow\n", name);
	serial_drain();
	vmcall(HV_CALL_RESET_STATS);
	uint64_t t = loop();
	vmcall(HV_CALL_PRINT_STATS);
	log_raw("bench: %s: %u round trips in %llu ticks (empty loop %llu)\n", name, N, (unsigned long long)t,
		(unsigned long long)empty);
	log_raw("BENCH guest_%s_roundtrip %llu ticks\n", name, (unsigned long long)((t - empty) / N));
	__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
}

static void measure(const char *name, uint64_t (*loop)(void), uint64_t empty)
{
	uint64_t flags;
	let_output_drain();
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	vmcall(HV_CALL_RESET_STATS);
	uint64_t t = loop();
	log_raw("bench: %s: %u round trips in %llu ticks (empty loop %llu)\n", name, N, (unsigned long long)t,
		(unsigned long long)empty);
	log_raw("BENCH guest_%s_roundtrip %llu ticks\n", name, (unsigned long long)((t - empty) / N));
	log_raw("bench: hypervisor statistics for %s follow\n", name);
	serial_drain();
	vmcall(HV_CALL_PRINT_STATS);
	__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
}

static void window(void)
{
	uint64_t flags, lost = 0, gaps = 0;
	log_raw("bench: window of %llu ticks begins\n", WINDOW_TICKS);
	serial_drain();
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	uint64_t start = rdtsc(), prev = start;
	while (prev - start < WINDOW_TICKS) {
		uint64_t t = rdtsc();
		if (t - prev > GAP_TICKS)
			lost += t - prev, gaps++;
		prev = t;
	}
	__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
	log_raw("bench: window of %llu ticks ends\n", WINDOW_TICKS);
	log_raw("BENCH-WINDOW lost=%llu gaps=%llu start=%llu end=%llu\n", (unsigned long long)lost,
		(unsigned long long)gaps, (unsigned long long)start, (unsigned long long)prev);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	struct cpuid_regs c = cpuid(HV_CPUID_LEAF_BASE);
	if (!(cpuid(1).ecx & (1u << 31)) || c.ebx != 0x45785456u) {
		log_raw("bench: the hypervisor is not present: nothing to measure\n");
	} else {
		uint64_t flags;
		__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
		uint64_t empty = loop_empty();
		__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
		measure("cpuid", loop_cpuid, empty);
		measure("cr0", loop_cr0, empty);
		measure("vmcall", loop_vmcall, empty);
		measure_quiet("pci", loop_pci, empty);
		__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
		bench_gate(true);
		measure_quiet("extint", loop_extint, empty);
		measure_quiet("window", loop_window, empty);
		bench_gate(false);
		__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
		let_output_drain();
		window();
		log_raw("bench: done\n");
	}
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return EFI_SUCCESS;
}
