/* fuzz.efi: the guest-fuzzing test. Started by hv.efi as its guest, it runs
 * thousands of random operations that exit to the hypervisor (CPUID,
 * RDMSR/WRMSR, MOV to CR0/CR3/CR4, XSETBV, the VMX instructions, VMCALL,
 * INVD) or must not disturb it (INT n), at CPL 0 and CPL 3, and checks each
 * outcome (success with the right results, #GP with its error code, #UD) is
 * what the SDM says a processor without VMX gives. Output on COM1:
 *   fuzz: seed 0x<seed> ...
 *   fuzz: MISMATCH <kind> cpl=<n>: <inputs>: want <outcome>, got <outcome>
 *   fuzz: <N> operations, <M> mismatches, seed 0x<seed> (<kind>=<count> ...)
 * then the emulator run ends (Bochs port 0x8900, QEMU isa-debug-exit).
 * The seed is RDTSC's unless FUZZ_SEED is defined at compile time or the
 * load options (hv.cfg: guest_args) say "seed=0x<hex>"; "ops=<n>" sets the
 * number of operations. The same seed replays the same operations. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/fmt.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "fuzz.h"
#include "../common/emulator_exit.h"
#include "../common/selftest_result.h"

#include <hv/cpu.h>

#define DEFAULT_OPS 20000
#define CHUNK_OPS 500 /* per stay in the environment: timer interrupts get through between */
#define MAX_PRINTED 40
#define CR4_OSXSAVE (1ull << 18)

const char *const fz_kind_names[FZ_NKINDS] = { "cpuid", "rdmsr", "wrmsr", "cr0", "cr3",  "cr4",
					       "xsetbv", "vmx",  "vmcall", "invd", "int", "cpl3" };

struct fz_cpu fz_cpu;
static uint64_t rng_state, seed;
static uint64_t counts[FZ_NKINDS], mismatches[FZ_NKINDS], total_ops, total_mismatches;
/* Outcomes checked, by what was expected: none, #GP, #UD, other. */
static uint64_t wanted[4];
static struct selftest_result *selftest; /* started by selftest.efi: report there, return */

