/* fuzz.efi: the VMX instructions, VMCALL, INVD and INT n at CPL 0, and a
 * random one of every kind at CPL 3. */
#include "../../../hv/lib/fmt.h"
#include "fuzz.h"

#include <hv/cpu.h>

#define SIG_EBX 0x45785456u /* "VTxE" */
#define SIG_ECX 0x76487470u /* "ptHv" */
#define SIG_EDX 0x726f7369u /* "isor" */
#define HV_UNKNOWN ((uint64_t)-1)
#define MAX_STATS_DUMPS 2 /* VMCALL 2 prints a whole table: a few only */
#define CR4_OSXSAVE (1ull << 18)

/* The 16-byte memory operand of the VMX instructions; VMX being off, it is
 * never read. */
static uint64_t vmx_operand[2] __attribute__((aligned(16)));

struct gate {
	uint16_t off0, sel;
	uint8_t ist, attr;
	uint16_t off1;
	uint32_t off2, zero;
};

void fz_install_vectors(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	struct gate *idt = (struct gate *)idtr.base;
	for (unsigned v = 32; v < 256 && v * 16 + 15 <= idtr.limit; v++) {
		if (v == 0x80)
			continue;
		/* DPL 0: INT n from ring 3 must give #GP(n*8+2). */
		uint64_t a = (uint64_t)(fz_vec_stubs + 16 * v);
		idt[v] = (struct gate){ .off0 = (uint16_t)a, .sel = VT_KCODE, .attr = 0x8e, .off1 = (uint16_t)(a >> 16),
					.off2 = (uint32_t)(a >> 32) };
	}
}

/* ---- VMX instructions: #UD, VMX being absent to the guest ---- */

struct vmx_site {
	const char *name;
	void (*fn)(struct fz_regs *);
	const char *site, *resume;
};
#define VS(n) { #n, fz_##n, fz_##n##_site, fz_##n##_resume }
static const struct vmx_site vmx_sites[] = {
	VS(vmxon), VS(vmxoff), VS(vmclear), VS(vmptrld), VS(vmptrst), VS(vmread),
	VS(vmwrite), VS(vmlaunch), VS(vmresume), VS(invept), VS(invvpid), VS(vmfunc),
};
#undef VS

void fz_op_vmx(void)
{
	const struct vmx_site *s = &vmx_sites[fz_below(sizeof(vmx_sites) / sizeof(vmx_sites[0]))];
	vmx_operand[0] = fz_rand();
	vmx_operand[1] = fz_rand();
	struct fz_regs r = { fz_rand() & (fz_chance(50) ? 0xffff : ~0ull), fz_rand(), fz_rand(), fz_rand(),
			     (uint64_t)vmx_operand, 0 };
	/* VMFUNC's function is EAX; 0 (EPTP switching) is the likeliest to
	 * be wrongly enabled. */
	if (s->fn == fz_vmfunc && fz_chance(50))
		r.rax = 0;
	struct fz_regs in = r;
	fz_count(FZ_VMX);
	struct fz_out o = fz_run0(s->fn, s->resume, &r);
	if (fz_check(FZ_VMX, 0, &o, FZ_UD, 0, s->site, "%s rax=0x%lx rbx=0x%lx", s->name, in.rax, in.rbx) &&
	    (r.rax != in.rax || r.rbx != in.rbx || r.rcx != in.rcx || r.rdx != in.rdx))
		fz_mismatch(FZ_VMX, 0, "%s: registers changed by a #UD", s->name);
}

/* ---- VMCALL (hv/exits/vmcall.c, hypercall.h) ---- */

static unsigned stats_dumps;

