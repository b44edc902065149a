/* fuzz.efi: random CPUID, RDMSR and WRMSR at CPL 0 and what they must give
 * (SDM Vol. 2A CPUID, Vol. 2B RDMSR/WRMSR, Vol. 4 for which MSRs exist). */
#include "../../../hv/lib/fmt.h"
#include "fuzz.h"

#include <hv/cpu.h>

#define HV_LEAF 0x40000000u
#define SIG_EBX 0x45785456u /* "VTxE" */
#define SIG_ECX 0x76487470u /* "ptHv" */
#define SIG_EDX 0x726f7369u /* "isor" */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

/* ---- CPUID ---- */

/* Leaves whose output does not depend on ECX: any subleaf gives what
 * subleaf 0 gave at start-up. */
static const uint32_t plain_leaves[] = { 0, 1, 0x80000000, 0x80000002, 0x80000003, 0x80000004, HV_LEAF, HV_LEAF + 1 };
#define NPLAIN (sizeof(plain_leaves) / sizeof(plain_leaves[0]))
static struct cpuid_regs plain_ref[NPLAIN];
/* Leaves with subleaves (SDM Vol. 2A, CPUID). */
static const uint32_t sub_leaves[] = { 4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1a, 0x1b, 0x1f };

void fz_cpuid_init(void)
{
	for (unsigned i = 0; i < NPLAIN; i++)
		plain_ref[i] = cpuid_count(plain_leaves[i], 0);
}

static uint32_t pick_leaf(uint32_t *sub)
{
	switch (fz_below(6)) {
	case 0: return (uint32_t)fz_below(fz_cpu.max_basic + 3ull);
	case 1: return 0x80000000u + (uint32_t)fz_below((fz_cpu.max_ext & 0xffff) + 3ull);
	case 2: return HV_LEAF + (uint32_t)(fz_chance(50) ? fz_below(4) : fz_below(0x100));
	case 3: return (uint32_t)fz_rand();
	case 4:
		if (fz_chance(60))
			*sub = (uint32_t)fz_below(8);
		return sub_leaves[fz_below(sizeof(sub_leaves) / sizeof(sub_leaves[0]))];
	default: return plain_leaves[fz_below(NPLAIN)];
	}
}

static bool same_regs(const struct fz_regs *a, const struct fz_regs *b)
{
	return a->rax == b->rax && a->rbx == b->rbx && a->rcx == b->rcx && a->rdx == b->rdx;
}

/* What CPUID must give for this leaf whatever else: the architectural
 * bits the hypervisor computes, our own leaves. Appends a complaint. */
static bool leaf_rules(uint32_t leaf, uint32_t sub, const struct fz_regs *r, char *why, unsigned n)
{
	uint64_t cr4 = read_cr4();
	why[0] = 0;
	if ((r->rax | r->rbx | r->rcx | r->rdx) >> 32)
		fmt_format(why, n, "upper halves not zero");
	else if (leaf == 1 && (r->rcx & CPUID1_ECX_VMX))
		fmt_format(why, n, "CPUID.1:ECX.VMX=1");
	else if (leaf == 1 && !(r->rcx & CPUID1_ECX_HYPERVISOR))
		fmt_format(why, n, "CPUID.1:ECX.hypervisor=0");
	else if (leaf == 1 && !!(r->rcx & CPUID1_ECX_OSXSAVE) != !!(cr4 & CR4_OSXSAVE))
		fmt_format(why, n, "CPUID.1:ECX.OSXSAVE differs from CR4.OSXSAVE (CR4 0x%lx)", cr4);
	else if (leaf == 7 && sub == 0 && !!(r->rcx & CPUID7_ECX_OSPKE) != !!(cr4 & CR4_PKE))
		fmt_format(why, n, "CPUID.7:ECX.OSPKE differs from CR4.PKE (CR4 0x%lx)", cr4);
	else if (leaf == HV_LEAF && (r->rax != HV_LEAF + 1 || r->rbx != SIG_EBX || r->rcx != SIG_ECX ||
				     r->rdx != SIG_EDX))
		fmt_format(why, n, "not our signature and max leaf 0x40000001");
	else if (leaf == HV_LEAF + 1 && (r->rax == 0 || r->rbx != 1 || r->rcx || r->rdx))
		fmt_format(why, n, "want version, interface 1, 0, 0");
	else if (leaf >= HV_LEAF + 2 && leaf <= HV_LEAF + 0xff && (r->rax | r->rbx | r->rcx | r->rdx))
		fmt_format(why, n, "our unused leaves read 0");
	for (unsigned i = 0; !why[0] && i < NPLAIN; i++) {
		const struct cpuid_regs *p = &plain_ref[i];
		uint64_t mask = leaf == 1 ? ~(uint64_t)CPUID1_ECX_OSXSAVE : ~0ull;
		if (leaf == plain_leaves[i] && (r->rax != p->eax || r->rbx != p->ebx || ((r->rcx ^ p->ecx) & mask) ||
						r->rdx != p->edx))
			fmt_format(why, n, "differs from subleaf 0 (0x%x 0x%x 0x%x 0x%x)", p->eax, p->ebx, p->ecx,
				   p->edx);
	}
	return !why[0];
}