uint64_t fz_rand(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t fz_noncanonical(void)
{
	/* Bits 62:57 must not all equal bit 63: flip one of them. */
	uint64_t v = fz_canonical(fz_rand());
	return v ^ (1ull << (57 + fz_below(6)));
}

void fz_count(enum fz_kind k)
{
	counts[k]++;
	total_ops++;
}

void fz_mismatch(enum fz_kind k, unsigned cpl, const char *fmt, ...)
{
	mismatches[k]++;
	if (++total_mismatches > MAX_PRINTED)
		return;
	char line[300];
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_raw("fuzz: MISMATCH %s cpl=%u: %s\n", fz_kind_names[k], cpl, line);
	if (total_mismatches == MAX_PRINTED)
		log_raw("fuzz: (further mismatches counted, not printed)\n");
}

void fz_describe(char *buf, unsigned n, const struct fz_out *o)
{
	static const char *const names[32] = { [0] = "#DE", [1] = "#DB", [3] = "#BP", [6] = "#UD", [7] = "#NM",
						[8] = "#DF", [12] = "#SS", [13] = "#GP", [14] = "#PF", [17] = "#AC" };
	if (o->aborted)
		fmt_format(buf, n, "ring 3 run cut short after %u exceptions", o->n);
	else if (o->vector == FZ_NONE)
		fmt_format(buf, n, "ok");
	else if (o->vector < 32 && names[o->vector])
		fmt_format(buf, n, "%s(0x%lx) at 0x%lx%s", names[o->vector], o->error, o->rip,
			   o->n > 1 ? " and more" : "");
	else
		fmt_format(buf, n, "vector %u(0x%lx) at 0x%lx", o->vector, o->error, o->rip);
}

bool fz_check(enum fz_kind k, unsigned cpl, const struct fz_out *got, unsigned want_vector, uint64_t want_error,
	      const char *site, const char *fmt, ...)
{
	wanted[want_vector == FZ_NONE ? 0 : want_vector == FZ_GP ? 1 : want_vector == FZ_UD ? 2 : 3]++;
	bool ok = !got->aborted && got->vector == want_vector && got->n <= 1;
	if (ok && want_vector != FZ_NONE)
		ok = got->error == want_error && (!site || got->rip == (uint64_t)site);
	if (ok)
		return true;
	char in[200], g[80], w[80];
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(in, sizeof(in), fmt, ap);
	va_end(ap);
	struct fz_out want = { .vector = want_vector, .error = want_error, .rip = (uint64_t)site, .n = 1 };
	fz_describe(w, sizeof(w), &want);
	fz_describe(g, sizeof(g), got);
	fz_mismatch(k, cpl, "%s: want %s, got %s", in, w, g);
	return false;
}

static struct fz_out outcome(void)
{
	struct fz_out o = { .vector = FZ_NONE, .n = vt_nfaults };
	if (o.n) {
		o.vector = (unsigned)vt_faults[0].vector;
		o.error = vt_faults[0].error;
		o.rip = vt_faults[0].rip;
		o.cs = vt_faults[0].cs;
	}
	return o;
}

struct fz_out fz_run0(void (*fn)(struct fz_regs *), const char *resume, struct fz_regs *r)
{
	vt_nfaults = 0;
	vt_resume_rip = (uint64_t)resume;
	fn(r);
	vt_resume_rip = 0;
	return outcome();
}

struct fz_out fz_run3(const char *entry, const char *resume, struct fz_regs *r)
{
	/* vt_user_enter's order: rax rbx rcx rdx rsi rdi rbp r8..r15. */
	uint64_t regs[15] = { r->rax, r->rbx, r->rcx, r->rdx, 0, 0, 0, r->r8, r->r9 };
	vt_nfaults = 0;
	vt_nint80 = 0;
	vt_resume_rip = (uint64_t)resume;
	int rc = vt_user_enter(regs, (uint64_t)entry, vt_env_user_stack_top());
	vt_resume_rip = 0;
	struct fz_out o = outcome();
	o.aborted = rc != 0 || vt_nint80 != 1;
	const struct vt_iframe *f = &vt_int80_frame;
	*r = (struct fz_regs){ f->rax, f->rbx, f->rcx, f->rdx, f->r8, f->r9 };
	return o;
}

/* Called by vmtest_env.c for an exception outside any guarded code. */
void vt_fatal(const char *detail)
{
	log_raw("fuzz: FATAL: %s\n", detail);
	if (selftest)
		log_raw("fuzz: FAILED after %lu operations, seed 0x%lx\n", total_ops, seed);
	serial_drain();
	emulator_exit(1);
	cpu_halt_forever();
}

/* "seed=0x..." and "ops=N" in the load options (UCS-2). */
static uint64_t option(const CHAR16 *s, unsigned len, const char *key, bool *found)
{
	unsigned klen = 0;
	while (key[klen])
		klen++;
	for (unsigned i = 0; i + klen <= len; i++) {
		unsigned j = 0;
		while (j < klen && s[i + j] == (CHAR16)key[j])
			j++;
		if (j < klen || (i && s[i - 1] != ' '))
			continue;
		unsigned p = i + klen, base = 10;
		if (p + 1 < len && s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X')) {
			base = 16;
			p += 2;
		}
		uint64_t v = 0;
		for (; p < len; p++) {
			unsigned c = s[p], d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (c | 0x20) - 'a' + 10;
			else
				break;
			v = v * base + d;
		}
		*found = true;
		return v;
	}
	return 0;
}

static void cpu_facts(void)
{
	struct cpuid_regs c0 = cpuid(0), c1 = cpuid(1), c7 = { 0, 0, 0, 0 }, c71 = { 0, 0, 0, 0 };
	fz_cpu.max_basic = c0.eax;
	if (c0.eax >= 7) {
		c7 = cpuid_count(7, 0);
		if (c7.eax >= 1)
			c71 = cpuid_count(7, 1);
	}
	fz_cpu.max_ext = cpuid(0x80000000).eax;
	fz_cpu.maxphyaddr = fz_cpu.max_ext >= 0x80000008 ? (cpuid(0x80000008).eax & 0xff) : 36;
	fz_cpu.xsave = c1.ecx & (1u << 26);
	fz_cpu.pcid = c1.ecx & (1u << 17);
	if (fz_cpu.xsave) {
		struct cpuid_regs d = cpuid_count(0xd, 0);
		fz_cpu.xcr0_supported = (uint64_t)d.edx << 32 | d.eax;
	}
	fz_cpu.hv_version = cpuid(0x40000001).eax;
	/* CR4 bits and the CPUID flags that make them exist (SDM Vol. 3A §2.5,
	 * Vol. 2A CPUID). PCE and MCE have no flag of their own on a P6 or
	 * later; VMXE (bit 13) follows CPUID.1:ECX.VMX, which must read 0. */
	struct { unsigned bit; bool on; } cr4[] = {
		{ 0, c1.edx & (1u << 1) },   { 1, c1.edx & (1u << 1) },   { 2, c1.edx & (1u << 4) },
		{ 3, c1.edx & (1u << 2) },   { 4, c1.edx & (1u << 3) },   { 5, c1.edx & (1u << 6) },
		{ 6, c1.edx & (1u << 7) },   { 7, c1.edx & (1u << 13) },  { 8, true },
		{ 9, c1.edx & (1u << 24) },  { 10, c1.edx & (1u << 25) }, { 11, c7.ecx & (1u << 2) },
		{ 12, c7.ecx & (1u << 16) }, { 13, c1.ecx & (1u << 5) },  { 14, c1.ecx & (1u << 6) },
		{ 16, c7.ebx & (1u << 0) },  { 17, c1.ecx & (1u << 17) }, { 18, c1.ecx & (1u << 26) },
		{ 19, c7.ecx & (1u << 23) }, { 20, c7.ebx & (1u << 7) },  { 21, c7.ebx & (1u << 20) },
		{ 22, c7.ecx & (1u << 3) },  { 23, (c7.ecx & (1u << 7)) || (c7.edx & (1u << 20)) },
		{ 24, c7.ecx & (1u << 31) }, { 25, c7.edx & (1u << 5) },  { 27, c71.eax & (1u << 26) },
		{ 32, c71.eax & (1u << 17) },
	};
	for (unsigned i = 0; i < sizeof(cr4) / sizeof(cr4[0]); i++)
		if (cr4[i].on)
			fz_cpu.cr4_supported |= 1ull << cr4[i].bit;
	log_raw("fuzz: cpu: max leaf 0x%x/0x%x, MAXPHYADDR %u, CR4 bits 0x%lx, XCR0 bits 0x%lx, hv version 0x%x\n",
		fz_cpu.max_basic, fz_cpu.max_ext, fz_cpu.maxphyaddr, fz_cpu.cr4_supported, fz_cpu.xcr0_supported,
		fz_cpu.hv_version);
}

static void (*const generators[])(void) = {
	fz_op_cpuid, fz_op_rdmsr, fz_op_wrmsr, fz_op_cr0,	 fz_op_cr3, fz_op_cr4,
	fz_op_xsetbv, fz_op_vmx,  fz_op_vmcall, fz_op_invd, fz_op_int, fz_op_user,
};
/* Relative frequencies, in the order of enum fz_kind. */
static const unsigned weights[FZ_NKINDS] = { 14, 11, 12, 10, 5, 10, 8, 7, 6, 2, 6, 9 };
static unsigned chunk_ops;

static void chunk(struct vt_result *r)
{
	unsigned wsum = 0;
	for (unsigned k = 0; k < FZ_NKINDS; k++)
		wsum += weights[k];
	fz_install_vectors();
	/* XSETBV exists only with CR4.OSXSAVE (else #UD): turn it on for the
	 * chunk if the processor has XSAVE. Put back before leaving, as the
	 * environment checks CR4 came back. */
	uint64_t cr4 = read_cr4();
	if (fz_cpu.xsave && !(cr4 & CR4_OSXSAVE))
		write_cr4(cr4 | CR4_OSXSAVE);
	fz_cpu.cr0 = read_cr0();
	fz_cpu.cr3 = read_cr3();
	fz_cpu.cr4 = read_cr4();
	for (unsigned i = 0; i < chunk_ops; i++) {
		unsigned w = (unsigned)fz_below(wsum), k = 0;
		while (w >= weights[k])
			w -= weights[k++];
		generators[k]();
	}
	if (read_cr4() != cr4)
		write_cr4(cr4);
	r->pass = true;
}

static void end_run(uint64_t ops)
{
	serial_drain(); /* the emulator may stop before the UART empties */
	if (selftest)
		selftest_result_set(selftest, total_mismatches == 0 && total_ops >= ops,
				    "%lu operations, %lu mismatches, seed 0x%lx", total_ops, total_mismatches, seed);
	else
		emulator_exit(0);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	selftest = selftest_result_of(image);
	bool have_seed = false, have_ops = false;
	uint64_t ops = DEFAULT_OPS;
	const char *from = "RDTSC";
#ifdef FUZZ_SEED
	seed = FUZZ_SEED;
	have_seed = true;
	from = "compiled in";
#endif
	EFI_LOADED_IMAGE *li = NULL;
	if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li)) && li &&
	    li->LoadOptions) {
		unsigned len = li->LoadOptionsSize / sizeof(CHAR16);
		bool found = false;
		uint64_t v = option(li->LoadOptions, len, "seed=", &found);
		if (found) {
			seed = v;
			have_seed = true;
			from = "load options";
		}
		v = option(li->LoadOptions, len, "ops=", &have_ops);
		if (have_ops && v)
			ops = v;
	}
	if (!have_seed)
		seed = rdtsc();
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull; /* xorshift state must not be 0 */
	log_raw("fuzz: seed 0x%lx (%s); replay with guest_args = seed=0x%lx ops=%lu\n", seed, from, seed, ops);
	cpu_facts();
	fz_cpuid_init();

	char why[120];
	if (!vt_env_init(BS, why, sizeof(why)) || !vt_env_has_paging()) {
		log_raw("fuzz: environment: %s\n", why);
		fz_mismatch(FZ_USER, 0, "no environment of our own: %s", why);
	}
	uint64_t start = rdtsc();
	while (total_ops < ops) {
		chunk_ops = ops - total_ops < CHUNK_OPS ? (unsigned)(ops - total_ops) : CHUNK_OPS;
		struct vt_result r;
		uint64_t before = total_ops;
		vt_env_run(chunk, &r);
		if (!r.pass)
			fz_mismatch(FZ_USER, 0, "chunk after %lu operations ended early: %s", before, r.detail);
		if (total_ops == before)
			break; /* no progress: do not loop for ever */
	}
	vt_env_fini();
	uint64_t ticks = rdtsc() - start;

	char line[400];
	size_t n = fmt_format(line, sizeof(line), "fuzz: %lu operations, %lu mismatches, seed 0x%lx (", total_ops,
			      total_mismatches, seed);
	for (unsigned k = 0; k < FZ_NKINDS && n < sizeof(line); k++)
		n += fmt_format(line + n, sizeof(line) - n, "%s%s=%lu", k ? " " : "", fz_kind_names[k], counts[k]);
	if (n < sizeof(line))
		fmt_format(line + n, sizeof(line) - n, ")");
	log_raw("%s\n", line);
	for (unsigned k = 0; k < FZ_NKINDS; k++)
		if (mismatches[k])
			log_raw("fuzz: %lu mismatches in %s\n", mismatches[k], fz_kind_names[k]);
	log_raw("fuzz: outcomes checked: %lu success, %lu #GP, %lu #UD, %lu other; %lu TSC ticks\n", wanted[0],
		wanted[1], wanted[2], wanted[3], ticks);
	end_run(ops);
	return EFI_SUCCESS;
}