void fz_op_vmcall(void)
{
	uint64_t fn;
	switch (fz_below(4)) {
	case 0: fn = 0; break; /* ping */
	case 1: fn = 1; break; /* version */
	case 2: fn = fz_below(64); break;
	default: fn = fz_rand(); break;
	}
	if (fn == 3)
		fn = 0; /* resetting the statistics would spoil the final ones */
	if (fn == 2 && stats_dumps >= MAX_STATS_DUMPS)
		fn = 1;
	if (fn == 2)
		stats_dumps++;
	struct fz_regs r = { fn, fz_rand(), fz_rand(), fz_rand(), fz_rand(), fz_rand() }, in = r;
	fz_count(FZ_VMCALL);
	struct fz_out o = FZ_RUN0(fz_vmcall, &r);
	if (!fz_check(FZ_VMCALL, 0, &o, FZ_NONE, 0, 0, "vmcall rax=0x%lx", fn))
		return;
	struct fz_regs want = in;
	if (fn == 0) {
		want = (struct fz_regs){ 0, SIG_EBX, SIG_ECX, SIG_EDX, in.r8, in.r9 };
	} else if (fn == 1) {
		want.rax = 0;
		want.rbx = 1;
		want.rcx = fz_cpu.hv_version;
	} else if (fn == 2) {
		want.rax = 0;
	} else {
		want.rax = HV_UNKNOWN;
	}
	if (r.rax != want.rax || r.rbx != want.rbx || r.rcx != want.rcx || r.rdx != want.rdx || r.r8 != want.r8 ||
	    r.r9 != want.r9)
		fz_mismatch(FZ_VMCALL, 0, "vmcall rax=0x%lx: got 0x%lx 0x%lx 0x%lx 0x%lx, want 0x%lx 0x%lx 0x%lx 0x%lx",
			    fn, r.rax, r.rbx, r.rcx, r.rdx, want.rax, want.rbx, want.rcx, want.rdx);
}

void fz_op_invd(void)
{
	struct fz_regs r = { 0, 0, 0, 0, 0, 0 };
	fz_count(FZ_INVD);
	struct fz_out o = FZ_RUN0(fz_invd, &r);
	fz_check(FZ_INVD, 0, &o, FZ_NONE, 0, 0, "invd");
}

/* ---- INT n through our IDT ---- */

/* Exceptions that push an error code: INT n pushes none, so our handlers
 * for these (which expect one) cannot take an INT n from ring 0. */
