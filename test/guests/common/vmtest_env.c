/* vmtest.efi: the private test environment for the exception and ring 3
 * checks. OVMF's own GDT has no ring 3 segments, its IDT's handlers print
 * a dump and hang, and its page tables are supervisor-only, so these checks
 * run on our own GDT (ring 0/3 code and data, a TSS for the ring 3 -> 0
 * stack switch), IDT (recording handlers, vmtest_asm.asm) and identity map
 * of the first 4 GB with U/S=1. Everything the firmware had is saved on
 * entry and put back on exit, with interrupts off in between, so the
 * firmware (timer interrupts, boot services) works normally afterwards. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/fmt.h"
#include "vmtest.h"
#include "emulator_exit.h"

#include <hv/cpu.h>

#define RFLAGS_IF (1ull << 9)
#define CR4_PGE (1ull << 7)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_PS 0x80ull
#define FOUR_GB 0x100000000ull

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct gate {
	uint16_t off0, sel;
	uint8_t ist, attr;
	uint16_t off1;
	uint32_t off2, zero;
};

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2, reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

/* Everything of the firmware's that the environment changes. */
struct fw_state {
	struct dtr gdtr, idtr;
	uint64_t cr3, cr4, rflags, fs_base, gs_base;
	uint16_t cs, ss, ds, es, fs, gs, tr;
};

/* null, kernel code/data, user data/code (the order SYSRET would want),
 * and the 16-byte TSS descriptor. */
static uint64_t gdt[7] __attribute__((aligned(16)));
static struct gate idt[256] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));
static uint64_t pt_root; /* 0: no page tables of ours */
static EFI_PHYSICAL_ADDRESS pt_base;
static UINTN pt_pages;
static EFI_BOOT_SERVICES *env_bs;
static volatile bool env_guarded; /* inside vt_try: abort instead of fatal */
static unsigned dispatch_depth;
/* The firmware's TR before our first LTR: after it, STR shows ours. */
static uint16_t fw_tr;

volatile uint64_t vt_resume_rip;
struct vt_fault vt_faults[VT_MAX_FAULTS];
volatile unsigned vt_nfaults;
struct vt_iframe vt_int80_frame;
volatile unsigned vt_nint80;

void vt_detail(struct vt_result *r, const char *fmt, ...)
{
	/* Appends, so a check that goes on after a failure reports them all. */
	size_t n = 0;
	while (n < sizeof(r->detail) && r->detail[n])
		n++;
	if (n >= sizeof(r->detail) - 3)
		return;
	if (n) {
		r->detail[n++] = ';';
		r->detail[n++] = ' ';
	}
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(r->detail + n, sizeof(r->detail) - n, fmt, ap);
	va_end(ap);
}

void vt_describe_fault(char *buf, size_t n, const struct vt_fault *f)
{
	fmt_format(buf, n, "vector %lu error 0x%lx rip 0x%lx cs 0x%lx cr2 0x%lx", f->vector, f->error,
		   f->rip, f->cs, f->cr2);
}

static void set_gate(unsigned v, void *handler, unsigned dpl)
{
	uint64_t a = (uint64_t)handler;
	idt[v] = (struct gate){ .off0 = (uint16_t)a, .sel = VT_KCODE, .attr = (uint8_t)(0x8e | dpl << 5),
				.off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32) };
}

bool vt_env_has_paging(void) { return pt_root != 0; }

static uint64_t *high_pd;

uint64_t vt_env_map_high(uint64_t pa)
{
	high_pd[0] = (pa & ~((1ull << 21) - 1)) | PTE_P | PTE_RW | PTE_PS;
	__asm__ volatile("invlpg (%0)" ::"r"(VT_HIGH_LINEAR) : "memory");
	return VT_HIGH_LINEAR | (pa & ((1ull << 21) - 1));
}
uint64_t vt_env_user_stack_top(void) { return (uint64_t)(user_stack + sizeof(user_stack)); }

