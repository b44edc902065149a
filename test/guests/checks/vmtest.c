/* vmtest.efi: checks from the guest's side that the hypervisor virtualizes
 * the processor correctly. Started by hv.efi as its (unmodified) guest; also
 * runs without a hypervisor, where the hypervisor-specific checks fail and
 * the generic ones pass. One line per check on COM1:
 *   PASS: <check>
 *   FAIL: <check>: <detail>
 * informational lines start "vmtest: ", and the last line is
 *   vmtest: N passed, N failed
 * after which the emulator run ends (Bochs port 0x8900, QEMU isa-debug-exit).
 * Every check is guarded (exceptions are caught and recorded, timer waits
 * are bounded), so a failing check never stops the ones after it. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/fmt.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/vmtest.h"
#include "../common/emulator_exit.h"
#include "../common/selftest_result.h"

#include <hv/cpu.h>

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CR0_NE (1ull << 5)
#define CR4_PCE (1ull << 8)
#define CR4_VMXE (1ull << 13)
#define RFLAGS_IF (1ull << 9)
#define HV_SIGNATURE "VTxEptHvisor"

static unsigned npass, nfail;
static const char *current_check; /* named in a fatal report */
static struct selftest_result *selftest; /* started by selftest.efi: report there, return */

void vt_report(const char *check, bool pass, const char *detail)
{
	if (pass) {
		npass++;
		log_raw("PASS: %s\n", check);
	} else {
		nfail++;
		log_raw("FAIL: %s: %s\n", check, detail && *detail ? detail : "failed");
	}
}

static void end_run(void)
{
	log_raw("vmtest: %u passed, %u failed\n", npass, nfail);
	serial_drain(); /* the emulator may stop before the UART empties */
	if (selftest)
		selftest_result_set(selftest, nfail == 0 && npass > 0, "%u passed, %u failed", npass, nfail);
	else
		emulator_exit(0);
}

void vt_fatal(const char *detail)
{
	vt_report(current_check ? current_check : "vmtest", false, detail);
	end_run();
	if (selftest)
		emulator_exit(1); /* cannot return from here: end the run (emulators) or halt */
	cpu_halt_forever();
}

static uint64_t irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}

static void irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

static bool same(const char *a, const char *b, unsigned n)
{
	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
}

/* Copies 4 register bytes as text, dots for what is not printable. */
static void put_reg(char *out, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(v >> (8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '.';
	}
}

static void check_cpuid_signature(void)
{
	struct cpuid_regs c = cpuid(0x40000000);
	char sig[13], d[120];
	put_reg(sig, c.ebx);
	put_reg(sig + 4, c.ecx);
	put_reg(sig + 8, c.edx);
	sig[12] = 0;
	bool ok = same(sig, HV_SIGNATURE, 12) && c.eax >= 0x40000001;
	fmt_format(d, sizeof(d), "leaf 0x40000000: eax=0x%x signature \"%s\", want \"%s\" and eax>=0x40000001",
		   c.eax, sig, HV_SIGNATURE);
	vt_report("cpuid-signature", ok, d);
}

static void check_hypervisor_bit(void)
{
	uint32_t ecx = cpuid(1).ecx;
	char d[64];
	fmt_format(d, sizeof(d), "CPUID.1:ECX=0x%08x, bit 31 clear", ecx);
	vt_report("cpuid-hypervisor-bit", ecx & CPUID_1_ECX_HYPERVISOR, d);
}

static void check_vmx_hidden(void)
{
	uint32_t ecx = cpuid(1).ecx;
	char d[64];
	fmt_format(d, sizeof(d), "CPUID.1:ECX=0x%08x, bit 5 (VMX) set", ecx);
	vt_report("cpuid-vmx-hidden", !(ecx & CPUID_1_ECX_VMX), d);
}

static void check_cpuid_passthrough(void)
{
	struct cpuid_regs c = cpuid(0);
	char vendor[13], d[100];
	put_reg(vendor, c.ebx); /* the vendor string is EBX, EDX, ECX */
	put_reg(vendor + 4, c.edx);
	put_reg(vendor + 8, c.ecx);
	vendor[12] = 0;
	uint32_t fms = cpuid(1).eax;
	log_raw("vmtest: cpu vendor %s, max leaf 0x%x, CPUID.1:EAX=0x%08x\n", vendor, c.eax, fms);
	bool ok = same(vendor, "GenuineIntel", 12) && fms != 0;
	fmt_format(d, sizeof(d), "vendor \"%s\" (want GenuineIntel), CPUID.1:EAX=0x%08x (want nonzero)", vendor, fms);
	vt_report("cpuid-passthrough", ok, d);
}

static void check_cr4_vmxe_hidden(void)
{
	uint64_t cr4 = read_cr4();
	char d[64];
	fmt_format(d, sizeof(d), "CR4=0x%lx has VMXE (bit 13)", cr4);
	vt_report("cr4-vmxe-hidden", !(cr4 & CR4_VMXE), d);
}

/* VMX forces CR0.NE to 1; the guest must still see what it wrote. Sets it,
 * clears it, restores the original, reading back after each write. */
static void check_cr0_ne(void)
{
	uint64_t f = irq_save();
	uint64_t cr0 = read_cr0();
	write_cr0(cr0 | CR0_NE);
	uint64_t set = read_cr0();
	write_cr0(cr0 & ~CR0_NE);
	uint64_t clear = read_cr0();
	write_cr0(cr0);
	uint64_t back = read_cr0();
	irq_restore(f);
	char d[120];
	fmt_format(d, sizeof(d), "CR0 0x%lx: with NE read 0x%lx, without NE read 0x%lx, restored read 0x%lx", cr0,
		   set, clear, back);
	vt_report("cr0-ne-shadow", set == (cr0 | CR0_NE) && clear == (cr0 & ~CR0_NE) && back == cr0, d);
}

static void check_cr4_write(void)
{
	uint64_t f = irq_save();
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 | CR4_PCE);
	uint64_t on = read_cr4();
	write_cr4(cr4 & ~CR4_PCE);
	uint64_t off = read_cr4();
	write_cr4(cr4);
	uint64_t back = read_cr4();
	irq_restore(f);
	char d[120];
	fmt_format(d, sizeof(d), "CR4 0x%lx: with PCE read 0x%lx, without PCE read 0x%lx, restored read 0x%lx", cr4,
		   on, off, back);
	vt_report("cr4-write-emulated", on == (cr4 | CR4_PCE) && off == (cr4 & ~CR4_PCE) && back == cr4, d);
}

