/* fuzz.efi: random MOV to CR0, CR3, CR4 and XSETBV at CPL 0, in 64-bit mode
 * (SDM Vol. 2B MOV—Move to/from Control Registers, Vol. 3A §2.5, Vol. 2D
 * XSETBV). Writes that must fault are executed as they are; writes that
 * must succeed change only bits that nothing can notice while the asm site
 * reads the register back and puts the old value back (two instructions). */
#include "../../../hv/lib/fmt.h"
#include "fuzz.h"

#include <hv/cpu.h>

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
/* Bits 31:0 that exist; the others are reserved, and writes to them are
 * ignored rather than faulting (only bits 63:32 fault). ET is fixed at 1
 * on every processor since the P6 (SDM Vol. 3A §2.5). */
#define CR0_DEFINED 0xe005003full

#define CR4_VME (1ull << 0)
#define CR4_PVI (1ull << 1)
#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCE (1ull << 8)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_LA57 (1ull << 12)
#define CR4_VMXE (1ull << 13)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMAP (1ull << 21)
#define CR4_CET (1ull << 23)
/* Bits that may change for two instructions with nothing noticing (no
 * data access, no ring 3, no TSC read, ...). Not SMEP: all our pages are
 * user pages, so the next fetch would fault. */
#define CR4_HARMLESS (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSXMMEXCPT | CR4_UMIP | \
		      CR4_FSGSBASE | CR4_SMAP)

/* Random nonzero subset of mask (0 if mask is 0). */
static uint64_t some_of(uint64_t mask)
{
	if (!mask)
		return 0;
	for (;;) {
		uint64_t v = fz_rand() & mask;
		if (fz_chance(50))
			v &= fz_rand(); /* fewer bits, now and then */
		if (v)
			return v;
	}
}

void fz_op_cr0(void)
{
	uint64_t cur = read_cr0(), cr4 = read_cr4();
	uint64_t v = cur ^ (fz_rand() & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM));
	/* Caching: CD and NW both, CD alone, or neither. */
	switch (fz_below(4)) {
	case 0: v |= CR0_CD | CR0_NW; break;
	case 1: v = (v | CR0_CD) & ~CR0_NW; break;
	case 2: v &= ~(CR0_CD | CR0_NW); break;
	default: break;
	}
	const char *how = "harmless bits";
	switch (fz_below(8)) {
	case 0: v |= some_of(~0ull << 32); how = "bits 63:32"; break;
	case 1: v &= ~CR0_PE; how = "PE=0 with PG=1"; break;
	case 2: v &= ~CR0_PG; how = "PG=0 in 64-bit mode"; break;
	case 3: v = (v | CR0_NW) & ~CR0_CD; how = "NW=1 with CD=0"; break;
	case 4: v |= some_of(~CR0_DEFINED & 0xffffffffull); how = "reserved bits 31:0"; break;
	case 5: v &= ~CR0_ET; how = "ET=0"; break;
	case 6: v = fz_rand() >> (fz_below(2) ? 32 : 0); how = "random"; break;
	default: break;
	}
	/* #GP: bits 63:32; PG without PE; NW without CD; clearing PG in
	 * 64-bit mode; clearing WP with CR4.CET=1 (SDM Vol. 2B MOV CRn). */
	bool gp = (v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)) || !(v & CR0_PG) ||
		  ((cr4 & CR4_CET) && !(v & CR0_WP));
	if (!gp && ((v ^ cur) & CR0_DEFINED & ~(CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_CD |
						 CR0_NW)))
		v = cur; /* a random value that would change PE/PG: not applied */
	struct fz_regs r = { v, 0, 0, cur, 0, 0 };
	fz_count(FZ_CR0);
	struct fz_out o = FZ_RUN0(fz_wcr0, &r);
	if (!fz_check(FZ_CR0, 0, &o, gp ? FZ_GP : FZ_NONE, 0, fz_wcr0_site, "mov cr0 <- 0x%lx (%s; CR0 was 0x%lx)",
		      v, how, cur))
		return;
	uint64_t back = (v | CR0_ET) & CR0_DEFINED;
	if (!gp && r.rbx != back)
		fz_mismatch(FZ_CR0, 0, "mov cr0 <- 0x%lx (%s): reads back 0x%lx, want 0x%lx", v, how, r.rbx, back);
	if (read_cr0() != cur)
		fz_mismatch(FZ_CR0, 0, "mov cr0 <- 0x%lx (%s): CR0 now 0x%lx, was 0x%lx", v, how, read_cr0(), cur);
}