bool vt_env_init(void *boot_services, char *why, size_t why_len)
{
	env_bs = boot_services;
	why[0] = 0;
	__asm__ volatile("str %0" : "=m"(fw_tr));
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* kernel code: 64-bit, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* kernel data */
	gdt[3] = 0x00cff2000000ffffull; /* user data: DPL 3 */
	gdt[4] = 0x00affa000000ffffull; /* user code: 64-bit, DPL 3 */
	uint64_t t = (uint64_t)&tss;
	gdt[5] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 | 0x89ull << 40 | (t >> 24 & 0xff) << 56;
	gdt[6] = t >> 32;
	tss.rsp0 = (uint64_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 port I/O faults */
	/* Every exception vector gets a handler, so nothing unexpected can
	 * become a double or triple fault; #BP and INT 0x80 may come from ring 3. */
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, vt_isr_stubs + 16 * v, v == 3 ? 3 : 0);
	set_gate(0x80, vt_int80_stub, 3);

	/* Identity map of 0-4 GB in 2 MB pages, all user-accessible and
	 * writable. With 5-level paging on (LA57 cannot change while paging is
	 * on) one more level on top. */
	bool la57 = read_cr4() & CR4_LA57;
	pt_pages = la57 ? 9 : 8; /* PML4, PDPT, 4 PDs, the high PDPT and PD, the PML5 */
	pt_base = FOUR_GB - 1;
	EFI_STATUS st = uefi_call_wrapper(env_bs->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					  pt_pages, &pt_base);
	if (EFI_ERROR(st)) {
		fmt_format(why, why_len, "AllocatePages for page tables failed (0x%lx)", (uint64_t)st);
		pt_pages = 0;
		return false;
	}
	uint64_t *p = (uint64_t *)pt_base;
	for (uint64_t i = 0; i < pt_pages * 512; i++)
		p[i] = 0;
	uint64_t *pml4 = p, *pdpt = p + 512, *pd = p + 1024;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = i << 21 | PTE_P | PTE_RW | PTE_US | PTE_PS;
	for (uint64_t j = 0; j < 4; j++)
		pdpt[j] = (uint64_t)(pd + 512 * j) | PTE_P | PTE_RW | PTE_US;
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_RW | PTE_US;
	/* 512 GB up: one 2 MB page, placed by vt_env_map_high. */
	high_pd = p + 7 * 512;
	pml4[1] = (uint64_t)(p + 6 * 512) | PTE_P | PTE_RW | PTE_US;
	p[6 * 512] = (uint64_t)high_pd | PTE_P | PTE_RW | PTE_US;
	uint64_t root = (uint64_t)pml4;
	if (la57) {
		p[8 * 512] = root | PTE_P | PTE_RW | PTE_US;
		root = (uint64_t)(p + 8 * 512);
	}
	/* Our code, data and stack must be inside the map we switch to. */
	uint64_t here = (uint64_t)&vt_env_init, data = (uint64_t)&tss, stack = (uint64_t)__builtin_frame_address(0);
	if (here >= FOUR_GB || data >= FOUR_GB || stack >= FOUR_GB) {
		fmt_format(why, why_len, "image or stack above 4 GB (code 0x%lx stack 0x%lx)", here, stack);
		return false;
	}
	pt_root = root;
	return true;
}

void vt_env_fini(void)
{
	if (pt_pages)
		uefi_call_wrapper(env_bs->FreePages, 2, pt_base, pt_pages);
	pt_root = 0;
	pt_pages = 0;
}

static void load_segments(uint16_t cs, uint16_t ss, uint16_t ds, uint16_t es)
{
	/* CS changes only through a far transfer: a far return to the next
	 * instruction. No red zone (-mno-red-zone), so pushing here is safe. */
	__asm__ volatile("pushq %q0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ss\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w3, %%es"
			 :
			 : "r"((uint64_t)cs), "r"(ss), "r"(ds), "r"(es)
			 : "rax", "memory");
}

static void snapshot(struct fw_state *s)
{
	__asm__ volatile("pushfq; popq %0" : "=r"(s->rflags));
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(s->gdtr), "=m"(s->idtr), "=m"(s->tr));
	__asm__ volatile("movw %%cs, %0; movw %%ss, %1; movw %%ds, %2" : "=m"(s->cs), "=m"(s->ss), "=m"(s->ds));
	__asm__ volatile("movw %%es, %0; movw %%fs, %1; movw %%gs, %2" : "=m"(s->es), "=m"(s->fs), "=m"(s->gs));
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
}

static void env_enter(struct fw_state *s)
{
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(rflags)::"memory");
	snapshot(s);
	s->rflags = rflags; /* as it was before CLI */
	/* IRETQ to ring 3 nulls FS/GS (their DPL is 0), which can clear their
	 * bases: keep the bases to put back. */
	s->fs_base = rdmsr(MSR_FS_BASE);
	s->gs_base = rdmsr(MSR_GS_BASE);
	/* GDT before IDT: our gates name our code selector. */
	struct dtr g = { sizeof(gdt) - 1, (uint64_t)gdt };
	gdt[5] &= ~(2ull << 40); /* LTR marks the TSS busy: make it available again */
	__asm__ volatile("lgdt %0" ::"m"(g) : "memory");
	load_segments(VT_KCODE, VT_KDATA, VT_KDATA, VT_KDATA);
	__asm__ volatile("ltr %w0" ::"r"((uint16_t)VT_TSS) : "memory");
	struct dtr i = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(i) : "memory");
	/* All our pages are user pages: SMEP/SMAP would fault ring 0 on them.
	 * Clearing PGE also flushes global translations made under the
	 * firmware's (supervisor-only) tables. */
	uint64_t cr4 = s->cr4 & ~(CR4_SMEP | CR4_SMAP | CR4_PGE);
	if (cr4 != s->cr4)
		write_cr4(cr4);
	if (pt_root)
		write_cr3(pt_root);
}

