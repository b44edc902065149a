/* vmtest.efi: checks 7-11, run inside the private environment
 * (vmtest_env.c) with interrupts off. Every instruction expected to fault
 * is a labelled site in vmtest_asm.asm; the handler records the exception
 * and resumes at the site's resume label, so a check that sees no exception
 * (or the wrong one) simply fails and the run goes on. */
#include "../../../hv/lib/fmt.h"
#include "../common/vmtest.h"

#include <hv/cpu.h>

#define VEC_DE 0
#define VEC_BP 3
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define PF_WRITE 0x2
#define PF_USER 0x4
#define BAD_MSR 0x12345678u

struct expect {
	const char *what;
	uint64_t vector, error;
	uint64_t rip; /* faulting RIP (faults) or next RIP (traps) */
	uint64_t cs;  /* the code selector the handler must see */
	bool check_cr2;
	uint64_t cr2;
};

/* Compares the one recorded exception with e; appends a detail if not. */
static bool match(struct vt_result *r, const struct expect *e, unsigned n, const struct vt_fault *f)
{
	if (n == 0) {
		vt_detail(r, "%s: no exception", e->what);
		return false;
	}
	if (n == 1 && f->vector == e->vector && f->error == e->error && f->rip == e->rip && f->cs == e->cs &&
	    (!e->check_cr2 || f->cr2 == e->cr2))
		return true;
	char d[120];
	vt_describe_fault(d, sizeof(d), f);
	vt_detail(r, "%s: want vec %lu err 0x%lx rip 0x%lx cs 0x%lx%s, got %s (%u exc)", e->what, e->vector,
		  e->error, e->rip, e->cs, e->check_cr2 ? " +cr2" : "", d, n);
	return false;
}

/* Runs one ring 0 site, expecting exactly one exception. Faults report the
 * site's RIP, traps (#BP) the RIP after it, which is the resume label. */
static bool ring0_site(struct vt_result *r, const char *what, uint64_t (*fn)(uint64_t), uint64_t arg,
		       const char *site, const char *resume, uint64_t vector, uint64_t error, bool trap,
		       uint64_t *value)
{
	vt_nfaults = 0;
	vt_resume_rip = (uint64_t)resume;
	uint64_t v = fn(arg);
	vt_resume_rip = 0;
	if (value)
		*value = v;
	struct expect e = { what, vector, error, trap ? (uint64_t)resume : (uint64_t)site, VT_KCODE, false, 0 };
	if (vector == VEC_PF) {
		e.check_cr2 = true;
		e.cr2 = arg;
	}
	return match(r, &e, vt_nfaults, &vt_faults[0]);
}

