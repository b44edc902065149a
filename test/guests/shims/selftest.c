/* selftest.efi: the self-test for a new machine (tools/selftest.sh builds
 * its USB image; README "First boot on a new machine"). It boots as
 * \EFI\BOOT\BOOTX64.EFI and
 *   1. identifies the processor (CPUID: vendor, family/model/stepping, brand
 *      string, microcode) and reads its VMX capability MSRs natively, before
 *      any hypervisor runs;
 *   2. starts \EFI\hv\hv.efi, which virtualizes the machine and returns here:
 *      from then on this program is the hypervisor's guest;
 *   3. starts the guest-side checks from \EFI\selftest\ one after the other,
 *      each with a result buffer in its load options (selftest_result.h):
 *      vmtest.efi (the guest's view), hostile.efi (attacks on the
 *      hypervisor's memory), fuzz.efi (random exiting operations, short);
 *   4. prints ONE summary between two marker lines on COM1 (0x3f8, 115200):
 *      the processor, its capabilities, each check's PASS/FAIL with counts,
 *      the hypervisor's exit statistics (VMCALL 2), and the verdict; and
 *      writes the same summary, without the statistics, to
 *      \EFI\selftest\summary.txt on the stick.
 * Then it ends an emulator run (Bochs port 0x8900, QEMU isa-debug-exit;
 * nothing on a real machine) and returns to the firmware, which boots its
 * next boot option (under the hypervisor). */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/exits/hypercall.h"
#include "../../../hv/lib/fmt.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"
#include "../common/selftest_result.h"
#include "shim_start.h"

#include <hv/cpu.h>

#define FUZZ_OPS 10000 /* a short fuzz: about 2 s in Bochs, a fraction of a second on hardware */
#define SUMMARY_CAP 8192

/* The summary: every line goes to COM1 and into a buffer for the file. */
static char summary[SUMMARY_CAP];
static unsigned summary_len;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_raw("selftest: %s\n", line);
	size_t n = fmt_format(summary + summary_len, SUMMARY_CAP - summary_len, "%s\r\n", line);
	summary_len = summary_len + n < SUMMARY_CAP ? summary_len + (unsigned)n : SUMMARY_CAP - 1;
}