static void env_leave(const struct fw_state *s)
{
	struct dtr g = s->gdtr, i = s->idtr;
	__asm__ volatile("lgdt %0" ::"m"(g) : "memory");
	load_segments(s->cs, s->ss, s->ds, s->es);
	__asm__ volatile("movw %0, %%fs; movw %1, %%gs" ::"r"(s->fs), "r"(s->gs) : "memory");
	wrmsr(MSR_FS_BASE, s->fs_base);
	wrmsr(MSR_GS_BASE, s->gs_base);
	if (fw_tr) {
		/* Reloading the firmware's TSS needs its descriptor available
		 * (type 9), not busy (type 11). Done under our writable map.
		 * Only a present 64-bit TSS descriptor: LTR of anything else faults. */
		uint8_t *d = (uint8_t *)(s->gdtr.base + (fw_tr & ~7u));
		if ((fw_tr & ~7u) + 15u <= s->gdtr.limit && (d[5] & 0x9d) == 0x89) {
			d[5] &= (uint8_t)~2u;
			__asm__ volatile("ltr %w0" ::"r"(fw_tr) : "memory");
		}
	}
	/* (With no firmware TR, ours stays loaded; it lives in our image.) */
	__asm__ volatile("lidt %0" ::"m"(i) : "memory");
	if (pt_root)
		write_cr3(s->cr3);
	if (read_cr4() != s->cr4)
		write_cr4(s->cr4);
	if (s->rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

struct env_call {
	void (*fn)(struct vt_result *);
	struct vt_result *r;
};

static void env_trampoline(void *arg)
{
	struct env_call *c = arg;
	c->fn(c->r);
}

void vt_env_run(void (*fn)(struct vt_result *), struct vt_result *r)
{
	struct fw_state before, after;
	struct env_call call = { fn, r };
	r->pass = false;
	r->detail[0] = 0;
	vt_nfaults = 0;
	vt_resume_rip = 0;
	env_enter(&before);
	env_guarded = true;
	int aborted = vt_try(env_trampoline, &call);
	env_guarded = false;
	vt_resume_rip = 0;
	env_leave(&before);
	if (aborted) {
		char d[120];
		unsigned n = vt_nfaults;
		vt_describe_fault(d, sizeof(d), &vt_faults[n == 0 ? 0 : n <= VT_MAX_FAULTS ? n - 1 : VT_MAX_FAULTS - 1]);
		r->pass = false;
		vt_detail(r, "unexpected exception (%s)", d);
	}
	snapshot(&after);
	if (after.gdtr.base != before.gdtr.base || after.gdtr.limit != before.gdtr.limit ||
	    after.idtr.base != before.idtr.base || after.idtr.limit != before.idtr.limit ||
	    after.cr3 != before.cr3 || after.cr4 != before.cr4 || after.cs != before.cs ||
	    after.ss != before.ss || ((after.rflags ^ before.rflags) & RFLAGS_IF)) {
		r->pass = false;
		vt_detail(r, "firmware state not restored (cr3 0x%lx->0x%lx cr4 0x%lx->0x%lx)", before.cr3,
			  after.cr3, before.cr4, after.cr4);
	}
}

/* Called by every exception stub. Records the exception; resumes at
 * vt_resume_rip when a check set one (returns 0: IRETQ), else, inside
 * vt_try, returns 1 so the stub abandons the check; else stops the run. */
int vt_exc_dispatch(struct vt_iframe *f)
{
	if (dispatch_depth++) {
		/* A fault in here: no printing, it may fault again. */
		emulator_exit(1);
		cpu_halt_forever();
	}
	unsigned n = vt_nfaults;
	struct vt_fault *rec = &vt_faults[n < VT_MAX_FAULTS ? n : VT_MAX_FAULTS - 1];
	uint64_t cr2 = 0;
	if (f->vector == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	*rec = (struct vt_fault){ f->vector, f->error, f->rip, f->cs, f->ss, f->rsp, cr2 };
	vt_nfaults = n + 1;
	int ret;
	if (vt_resume_rip) {
		f->rip = vt_resume_rip;
		vt_resume_rip = 0;
		ret = 0;
	} else if (env_guarded) {
		ret = 1;
	} else {
		char d[160], e[120];
		vt_describe_fault(e, sizeof(e), rec);
		fmt_format(d, sizeof(d), "exception outside any check: %s", e);
		vt_fatal(d);
	}
	dispatch_depth--;
	return ret;
}

void vt_int80_record(struct vt_iframe *f)
{
	vt_int80_frame = *f;
	vt_nint80++;
}