void fz_op_cr3(void)
{
	uint64_t cur = read_cr3(), v = cur;
	bool gp = false, check_back = true;
	/* Bits from MAXPHYADDR up are reserved; not 63:61 (bit 63 means
	 * no-flush with PCIDE, 62:61 are LAM's on processors with LAM). */
	uint64_t reserved = fz_cpu.maxphyaddr < 61 ? (~0ull << fz_cpu.maxphyaddr) & ((1ull << 61) - 1) : 0;
	switch (fz_below(3)) {
	case 0:
		if (reserved) {
			v |= some_of(reserved);
			gp = true;
		}
		break;
	case 1:
		v ^= fz_rand() & 0x18; /* PWT, PCD: only the memory type of the PML4 access */
		break;
	default:
		/* With CR4.PCIDE=0, bits 2:0 and 11:5 are ignored. */
		if (!(read_cr4() & CR4_PCIDE)) {
			v |= fz_rand() & 0xfe7;
			check_back = false;
		}
		break;
	}
	v ^= gp ? fz_rand() & 0x18 : 0;
	struct fz_regs r = { v, 0, 0, cur, 0, 0 };
	fz_count(FZ_CR3);
	struct fz_out o = FZ_RUN0(fz_wcr3, &r);
	if (!fz_check(FZ_CR3, 0, &o, gp ? FZ_GP : FZ_NONE, 0, fz_wcr3_site, "mov cr3 <- 0x%lx (CR3 was 0x%lx)", v,
		      cur))
		return;
	if (!gp && check_back && r.rbx != v)
		fz_mismatch(FZ_CR3, 0, "mov cr3 <- 0x%lx: reads back 0x%lx", v, r.rbx);
	if (read_cr3() != cur)
		fz_mismatch(FZ_CR3, 0, "mov cr3 <- 0x%lx: CR3 now 0x%lx, was 0x%lx", v, read_cr3(), cur);
}

static bool cr4_faults(uint64_t v, uint64_t cur, uint64_t cr3)
{
	/* SDM Vol. 2B MOV CRn, 64-bit mode: reserved bits (VMXE among them:
	 * CPUID says there is no VMX); clearing PAE in IA-32e mode; changing
	 * LA57 in IA-32e mode; PCIDE 0 -> 1 with CR3[11:0] != 0; CET with
	 * CR0.WP=0. */
	return (v & ~fz_cpu.cr4_supported) || !(v & CR4_PAE) || ((v ^ cur) & CR4_LA57) ||
	       ((v & CR4_PCIDE) && !(cur & CR4_PCIDE) && (cr3 & 0xfff)) || ((v & CR4_CET) && !(read_cr0() & CR0_WP));
}