/* MTRR writes (SDM Vol. 3A §12.11.7-8): a free variable pair makes a 2 MB
 * buffer of ours UC, then is freed again, with the documented procedure
 * (caches off and flushed around the change). Under a hypervisor the
 * guest's memory types come from the EPT, which must follow: the
 * hypervisor says so on its log (the boot test checks it), and the MTRRs
 * read back as written. */
#define MSR_MTRRCAP 0xfe
#define MSR_MTRR_PHYSBASE0 0x200
#define CR0_CD (1ull << 30)

static void mtrr_change(uint32_t msr_base, uint64_t base, uint64_t mask)
{
	uint64_t cr0 = read_cr0();
	write_cr0(cr0 | CR0_CD);
	__asm__ volatile("wbinvd" ::: "memory");
	if (mask) { /* the range first, then valid; to free: invalid first */
		wrmsr(msr_base, base);
		wrmsr(msr_base + 1, mask);
	} else {
		wrmsr(msr_base + 1, 0);
		wrmsr(msr_base, base);
	}
	__asm__ volatile("wbinvd" ::: "memory");
	write_cr0(cr0);
}

static void check_mtrr_write(void)
{
	char d[160];
	unsigned vcnt = (unsigned)(rdmsr(MSR_MTRRCAP) & 0xff), free_pair = vcnt;
	for (unsigned i = 0; i < vcnt && free_pair == vcnt; i++)
		if (!(rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i + 1) & (1u << 11)))
			free_pair = i;
	EFI_PHYSICAL_ADDRESS buf = 0xffffffff;
	if (free_pair == vcnt ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, 1024, &buf))) {
		fmt_format(d, sizeof(d), "no free variable MTRR (VCNT %u) or no 4 MB buffer", vcnt);
		vt_report("mtrr-write", false, d);
		return;
	}
	unsigned maxphyaddr = cpuid(0x80000000).eax >= 0x80000008 ? (cpuid(0x80000008).eax & 0xff) : 36;
	uint64_t region = (buf + (2u << 20) - 1) & ~((2ull << 20) - 1);
	uint64_t base = region | 0 /* UC */, mask = (((1ull << maxphyaddr) - 1) & ~((2ull << 20) - 1)) | (1u << 11);
	uint32_t msr = MSR_MTRR_PHYSBASE0 + 2 * free_pair;
	uint64_t f = irq_save();
	log_raw("vmtest: MTRR pair %u: 0x%lx-0x%lx UC, then free again\n", free_pair, region, region + (2u << 20));
	mtrr_change(msr, base, mask);
	uint64_t rb = rdmsr(msr), rm = rdmsr(msr + 1);
	mtrr_change(msr, 0, 0);
	uint64_t cb = rdmsr(msr), cm = rdmsr(msr + 1);
	irq_restore(f);
	uefi_call_wrapper(BS->FreePages, 2, buf, 1024);
	fmt_format(d, sizeof(d), "pair %u read back 0x%lx/0x%lx (wrote 0x%lx/0x%lx), then 0x%lx/0x%lx", free_pair, rb,
		   rm, base, mask, cb, cm);
	vt_report("mtrr-write", rb == base && rm == mask && cb == 0 && cm == 0, d);
}