void fz_op_cpuid(void)
{
	uint32_t sub = (uint32_t)fz_rand();
	uint32_t leaf = pick_leaf(&sub);
	/* The upper halves of RAX and RCX are ignored, and CPUID writes
	 * 32-bit registers, which zeroes the upper halves of all four. */
	struct fz_regs in = { leaf | fz_rand() << 32, fz_rand(), sub | fz_rand() << 32, fz_rand(), fz_rand(),
			      fz_rand() };
	struct fz_regs a = in, b = in;
	fz_count(FZ_CPUID);
	struct fz_out o1 = FZ_RUN0(fz_cpuid, &a);
	struct fz_out o2 = FZ_RUN0(fz_cpuid, &b);
	if (!fz_check(FZ_CPUID, 0, &o1, FZ_NONE, 0, 0, "leaf 0x%x subleaf 0x%x", leaf, sub) ||
	    !fz_check(FZ_CPUID, 0, &o2, FZ_NONE, 0, 0, "leaf 0x%x subleaf 0x%x (again)", leaf, sub))
		return;
	char why[120];
	if (!same_regs(&a, &b))
		fz_mismatch(FZ_CPUID, 0, "leaf 0x%x subleaf 0x%x: two runs differ: 0x%lx 0x%lx 0x%lx 0x%lx then 0x%lx 0x%lx 0x%lx 0x%lx",
			    leaf, sub, a.rax, a.rbx, a.rcx, a.rdx, b.rax, b.rbx, b.rcx, b.rdx);
	else if (!leaf_rules(leaf, sub, &a, why, sizeof(why)))
		fz_mismatch(FZ_CPUID, 0, "leaf 0x%x subleaf 0x%x: 0x%lx 0x%lx 0x%lx 0x%lx: %s", leaf, sub, a.rax, a.rbx,
			    a.rcx, a.rdx, why);
	else if (a.r8 != in.r8 || a.r9 != in.r9)
		fz_mismatch(FZ_CPUID, 0, "leaf 0x%x: R8/R9 changed", leaf);
}

/* ---- RDMSR / WRMSR ---- */

/* Indices no Intel processor has an MSR at (SDM Vol. 4 lists none there;
 * 40000000H-400000FFH is reserved never to be used by hardware). Not
 * 2000H-3FFFH (uncore MSRs of some server parts) nor C0010000H-C001FFFFH
 * (AMD's). In the hypervisor's policy these lie outside the MSR bitmap's
 * ranges, so they always exit and it must raise the #GP itself; Bochs's
 * ignore_bad_msrs=1 would not. */
