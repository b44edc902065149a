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
 * The empty loop's ticks are subtracted. Then a window of WINDOW_TICKS with
 * interrupts off in which the guest only reads the TSC: every gap longer
 * than a loop iteration is time the hypervisor took (an external interrupt
 * exit, and with periodic statistics on, their dumps and the output they
 * queue). bench.sh runs it with and without periodic statistics: the
 * difference over the number of dumps is the ticks a dump costs the guest.
 * Ends the run through Bochs's shutdown port. Test tool: never for real
 * machines. */
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
	/* Leaf 0x40000000 answers whether or not CPUID.1 shows the hypervisor
	 * bit (cpuid_hypervisor_bit = off). */
	bool present = cpuid(HV_CPUID_LEAF_BASE).ebx == 0x45785456u;
	/* First of all, the exits the hypervisor's start-up made after its
	 * VMLAUNCH (the firmware and hv.efi's last lines as its guest), for
	 * bench.sh's split of Linux's extra ticks; the marker follows it, so
	 * that its own serial exits are not in it. */
	if (present)
		vmcall(HV_CALL_PRINT_STATS);
	serial_init(0x3f8, 115200);
	if (present)
		log_raw("bench: the hypervisor statistics above are those of its start-up\n");
	if (!present) {
		log_raw("bench: the hypervisor is not present: nothing to measure\n");
	} else {
		uint64_t flags;
		__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
		uint64_t empty = loop_empty();
		__asm__ volatile("push %0; popfq" ::"r"(flags) : "memory", "cc");
		measure("cpuid", loop_cpuid, empty);
		measure("cr0", loop_cr0, empty);
		measure("vmcall", loop_vmcall, empty);
		let_output_drain();
		window();
		log_raw("bench: done\n");
	}
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return EFI_SUCCESS;
}