static void env_check(const char *name, void (*fn)(struct vt_result *))
{
	struct vt_result r;
	current_check = name;
	vt_env_run(fn, &r);
	vt_report(name, r.pass, r.detail);
}

/* Timer interrupts through the firmware's own IDT: a periodic 10 ms notify
 * event counts ticks while the CPU busy-waits in Stall, then a second
 * periodic timer event is polled with CheckEvent until it has fired a few
 * times and 10 ticks are in. Bounded by a count of 1 ms Stalls, never by
 * the timer itself, so a machine with no timer interrupts cannot hang here.
 * (Under Bochs with clock sync=none OVMF's Stall runs about 20 times faster
 * than the timer in emulated time: hence the generous bound.) */
#define TIMER_PERIOD_100NS 100000 /* 10 ms */
#define MIN_TICKS 10
#define MIN_SIGNALS 5
#define MAX_POLLS 10000

static volatile uint64_t timer_ticks;

__attribute__((ms_abi)) static void timer_notify(EFI_EVENT event, void *context)
{
	(void)event;
	(void)context;
	timer_ticks++;
}

static void check_timer(void)
{
	const char *name = "timer-interrupts";
	char d[160];
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	EFI_EVENT tick = NULL, wait = NULL;
	EFI_STATUS st = uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
					  (EFI_EVENT_NOTIFY)(void *)timer_notify, NULL, &tick);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(BS->SetTimer, 3, tick, TimerPeriodic, TIMER_PERIOD_100NS);
	if (EFI_ERROR(st)) {
		fmt_format(d, sizeof(d), "CreateEvent/SetTimer failed (0x%lx)", (uint64_t)st);
		vt_report(name, false, d);
		return;
	}
	uefi_call_wrapper(BS->Stall, 1, 300000); /* 300 ms */
	uint64_t stall_ticks = timer_ticks;
	unsigned signals = 0, polls = 0;
	st = uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &wait);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(BS->SetTimer, 3, wait, TimerPeriodic, TIMER_PERIOD_100NS);
	while (!EFI_ERROR(st) && (signals < MIN_SIGNALS || timer_ticks < MIN_TICKS) && polls < MAX_POLLS) {
		if (uefi_call_wrapper(BS->CheckEvent, 1, wait) == EFI_SUCCESS) {
			signals++;
		} else {
			uefi_call_wrapper(BS->Stall, 1, 1000);
			polls++;
		}
	}
	uint64_t total = timer_ticks;
	uefi_call_wrapper(BS->SetTimer, 3, tick, TimerCancel, 0);
	uefi_call_wrapper(BS->CloseEvent, 1, tick);
	if (wait) {
		uefi_call_wrapper(BS->SetTimer, 3, wait, TimerCancel, 0);
		uefi_call_wrapper(BS->CloseEvent, 1, wait);
	}
	log_raw("vmtest: %s: %lu ticks of 10 ms (%lu during a 300 ms Stall), %u timer signals over %u 1 ms polls\n",
		name, total, stall_ticks, signals, polls);
	fmt_format(d, sizeof(d), "%lu ticks (want >= %u), %u timer signals (want >= %u), RFLAGS.IF=%u, status 0x%lx",
		   total, MIN_TICKS, signals, MIN_SIGNALS, (unsigned)!!(rflags & RFLAGS_IF), (uint64_t)st);
	vt_report(name, total >= MIN_TICKS && signals >= MIN_SIGNALS && !EFI_ERROR(st), d);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	selftest = selftest_result_of(image);
	log_raw("vmtest: guest-side virtualization checks starting\n");

	/* What the hypervisor shows or hides: no exceptions expected. */
	current_check = "cpuid";
	check_cpuid_signature();
	check_hypervisor_bit();
	check_vmx_hidden();
	check_cpuid_passthrough();
	current_check = "cr";
	check_cr4_vmxe_hidden();
	check_cr0_ne();
	check_cr4_write();
	current_check = "mtrr";
	check_mtrr_write();

	/* Exceptions, ring 3 and the VMX/MSR faults, in our own environment. */
	char why[120];
	if (!vt_env_init(BS, why, sizeof(why)))
		log_raw("vmtest: environment: %s\n", why);
	env_check("exception-ring0", vt_check_exception_ring0);
	env_check("exception-ring3", vt_check_exception_ring3);
	env_check("ring3-roundtrip", vt_check_ring3_roundtrip);
	env_check("vmx-instruction-ud", vt_check_vmx_ud);
	env_check("msr-invalid-gp", vt_check_msr_gp);
	env_check("high-physical-address", vt_check_high_physical);
	vt_env_fini();

	/* Last: proves the firmware's IDT, GDT and paging came back intact. */
	current_check = "timer-interrupts";
	check_timer();

	end_run();
	return EFI_SUCCESS;
}