static uint32_t undefined_msr(void)
{
	switch (fz_below(5)) {
	case 0: return 0x40000000u + (uint32_t)fz_below(0x100);
	case 1: return 0x40000100u + (uint32_t)fz_below(0x80000000u - 0x40000100u);
	case 2: return 0x80000000u + (uint32_t)fz_below(0x40000000u);
	case 3: return 0xc0002000u + (uint32_t)fz_below(0xe000);
	default: return 0xc0020000u + (uint32_t)fz_below(0x100000000ull - 0xc0020000u);
	}
}

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1bu
#define MSR_FEATURE_CONTROL 0x3au
#define MSR_MTRRCAP 0xfeu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_VMX_FIRST 0x480u
/* Not 492H/493H (IA32_VMX_PROCBASED_CTLS3, IA32_VMX_EXIT_CTLS2): the
 * hypervisor's MSR bitmap passes them through (msr_policy.c), so the #GP
 * is the processor's, and Bochs 2.7 (no such MSRs, ignore_bad_msrs=1)
 * gives none. On a processor that has them the guest could read them. */
#define MSR_VMX_LAST 0x491u
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

static const uint32_t readable[] = { MSR_TSC,	   MSR_APIC_BASE, MSR_MTRRCAP,	     MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
				     MSR_SYSENTER_EIP, MSR_PAT, MSR_MTRR_DEF_TYPE, MSR_EFER,	      MSR_STAR,
				     MSR_LSTAR,	   MSR_FMASK,	  MSR_FS_BASE,	     MSR_GS_BASE,     MSR_KERNEL_GS_BASE };

/* ECX is the index: the upper half of RCX is ignored. */
static uint64_t rcx_for(uint32_t index) { return index | (fz_chance(50) ? fz_rand() << 32 : 0); }

void fz_op_rdmsr(void)
{
	uint32_t index;
	unsigned want = FZ_NONE;
	unsigned what = (unsigned)fz_below(4);
	if (what == 0) {
		index = undefined_msr();
		want = FZ_GP;
	} else if (what == 1) {
		/* VMX is hidden: its capability MSRs do not exist. */
		index = MSR_VMX_FIRST + (uint32_t)fz_below(MSR_VMX_LAST - MSR_VMX_FIRST + 1);
		want = FZ_GP;
	} else if (what == 2) {
		index = MSR_FEATURE_CONTROL;
	} else {
		index = readable[fz_below(sizeof(readable) / sizeof(readable[0]))];
	}
	struct fz_regs r = { fz_rand(), fz_rand(), rcx_for(index), fz_rand(), fz_rand(), fz_rand() };
	fz_count(FZ_RDMSR);
	struct fz_out o = FZ_RUN0(fz_rdmsr, &r);
	if (!fz_check(FZ_RDMSR, 0, &o, want, 0, fz_rdmsr_site, "rdmsr 0x%x", index) || want != FZ_NONE)
		return;
	if ((r.rax | r.rdx) >> 32)
		fz_mismatch(FZ_RDMSR, 0, "rdmsr 0x%x: upper halves of RAX/RDX not zero (0x%lx 0x%lx)", index, r.rax,
			    r.rdx);
	/* Locked, VMX off inside and outside SMX: a processor without VMX. */
	if (index == MSR_FEATURE_CONTROL && (r.rax & 7) != 1)
		fz_mismatch(FZ_RDMSR, 0, "rdmsr IA32_FEATURE_CONTROL: 0x%lx, want lock=1 and VMX bits 0", r.rax);
}

/* What a WRMSR to a known MSR must do; *check_back says whether the value
 * must read back as written, *back what it must read back as. Only MSRs
 * that nothing of ours uses while the value is there (the asm restores the
 * old one at once). */