#define SITE(r, what, name, arg, vec, err, trap, value) \
	ring0_site(r, what, name, arg, name##_site, name##_resume, vec, err, trap, value)

void vt_check_exception_ring0(struct vt_result *r)
{
	bool ok = true;
	ok &= SITE(r, "ud2", vt_k_ud, 0, VEC_UD, 0, false, NULL);
	ok &= SITE(r, "int3", vt_k_int3, 0, VEC_BP, 0, true, NULL);
	ok &= SITE(r, "div0", vt_k_div0, 0, VEC_DE, 0, false, NULL);
	/* The error code of a segment-load #GP is the selector (index, TI). */
	ok &= SITE(r, "mov ds,0xfff8", vt_k_loadds, VT_BAD_SELECTOR, VEC_GP, VT_BAD_SELECTOR, false, NULL);
	if (vt_env_has_paging()) {
		/* Not present, supervisor: error code 0 (read) or W=1 (write). */
		ok &= SITE(r, "#PF read", vt_k_read, VT_UNMAPPED_ADDR, VEC_PF, 0, false, NULL);
		ok &= SITE(r, "#PF write", vt_k_write, VT_UNMAPPED_ADDR, VEC_PF, PF_WRITE, false, NULL);
	} else {
		vt_detail(r, "#PF not tested: no page tables of ours");
		ok = false;
	}
	r->pass = ok;
}

void vt_check_exception_ring3(struct vt_result *r)
{
	if (!vt_env_has_paging()) {
		vt_detail(r, "no user-accessible page tables");
		return;
	}
	/* The ring 3 code stores each resume address into vt_resume_rip
	 * itself (rdi), then faults; rsi is the address for the #PF. */
	uint64_t regs[15] = { 0 };
	regs[4] = VT_UNMAPPED_ADDR;
	regs[5] = (uint64_t)&vt_resume_rip;
	vt_nfaults = 0;
	vt_nint80 = 0;
	int rc = vt_user_enter(regs, (uint64_t)vt_user_faults, vt_env_user_stack_top());
	vt_resume_rip = 0;
	unsigned n = vt_nfaults;
	if (rc != 0) {
		char d[120];
		vt_describe_fault(d, sizeof(d), &vt_faults[n == 0 ? 0 : n <= VT_MAX_FAULTS ? n - 1 : VT_MAX_FAULTS - 1]);
		vt_detail(r, "ring 3 run cut short after %u exceptions (last: %s)", n, d);
		return;
	}
	const struct expect want[] = {
		{ "ring3 ud2", VEC_UD, 0, (uint64_t)vt_uf_ud, VT_UCODE, false, 0 },
		{ "ring3 hlt", VEC_GP, 0, (uint64_t)vt_uf_hlt, VT_UCODE, false, 0 },
		{ "ring3 mov ds,0xfff8", VEC_GP, VT_BAD_SELECTOR, (uint64_t)vt_uf_seg, VT_UCODE, false, 0 },
		{ "ring3 #PF read", VEC_PF, PF_USER, (uint64_t)vt_uf_pf, VT_UCODE, true, VT_UNMAPPED_ADDR },
	};
	unsigned nwant = sizeof(want) / sizeof(want[0]);
	bool ok = true;
	if (n != nwant) {
		vt_detail(r, "%u exceptions from ring 3, want %u", n, nwant);
		ok = false;
	}
	for (unsigned i = 0; i < nwant && i < n && i < VT_MAX_FAULTS; i++) {
		ok &= match(r, &want[i], 1, &vt_faults[i]);
		if (vt_faults[i].ss != VT_UDATA) {
			vt_detail(r, "%s: saved SS 0x%lx, want 0x%x", want[i].what, vt_faults[i].ss, VT_UDATA);
			ok = false;
		}
	}
	if (vt_nint80 != 1 || vt_int80_frame.cs != VT_UCODE) {
		vt_detail(r, "INT 0x80 back to ring 0: %u times, cs 0x%lx", vt_nint80, vt_int80_frame.cs);
		ok = false;
	}
	r->pass = ok;
}

void vt_check_ring3_roundtrip(struct vt_result *r)
{
	if (!vt_env_has_paging()) {
		vt_detail(r, "no user-accessible page tables");
		return;
	}
	const unsigned rounds = 1000;
	uint64_t top = vt_env_user_stack_top(), base = vt_user_counter;
	unsigned good = 0;
	for (unsigned i = 0; i < rounds; i++) {
		/* Distinct values per register and per round. */
		uint64_t in[15];
		for (unsigned k = 0; k < 15; k++)
			in[k] = (0x0123456789abcdefull * (k + 1)) ^ ((uint64_t)i << 40) ^ ((uint64_t)k << 4) ^ i;
		vt_nfaults = 0;
		vt_nint80 = 0;
		int rc = vt_user_enter(in, (uint64_t)vt_user_roundtrip, top);
		const struct vt_iframe *f = &vt_int80_frame;
		/* Ring 3 inverted every register: rax rbx rcx rdx rsi rdi rbp r8..r15. */
		const uint64_t out[15] = { f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->r8,
					   f->r9,  f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 };
		int bad_reg = -1;
		for (unsigned k = 0; k < 15 && bad_reg < 0; k++)
			if (out[k] != ~in[k])
				bad_reg = (int)k;
		if (rc != 0 || vt_nint80 != 1) {
			char d[120];
			vt_describe_fault(d, sizeof(d), &vt_faults[0]);
			vt_detail(r, "round %u: no INT 0x80 (%u exceptions, first: %s)", i, vt_nfaults, d);
			break;
		}
		if (bad_reg >= 0) {
			vt_detail(r, "round %u: register %d is 0x%lx, want 0x%lx", i, bad_reg, out[bad_reg],
				  ~in[bad_reg]);
			break;
		}
		if (f->cs != VT_UCODE || f->ss != VT_UDATA || f->rip != (uint64_t)vt_user_roundtrip_ret ||
		    f->rsp != top || (f->rflags & (1u << 9))) {
			vt_detail(r, "round %u: frame cs 0x%lx ss 0x%lx rip 0x%lx rsp 0x%lx rflags 0x%lx", i, f->cs,
				  f->ss, f->rip, f->rsp, f->rflags);
			break;
		}
		if (vt_user_counter != base + i + 1) {
			vt_detail(r, "round %u: ring 3 counter %lu, want %lu", i, vt_user_counter, base + i + 1);
			break;
		}
		good++;
	}
	r->pass = good == rounds;
	if (!r->pass)
		vt_detail(r, "%u of %u round trips good", good, rounds);
}

/* VMXON's operand: the physical address of a 4 KB aligned region (the
 * identity map makes our address the physical one). VMX with CR4.VMXE=0
 * raises #UD before the operand is read, so its content does not matter. */
static uint8_t vmx_region[4096] __attribute__((aligned(4096)));
static uint64_t vmx_region_pa;

void vt_check_vmx_ud(struct vt_result *r)
{
	vmx_region_pa = (uint64_t)vmx_region;
	bool ok = SITE(r, "vmxon", vt_k_vmxon, (uint64_t)&vmx_region_pa, VEC_UD, 0, false, NULL);
	if (vt_nfaults == 0) {
		/* VMXON worked: we are in VMX root operation; leave it. */
		vt_resume_rip = (uint64_t)vt_k_vmxoff_resume;
		vt_k_vmxoff(0);
		vt_resume_rip = 0;
		vt_detail(r, "VMXON succeeded (left with VMXOFF)");
	}
	ok &= SITE(r, "vmread", vt_k_vmread, 0, VEC_UD, 0, false, NULL);
	ok &= SITE(r, "vmptrld", vt_k_vmptrld, (uint64_t)&vmx_region_pa, VEC_UD, 0, false, NULL);
	r->pass = ok;
}

void vt_check_msr_gp(struct vt_result *r)
{
	uint64_t value = 0;
	bool rd = SITE(r, "rdmsr 0x12345678", vt_k_rdmsr, BAD_MSR, VEC_GP, 0, false, &value);
	if (!rd && vt_nfaults == 0)
		vt_detail(r, "rdmsr read 0x%lx", value);
	bool wr = SITE(r, "wrmsr 0x12345678", vt_k_wrmsr, BAD_MSR, VEC_GP, 0, false, NULL);
	r->pass = rd && wr;
}

/* A physical address far above RAM and 4 GB (where 64-bit BARs live on a
 * real PC): reading it must not fault, whatever the hypervisor's EPT built
 * at start-up (without 1 GB EPT pages it maps such regions on first access,
 * ept_violation.c). Half of the physical address space, 32 GB and up. */
void vt_check_high_physical(struct vt_result *r)
{
	unsigned maxphyaddr = cpuid(0x80000000).eax >= 0x80000008 ? (cpuid(0x80000008).eax & 0xff) : 36;
	uint64_t pa = 1ull << (maxphyaddr - 1);
	uint64_t linear = vt_env_map_high(pa + 0x1000);
	vt_nfaults = 0;
	vt_resume_rip = (uint64_t)vt_k_read_resume;
	uint64_t value = vt_k_read(linear);
	vt_resume_rip = 0;
	r->pass = vt_nfaults == 0;
	if (r->pass) {
		vt_detail(r, "read 0x%lx at physical 0x%lx", value, pa + 0x1000);
	} else {
		char d[120];
		vt_describe_fault(d, sizeof(d), &vt_faults[0]);
		vt_detail(r, "reading physical 0x%lx faulted: %s", pa + 0x1000, d);
	}
}