static bool pushes_error(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

void fz_op_int(void)
{
	unsigned v;
	do
		v = (unsigned)fz_below(256);
	while (pushes_error(v) || v == 0x80); /* 0x80 ends a ring 3 run */
	const char *site = fz_int_k + 4 * v;
	uint64_t before = fz_vec_count;
	fz_count(FZ_INT);
	vt_nfaults = 0;
	vt_resume_rip = (uint64_t)(site + 2);
	((void (*)(void))(void *)site)();
	vt_resume_rip = 0;
	if (v >= 32) {
		if (vt_nfaults || fz_vec_count != before + 1 || fz_vec_last != v)
			fz_mismatch(FZ_INT, 0, "int 0x%x: %u exceptions, %lu interrupts, last vector 0x%lx", v, vt_nfaults,
				    fz_vec_count - before, fz_vec_last);
	} else {
		/* A software interrupt: the saved RIP is the next instruction. */
		struct fz_out o = { FZ_NONE, 0, 0, 0, vt_nfaults, false };
		if (o.n) {
			o.vector = (unsigned)vt_faults[0].vector;
			o.error = vt_faults[0].error;
			o.rip = vt_faults[0].rip;
		}
		fz_check(FZ_INT, 0, &o, v, 0, site + 2, "int 0x%x", v);
	}
}

/* ---- CPL 3: privileged instructions #GP(0), VMX and VMCALL #UD, CPUID
 * and XGETBV work (SDM Vol. 2: each instruction's "Protected Mode
 * Exceptions"; Vol. 3C §26.1.1: privilege faults come before VM exits;
 * VMCALL from CPL 3 is #UD by our interface, as without a hypervisor). ---- */

struct user_site {
	const char *name;
	const char *entry, *resume;
	unsigned vector; /* FZ_NONE: must work */
};
#define US(n, vec) { #n, fzu_##n, fzu_##n##_resume, vec }
static const struct user_site user_sites[] = {
	US(cpuid, FZ_NONE), US(rdmsr, FZ_GP),  US(wrmsr, FZ_GP),   US(wcr0, FZ_GP),	 US(rcr0, FZ_GP),
	US(wcr3, FZ_GP),    US(rcr3, FZ_GP),   US(wcr4, FZ_GP),    US(rcr4, FZ_GP),	 US(xsetbv, FZ_GP),
	US(xgetbv, FZ_NONE), US(invd, FZ_GP),  US(wbinvd, FZ_GP),  US(vmcall, FZ_UD), US(vmxon, FZ_UD),
	US(vmread, FZ_UD),  US(vmwrite, FZ_UD), US(vmptrld, FZ_UD), US(vmlaunch, FZ_UD), US(invept, FZ_UD),
};
#undef US
#define NUSER (sizeof(user_sites) / sizeof(user_sites[0]))

static void user_int(void)
{
	unsigned v = (unsigned)fz_below(256);
	const char *site = fz_int_u + 4 * v;
	struct fz_regs r = { 0, 0, 0, 0, 0, 0 };
	struct fz_out o = fz_run3(site, site + 2, &r);
	if (v == 0x80) {
		/* Through the DPL 3 gate straight back to ring 0. */
		if (o.aborted || o.n || vt_int80_frame.rip != (uint64_t)(site + 2))
			fz_mismatch(FZ_USER, 3, "int 0x80: %u exceptions, back from rip 0x%lx", o.n, vt_int80_frame.rip);
		return;
	}
	/* #BP's gate is DPL 3 (a trap: RIP after it); the rest are DPL 0:
	 * #GP with the IDT entry's selector-format error code (n*8 + 2). */
	if (v == 3)
		fz_check(FZ_USER, 3, &o, FZ_BP, 0, site + 2, "int 3");
	else
		fz_check(FZ_USER, 3, &o, FZ_GP, v * 8 + 2, site, "int 0x%x", v);
}

void fz_op_user(void)
{
	fz_count(FZ_USER);
	if (fz_chance(15)) {
		user_int();
		return;
	}
	const struct user_site *s = &user_sites[fz_below(NUSER)];
	uint32_t leaf = (uint32_t)(fz_chance(50) ? fz_below(fz_cpu.max_basic + 1ull) : 0x40000000u + fz_below(3));
	vmx_operand[0] = fz_rand();
	struct fz_regs r = { leaf, fz_rand(), fz_rand() & (fz_chance(50) ? 0xf : ~0ull), fz_rand(),
			     (uint64_t)vmx_operand, 0 };
	unsigned want = s->vector;
	if (s->entry == fzu_xgetbv)
		r.rcx = 0;
	/* XSETBV/XGETBV with CR4.OSXSAVE=0 are #UD, before anything else. */
	if ((s->entry == fzu_xsetbv || s->entry == fzu_xgetbv) && !(read_cr4() & CR4_OSXSAVE))
		want = FZ_UD;
	if (s->entry == fzu_vmcall && fz_chance(50))
		r.rax = fz_below(4);
	struct fz_regs in = r, ref = r;
	struct fz_out o = fz_run3(s->entry, s->resume, &r);
	if (!fz_check(FZ_USER, 3, &o, want, 0, want == FZ_NONE ? 0 : s->entry, "%s rax=0x%lx rcx=0x%lx", s->name,
		      in.rax, in.rcx))
		return;
	/* What works in ring 3 gives what it gives in ring 0. */
	if (s->entry == fzu_cpuid) {
		FZ_RUN0(fz_cpuid, &ref);
		if (ref.rax != r.rax || ref.rbx != r.rbx || ref.rcx != r.rcx || ref.rdx != r.rdx)
			fz_mismatch(FZ_USER, 3, "cpuid 0x%x/0x%lx: 0x%lx 0x%lx 0x%lx 0x%lx, ring 0 0x%lx 0x%lx 0x%lx 0x%lx",
				    leaf, in.rcx, r.rax, r.rbx, r.rcx, r.rdx, ref.rax, ref.rbx, ref.rcx, ref.rdx);
	} else if (s->entry == fzu_xgetbv && want == FZ_NONE) {
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((uint32_t)r.rax != lo || (uint32_t)r.rdx != hi)
			fz_mismatch(FZ_USER, 3, "xgetbv: 0x%lx:0x%lx, ring 0 0x%x:0x%x", r.rdx, r.rax, hi, lo);
	} else if (r.rax != in.rax || r.rbx != in.rbx || r.rcx != in.rcx || r.rdx != in.rdx) {
		fz_mismatch(FZ_USER, 3, "%s: registers changed by a fault", s->name);
	}
}