static uint32_t pick_write(uint64_t *value, unsigned *want, bool *check_back, uint64_t *back)
{
	*want = FZ_NONE;
	*check_back = true;
	switch (fz_below(5)) {
	case 0: {
		/* Base and entry-point MSRs: canonical or #GP (SDM Vol. 2B WRMSR). */
		static const uint32_t bases[] = { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR,
						  MSR_SYSENTER_ESP, MSR_SYSENTER_EIP };
		uint32_t index = bases[fz_below(6)];
		if (fz_chance(50)) {
			*value = fz_noncanonical();
			*want = FZ_GP;
		} else {
			*value = fz_canonical(fz_rand());
		}
		*back = *value;
		return index;
	}
	case 1: {
		/* IA32_PAT: each byte a memory type 0, 1, 4, 5, 6 or 7, the
		 * rest reserved (SDM Vol. 3A §13.12.2, Table 13-10). */
		static const uint8_t types[] = { 0, 1, 4, 5, 6, 7 };
		uint64_t v = 0;
		for (unsigned i = 0; i < 8; i++)
			v |= (uint64_t)types[fz_below(6)] << (8 * i);
		if (fz_chance(50)) {
			unsigned byte = (unsigned)fz_below(8);
			uint64_t bad = fz_chance(50) ? 2 + fz_below(2) : 8 + fz_below(248); /* 2, 3 or >= 8 */
			v = (v & ~(0xffull << (8 * byte))) | bad << (8 * byte);
			*want = FZ_GP;
		}
		*value = *back = v;
		return MSR_PAT;
	}
	case 2: {
		/* IA32_EFER: SCE (0), LME (8), LMA (10, not writable: keeps
		 * its value), NXE (11); the rest reserved. LME cannot change
		 * with paging on, so it stays; NXE stays, our page tables may
		 * use XD. Only SCE toggles. */
		uint64_t cur = rdmsr(MSR_EFER);
		uint64_t v = cur ^ (fz_below(2) ? 1 : 0) ^ (fz_below(2) ? 1ull << 10 : 0);
		if (fz_chance(50)) {
			uint64_t reserved = ~0xd01ull;
			uint64_t bad = fz_rand() & reserved;
			if (!bad)
				bad = 1ull << (1 + fz_below(7));
			v |= bad;
			*want = FZ_GP;
		}
		*value = v;
		*back = (v & ~(1ull << 10)) | (cur & (1ull << 10));
		return MSR_EFER;
	}
	case 3:
		/* IA32_STAR: any value (used only by SYSCALL/SYSRET). Not
		 * IA32_FMASK or IA32_TSC_AUX with bits 63:32 set, which are
		 * reserved (#GP on hardware): they pass through to the
		 * processor, and Bochs 2.7 accepts them. */
		*value = *back = fz_rand();
		return MSR_STAR;
	default: {
		/* Locked IA32_FEATURE_CONTROL and the VMX MSRs (read-only where
		 * they exist, absent here): #GP. */
		*want = FZ_GP;
		*value = fz_rand();
		return fz_chance(30) ? MSR_FEATURE_CONTROL
				     : MSR_VMX_FIRST + (uint32_t)fz_below(MSR_VMX_LAST - MSR_VMX_FIRST + 1);
	}
	}
}

void fz_op_wrmsr(void)
{
	uint32_t index;
	uint64_t value, back = 0;
	unsigned want = FZ_GP;
	bool check_back = false, known = !fz_chance(30);
	if (known) {
		index = pick_write(&value, &want, &check_back, &back);
	} else {
		index = undefined_msr();
		value = fz_rand();
	}
	/* The asm restores R8 after a write that did not fault: the current
	 * value, so even a wrongly accepted write is undone. */
	uint64_t old = known && (index < MSR_VMX_FIRST || index > MSR_VMX_LAST) ? rdmsr(index) : 0;
	struct fz_regs r = { (uint32_t)value | (fz_rand() << 32), 0, rcx_for(index), value >> 32 | (fz_rand() << 32),
			     old, 0 };
	fz_count(FZ_WRMSR);
	struct fz_out o = FZ_RUN0(fz_wrmsr, &r);
	if (!fz_check(FZ_WRMSR, 0, &o, want, 0, fz_wrmsr_site, "wrmsr 0x%x <- 0x%lx", index, value))
		return;
	if (want == FZ_NONE && check_back && r.rbx != back)
		fz_mismatch(FZ_WRMSR, 0, "wrmsr 0x%x <- 0x%lx: reads back 0x%lx, want 0x%lx", index, value, r.rbx, back);
	if (want == FZ_NONE && rdmsr(index) != old)
		fz_mismatch(FZ_WRMSR, 0, "wrmsr 0x%x: old value 0x%lx not restored (0x%lx)", index, old, rdmsr(index));
}