void fz_op_cr4(void)
{
	uint64_t cur = read_cr4(), cr3 = read_cr3(), cr3_used = cr3;
	uint64_t harmless = CR4_HARMLESS & fz_cpu.cr4_supported;
	uint64_t v = cur ^ (fz_rand() & harmless);
	const char *how = "harmless bits";
	switch (fz_below(8)) {
	case 0: v |= some_of(~fz_cpu.cr4_supported); how = "reserved bits"; break;
	case 1: v |= CR4_VMXE; how = "VMXE"; break;
	case 2: v &= ~CR4_PAE; how = "PAE=0 in IA-32e mode"; break;
	case 3: v ^= CR4_LA57; how = "LA57 changed in IA-32e mode"; break;
	case 4:
		if (fz_cpu.pcid && !(cur & CR4_PCIDE)) {
			/* PCIDE 0 -> 1 with a nonzero PCID field: #GP. */
			cr3_used = cr3 | 0x8;
			v |= CR4_PCIDE;
			how = "PCIDE=1 with CR3[11:0] != 0";
		}
		break;
	case 5:
		if (fz_cpu.pcid && !(cr3 & 0xfff)) {
			v ^= CR4_PCIDE;
			how = "PCIDE toggled";
		}
		break;
	case 6: v = fz_rand() >> (fz_below(2) ? 32 : 0); how = "random"; break;
	default: break;
	}
	bool gp = cr4_faults(v, cur, cr3_used);
	if (!gp && ((v ^ cur) & ~(harmless | CR4_PCIDE)))
		v = cur; /* a random value that would change more: not applied */
	struct fz_regs r = { v, 0, 0, cur, 0, 0 };
	fz_count(FZ_CR4);
	if (cr3_used != cr3)
		write_cr3(cr3_used);
	struct fz_out o = FZ_RUN0(fz_wcr4, &r);
	if (cr3_used != cr3)
		write_cr3(cr3);
	if (!fz_check(FZ_CR4, 0, &o, gp ? FZ_GP : FZ_NONE, 0, fz_wcr4_site, "mov cr4 <- 0x%lx (%s; CR4 was 0x%lx)",
		      v, how, cur))
		return;
	if (!gp && r.rbx != v)
		fz_mismatch(FZ_CR4, 0, "mov cr4 <- 0x%lx (%s): reads back 0x%lx", v, how, r.rbx);
	if (read_cr4() != cur)
		fz_mismatch(FZ_CR4, 0, "mov cr4 <- 0x%lx (%s): CR4 now 0x%lx, was 0x%lx", v, how, read_cr4(), cur);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* SDM Vol. 2D XSETBV, exceptions: ECX != 0; a bit CPUID.(EAX=0DH,ECX=0)
 * does not report; bit 0 clear; AVX without SSE; BNDREGS != BNDCSR;
 * AVX-512 state partly set or without AVX; XTILECFG != XTILEDATA. */
static bool xsetbv_faults(uint32_t ecx, uint64_t v)
{
	return ecx != 0 || (v & ~fz_cpu.xcr0_supported) || !(v & 1) || ((v & 4) && !(v & 2)) ||
	       (((v >> 3) ^ (v >> 4)) & 1) || ((v & 0xe0) && ((v & 0xe0) != 0xe0 || !(v & 4))) ||
	       (((v >> 17) ^ (v >> 18)) & 1);
}

void fz_op_xsetbv(void)
{
	uint64_t sup = fz_cpu.xcr0_supported, v;
	switch (fz_below(4)) {
	case 0: v = (fz_rand() & sup) | 1; break;
	case 1: v = (fz_rand() & sup) | 1 | some_of(~sup); break;
	case 2: v = fz_rand() & sup & ~1ull; break;
	default: v = fz_rand() >> (fz_below(2) ? 40 : 0); break;
	}
	/* Valid combinations are rare at random: make some by the rules. */
	if (fz_chance(40)) {
		v |= 1;
		if (v & 4)
			v |= 2;
		if ((v & 0x18) && (sup & 0x18) == 0x18)
			v |= 0x18;
		if ((v & 0xe0) && (sup & 0xe0) == 0xe0)
			v |= 0xe4 | 2;
		if ((v & (3ull << 17)) && ((sup >> 17) & 3) == 3)
			v |= 3ull << 17;
	}
	uint32_t ecx = fz_chance(15) ? (uint32_t)(fz_rand() | 1) : 0;
	bool gp = xsetbv_faults(ecx, v);
	/* Without CR4.OSXSAVE XSETBV is #UD (and we cannot restore XCR0). */
	unsigned want = !fz_cpu.xsave ? FZ_UD : gp ? FZ_GP : FZ_NONE;
	uint64_t old = fz_cpu.xsave ? xgetbv0() : 0;
	/* Only ECX and EDX:EAX count: the upper halves are ignored. */
	struct fz_regs r = { (uint32_t)v | fz_rand() << 32, 0, ecx | fz_rand() << 32, v >> 32 | fz_rand() << 32, old,
			     0 };
	fz_count(FZ_XSETBV);
	struct fz_out o = FZ_RUN0(fz_xsetbv, &r);
	if (!fz_check(FZ_XSETBV, 0, &o, want, 0, fz_xsetbv_site, "xsetbv ecx=0x%x <- 0x%lx (supported 0x%lx)", ecx, v,
		      sup))
		return;
	if (want == FZ_NONE && r.rbx != v)
		fz_mismatch(FZ_XSETBV, 0, "xsetbv 0x%lx: XCR0 reads back 0x%lx", v, r.rbx);
	if (fz_cpu.xsave && xgetbv0() != old)
		fz_mismatch(FZ_XSETBV, 0, "xsetbv 0x%lx: XCR0 now 0x%lx, was 0x%lx", v, xgetbv0(), old);
}