static void put_reg(char *out, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(v >> (8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '.';
	}
}

/* ---- 1. the processor, before the hypervisor ---- */

static char cpu_line[160], brand_line[80], vmx_lines[6][200];
static unsigned nvmx_lines;
static bool intel, has_vmx, vmx_locked_off, has_ept, has_ug;

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490
#define MSR_VMX_VMFUNC 0x491
#define MSR_VMX_PROCBASED3 0x492

static const char *yn(bool b) { return b ? "yes" : "no"; }

static void identify(void)
{
	struct cpuid_regs c0 = cpuid(0), c1 = cpuid(1);
	char vendor[13];
	put_reg(vendor, c0.ebx);
	put_reg(vendor + 4, c0.edx);
	put_reg(vendor + 8, c0.ecx);
	vendor[12] = 0;
	intel = c0.ebx == 0x756e6547u && c0.edx == 0x49656e69u && c0.ecx == 0x6c65746eu; /* GenuineIntel */
	unsigned family = (c1.eax >> 8) & 0xf, model = (c1.eax >> 4) & 0xf, stepping = c1.eax & 0xf;
	if (family == 0xf)
		family += (c1.eax >> 20) & 0xff;
	if (family == 6 || family >= 0xf)
		model |= ((c1.eax >> 16) & 0xf) << 4;
	has_vmx = c1.ecx & (1u << 5);
	char micro[40] = "";
	if (intel && family >= 6) {
		wrmsr(MSR_BIOS_SIGN_ID, 0);
		(void)cpuid(1);
		fmt_format(micro, sizeof(micro), ", microcode 0x%x", (uint32_t)(rdmsr(MSR_BIOS_SIGN_ID) >> 32));
	}
	fmt_format(cpu_line, sizeof(cpu_line),
		   "processor: %s family 0x%x model 0x%x stepping 0x%x (CPUID.1:EAX=0x%08x ECX=0x%08x)%s", vendor,
		   family, model, stepping, c1.eax, c1.ecx, micro);
	char brand[49] = "(none)";
	if (cpuid(0x80000000).eax >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i);
			uint32_t r[4] = { b.eax, b.ebx, b.ecx, b.edx };
			for (unsigned j = 0; j < 4; j++)
				put_reg(brand + 16 * i + 4 * j, r[j]);
		}
		brand[48] = 0;
		for (int i = 47; i >= 0 && (brand[i] == ' ' || brand[i] == '.'); i--)
			brand[i] = 0; /* trailing blanks and NULs */
	}
	const char *b = brand;
	while (*b == ' ')
		b++;
	fmt_format(brand_line, sizeof(brand_line), "brand: \"%s\"", b);

	/* The VMX capability MSRs exist only when CPUID says VMX; each
	 * optional one only when the MSR before it says it exists (SDM Vol. 3D
	 * Appendix A), so no read can fault. */
	if (!has_vmx) {
		fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]),
			   "VMX: not offered (CPUID.1:ECX.VMX[bit 5]=0): no VT-x, VT-x hidden by a hypervisor, or not Intel");
		return;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL), basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = basic & (1ull << 55);
	uint64_t pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	uint64_t proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	uint64_t exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	uint64_t entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	uint64_t misc = rdmsr(MSR_VMX_MISC);
	bool has2 = proc & (1ull << 63), has3 = proc & (1ull << 49);
	uint64_t proc2 = has2 ? rdmsr(MSR_VMX_PROCBASED2) : 0;
	bool ept = proc2 & (1ull << 33), vpid = proc2 & (1ull << 37), ug = proc2 & (1ull << 39);
	uint64_t cap = ept || vpid ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
	uint64_t vmfunc = proc2 & (1ull << 45) ? rdmsr(MSR_VMX_VMFUNC) : 0;
	uint64_t proc3 = has3 ? rdmsr(MSR_VMX_PROCBASED3) : 0;
	vmx_locked_off = (fc & 1) && !(fc & 4);
	has_ept = ept;
	has_ug = ug;
	fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]),
		   "VMX: IA32_FEATURE_CONTROL=0x%lx (lock=%u, VMX outside SMX=%u) VMX_BASIC=0x%016lx%s", fc,
		   (unsigned)(fc & 1), (unsigned)((fc >> 2) & 1), basic, true_ctls ? " (TRUE controls)" : "");
	fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]),
		   "VMX controls: pin=0x%016lx proc=0x%016lx proc2=0x%016lx proc3=0x%lx", pin, proc, proc2, proc3);
	fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]),
		   "VMX controls: exit=0x%016lx entry=0x%016lx misc=0x%016lx vmfunc=0x%lx", exit, entry, misc, vmfunc);
	fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]), "VMX EPT_VPID_CAP=0x%016lx", cap);
	fmt_format(vmx_lines[nvmx_lines++], sizeof(vmx_lines[0]),
		   "VMX features: EPT=%s (4-level=%s WB=%s 2MB=%s 1GB=%s A/D=%s) VPID=%s unrestricted guest=%s "
		   "preemption timer=%s wait-for-SIPI=%s NMI window=%s",
		   yn(ept), yn(cap & (1ull << 6)), yn(cap & (1ull << 14)), yn(cap & (1ull << 16)),
		   yn(cap & (1ull << 17)), yn(cap & (1ull << 21)), yn(vpid), yn(ug), yn(pin & (1ull << 38)),
		   yn(misc & (1ull << 8)), yn(proc & (1ull << 54)));
}

/* ---- 3. the checks, each a separate program on the ESP ---- */

struct check {
	const char *name;
	const CHAR16 *path;
	unsigned ops; /* fuzz.efi's ops=N; 0: no option */
	struct selftest_result result;
	EFI_STATUS status;
	uint64_t ticks;
};

