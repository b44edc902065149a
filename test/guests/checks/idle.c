/* idle.efi: does an idle guest keep getting its timer interrupts?
 *
 * Why: an interrupt that arrives while the guest runs with IF=0 is held by
 * the hypervisor (interrupt-window exiting on) until the guest can take it.
 * When the guest then idles with `sti; hlt` or `sti; mwait`, the window
 * opens only after the HLT/MWAIT (STI blocks interrupts for one
 * instruction, SDM Vol. 3A §6.8.3), while the CPU sleeps. The SDM says an
 * interrupt-window VM exit wakes the CPU (SDM Vol. 3C §26.2); Bochs 2.7 does
 * not, so the held interrupt waits for an unrelated exit, while the
 * interrupt controller (local APIC or 8259: acknowledged on exit, not yet
 * EOI'd) sends nothing of the same or lower priority.
 *
 * How: the firmware's 10 ms timer counts ticks (a notify event). Phase
 * "busy" spins with IF=1 and calibrates TSC cycles per tick. Phases "hlt"
 * and "mwait" each run for the same TSC span, looping `cli; spin 1.5 ticks;
 * sti; hlt` (or `monitor; sti; mwait`): a tick always lands in the spin, is
 * held by the hypervisor across the sleep, and must end it at once. PASS
 * when no sleep takes more than 10 % of a tick and the phase counts at least
 * MIN_PERCENT of the busy phase's ticks. (When nothing else comes, a lost
 * wake-up hangs the phase: its "phase starts" line is then the last, and
 * the test's time bound fails it.)
 * Lines: "idle: ..." facts, "PASS: idle-<phase>" / "FAIL: idle-<phase>: ...",
 * then "idle: done" or "idle: FAILED" and the end of the emulator run. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"

#include <hv/cpu.h>

#define TICK_100NS 100000 /* 10 ms */
#define CALIBRATION_TICKS 50
#define MIN_PERCENT 80
#define SPIN_PERCENT 150
#define LATE_PERCENT 10
#define CPUID_1_ECX_MONITOR (1u << 3)

static volatile uint64_t ticks;
static volatile uint64_t monitored;

__attribute__((ms_abi)) static void tick_notify(EFI_EVENT event, void *context)
{
	(void)event;
	(void)context;
	ticks++;
}

static void spin_until(uint64_t tsc) { while (rdtsc() < tsc) cpu_pause(); }

/* One idle step: interrupts off for SPIN_PERCENT of a tick (the ticks
 * landing there are held), then sleep with interrupts on. Returns
 * how long the sleep took, in TSC cycles. */
static uint64_t idle_step(uint64_t spin, bool use_mwait)
{
	__asm__ volatile("cli" ::: "memory");
	spin_until(rdtsc() + spin);
	uint64_t sleep = rdtsc();
	if (use_mwait) {
		/* MONITOR: RAX address, ECX extensions, EDX hints; MWAIT: EAX
		 * hint (C1), ECX 0 (no break on IF=0 interrupts), as Linux's
		 * mwait_idle. */
		__asm__ volatile("monitor" ::"a"(&monitored), "c"(0), "d"(0));
		__asm__ volatile("sti; mwait" ::"a"(0), "c"(0) : "memory");
	} else {
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	return rdtsc() - sleep;
}

/* A spin of 1.5 ticks always holds a tick (or two: one held by the
 * hypervisor, one in the local APIC's IRR), so every sleep must end at
 * once: one longer than LATE_PERCENT of a tick waited for something else. */
static unsigned phase(const char *name, uint64_t span, uint64_t tick, uint64_t busy_ticks, bool use_mwait)
{
	log_raw("idle: %s: phase starts (%lu TSC cycles)\n", name, span);
	uint64_t t0 = ticks, steps = 0, late = 0, longest = 0, start = rdtsc();
	uint64_t late_after = tick * LATE_PERCENT / 100;
	while (rdtsc() - start < span) {
		uint64_t slept = idle_step(tick * SPIN_PERCENT / 100, use_mwait);
		late += slept > late_after;
		longest = slept > longest ? slept : longest;
		steps++;
	}
	uint64_t got = ticks - t0;
	uint64_t percent = busy_ticks ? got * 100 / busy_ticks : 0;
	log_raw("idle: %s: %lu ticks in %lu TSC cycles (%lu%% of busy), %lu sleeps, %lu woke late (> %lu cycles), "
		"longest %lu cycles\n", name, got, span, percent, steps, late, late_after, longest);
	if (percent >= MIN_PERCENT && !late) {
		log_raw("PASS: idle-%s\n", name);
		return 0;
	}
	log_raw("FAIL: idle-%s: %lu ticks (want >= %u%% of the busy phase's %lu), %lu of %lu sleeps woke late: "
		"interrupts held across the sleep were delivered late\n", name, got, MIN_PERCENT, busy_ticks, late, steps);
	return 1;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	log_raw("idle: timer interrupts while idling in HLT and MWAIT (RFLAGS.IF=%u at entry)\n",
		(unsigned)(rflags >> 9) & 1);
	/* A UEFI application runs at TPL_APPLICATION, interrupts on (UEFI
	 * 2.10 §7.1); the loader may have left them off. */
	__asm__ volatile("sti" ::: "memory");
	EFI_EVENT tick = NULL;
	EFI_STATUS st = uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
					  (EFI_EVENT_NOTIFY)(void *)tick_notify, NULL, &tick);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(BS->SetTimer, 3, tick, TimerPeriodic, TICK_100NS);
	if (EFI_ERROR(st)) {
		log_raw("FAIL: idle-setup: timer event status 0x%lx\n", (uint64_t)st);
		emulator_end("idle", 1);
		return EFI_SUCCESS;
	}

	/* Busy: IF=1 all along; ticks against the TSC. */
	uint64_t t = ticks;
	while (ticks == t)
		cpu_pause();
	uint64_t t0 = ticks, start = rdtsc();
	while (ticks - t0 < CALIBRATION_TICKS)
		cpu_pause();
	uint64_t span = rdtsc() - start;
	uint64_t tick_tsc = span / CALIBRATION_TICKS;
	log_raw("idle: busy: %u ticks in %lu TSC cycles\n", CALIBRATION_TICKS, span);

	unsigned fails = phase("hlt", span, tick_tsc, CALIBRATION_TICKS, false);
	if (cpuid(1).ecx & CPUID_1_ECX_MONITOR)
		fails += phase("mwait", span, tick_tsc, CALIBRATION_TICKS, true);
	else
		log_raw("idle: no MONITOR/MWAIT (CPUID.1:ECX[3]=0): mwait phase not run\n");

	uefi_call_wrapper(BS->SetTimer, 3, tick, TimerCancel, 0);
	uefi_call_wrapper(BS->CloseEvent, 1, tick);
	emulator_end("idle", fails);
	return EFI_SUCCESS;
}