static struct check checks[] = {
	{ "vmtest", L"\\EFI\\selftest\\vmtest.efi", 0, { 0 }, 0, 0 },
	{ "hostile", L"\\EFI\\selftest\\hostile.efi", 0, { 0 }, 0, 0 },
	{ "fuzz", L"\\EFI\\selftest\\fuzz.efi", FUZZ_OPS, { 0 }, 0, 0 },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static EFI_STATUS run_check(EFI_HANDLE self, EFI_LOADED_IMAGE *li, struct check *c)
{
	char opts[120];
	size_t n = fmt_format(opts, sizeof(opts), "selftest=0x%lx", (uint64_t)(uintptr_t)&c->result);
	if (c->ops)
		fmt_format(opts + n, sizeof(opts) - n, " ops=%u", c->ops);
	static CHAR16 wopts[120];
	unsigned i = 0;
	for (; opts[i] && i + 1 < sizeof(wopts) / sizeof(wopts[0]); i++)
		wopts[i] = (CHAR16)opts[i];
	wopts[i] = 0;
	c->result.magic = SELFTEST_MAGIC;
	EFI_HANDLE h = NULL;
	EFI_STATUS s = uefi_call_wrapper(BS->LoadImage, 6, FALSE, self, FileDevicePath(li->DeviceHandle, (CHAR16 *)c->path),
					 NULL, 0, &h);
	if (EFI_ERROR(s))
		return s;
	EFI_LOADED_IMAGE *cli = NULL;
	s = uefi_call_wrapper(BS->HandleProtocol, 3, h, &LoadedImageProtocol, (void **)&cli);
	if (!EFI_ERROR(s)) {
		cli->LoadOptions = wopts;
		cli->LoadOptionsSize = (i + 1) * sizeof(CHAR16);
		uint64_t t0 = rdtsc();
		s = uefi_call_wrapper(BS->StartImage, 3, h, NULL, NULL);
		c->ticks = rdtsc() - t0;
		serial_init(0x3f8, 115200); /* the program set the UART up its own way */
	} else {
		uefi_call_wrapper(BS->UnloadImage, 1, h);
	}
	return s;
}

/* ---- 4. the summary file ---- */

static EFI_STATUS write_summary(EFI_LOADED_IMAGE *li)
{
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle), f = NULL;
	if (!root)
		return EFI_NOT_FOUND;
	EFI_STATUS s = uefi_call_wrapper(root->Open, 5, root, &f, L"\\EFI\\selftest\\summary.txt",
					 EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0);
	if (!EFI_ERROR(s)) {
		/* Empty an older summary first. */
		uefi_call_wrapper(f->Delete, 1, f);
		s = uefi_call_wrapper(root->Open, 5, root, &f, L"\\EFI\\selftest\\summary.txt",
				      EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE, 0);
	}
	if (!EFI_ERROR(s)) {
		UINTN n = summary_len;
		s = uefi_call_wrapper(f->Write, 3, f, &n, summary);
		uefi_call_wrapper(f->Close, 1, f);
	}
	uefi_call_wrapper(root->Close, 1, root);
	return s;
}

static void screen(const CHAR16 *s) { uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, (CHAR16 *)s); }

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	log_raw("selftest: hv self-test: identifying the processor, then starting the hypervisor\n");
	screen(L"hv self-test: running; the summary goes to the serial console (COM1, 115200 8N1)\r\n"
	       L"and to \\EFI\\selftest\\summary.txt on this stick.\r\n");
	identify();
	EFI_LOADED_IMAGE *li = NULL;
	uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);

	/* 2. The hypervisor: it logs its own view of the capabilities. */
	EFI_STATUS hv_status = shim_start_hv(image);
	serial_init(0x3f8, 115200);
	struct cpuid_regs sig = cpuid(HV_CPUID_LEAF_BASE);
	char sigtext[13];
	put_reg(sigtext, sig.ebx);
	put_reg(sigtext + 4, sig.ecx);
	put_reg(sigtext + 8, sig.edx);
	sigtext[12] = 0;
	bool hv = (cpuid(1).ecx >> 31) & 1;
	for (unsigned i = 0; i < 12; i++)
		hv = hv && sigtext[i] == HV_CPUID_SIGNATURE[i];
	uint64_t iface = 0, version = 0;
	if (hv) {
		uint64_t rax = HV_CALL_VERSION, rbx = 0, rcx = 0;
		__asm__ volatile("vmcall" : "+a"(rax), "=b"(rbx), "=c"(rcx)::"rdx", "memory");
		iface = rbx;
		version = rcx;
	}
	log_raw("selftest: hv.efi returned 0x%lx; hypervisor %s\n", (uint64_t)hv_status, hv ? "running" : "NOT running");

	/* 3. The checks, as the hypervisor's guest. */
	unsigned passed = 0, failed = 0;
	for (unsigned i = 0; hv && i < NCHECKS; i++) {
		log_raw("selftest: ---- check %u of %u: %s ----\n", i + 1, (unsigned)NCHECKS, checks[i].name);
		checks[i].status = run_check(image, li, &checks[i]);
		if (checks[i].result.done && checks[i].result.pass)
			passed++;
		else
			failed++;
	}

	/* 4. The summary. */
	summary_len = 0;
	log_raw("\n");
	say("===== hv self-test summary: paste from this line to the \"end of summary\" line into a bug report =====");
	say("hv.efi %s; self-test of the guest-side checks", HV_VERSION);
	say("%s", cpu_line);
	say("%s", brand_line);
	for (unsigned i = 0; i < nvmx_lines; i++)
		say("%s", vmx_lines[i]);
	if (hv)
		say("hypervisor: running (CPUID 0x40000000 \"VTxEptHvisor\", interface %lu, version %lu.%lu.%lu)", iface,
		    version >> 16, (version >> 8) & 0xff, version & 0xff);
	else
		say("hypervisor: NOT running (hv.efi returned 0x%lx; likely cause: %s); hv.efi's own reason is in the "
		    "\"hv:\" lines above; checks skipped",
		    (uint64_t)hv_status,
		    !has_vmx	     ? "no VMX"
		    : vmx_locked_off ? "VT-x disabled in the firmware setup (IA32_FEATURE_CONTROL locked without VMX)"
		    : !has_ept	     ? "no EPT"
		    : !has_ug	     ? "no unrestricted guest"
				     : "see the hv: lines");
	for (unsigned i = 0; hv && i < NCHECKS; i++) {
		struct check *c = &checks[i];
		if (c->result.done)
			say("%s: %s (%s) in %lu M TSC ticks", c->name, c->result.pass ? "PASS" : "FAIL", c->result.line,
			    c->ticks / 1000000);
		else
			say("%s: FAIL (no result; program status 0x%lx)", c->name, (uint64_t)c->status);
	}
	if (hv) {
		say("statistics: the hypervisor's exit statistics follow (VMCALL 2; serial console only)");
		serial_drain();
		uint64_t rax = HV_CALL_PRINT_STATS;
		__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
		serial_init(0x3f8, 115200);
		say("statistics: request returned %lu", rax);
	}
	bool ok = hv && failed == 0 && passed == NCHECKS;
	say("RESULT: %s (%u of %u checks passed%s)", ok ? "PASS" : "FAIL", passed, hv ? (unsigned)NCHECKS : 0,
	    hv ? "" : "; the hypervisor did not start");
	say("===== end of summary =====");
	EFI_STATUS ws = write_summary(li);
	if (EFI_ERROR(ws))
		log_raw("selftest: could not write \\EFI\\selftest\\summary.txt (0x%lx)\n", (uint64_t)ws);
	else
		log_raw("selftest: summary written to \\EFI\\selftest\\summary.txt (%u bytes)\n", summary_len);
	screen(ok ? L"hv self-test: RESULT: PASS\r\n" : L"hv self-test: RESULT: FAIL\r\n");
	serial_drain();
	emulator_exit(ok ? 0 : 1);
	/* A real machine: leave the result on the screen a while, then let the
	 * firmware boot on. */
	uefi_call_wrapper(BS->Stall, 1, 10 * 1000 * 1000);
	return EFI_SUCCESS;
}
