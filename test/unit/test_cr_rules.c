/* CR0/CR4 writes as the processor takes them (hv/exits/cr_rules.c; SDM
 * Vol. 2B MOV CRn, Vol. 3A §10.8.5). */
#include "hv/exits/cr_rules.h"
#include "unit.h"

#define BIT(n) (1ull << (n))
#define PE BIT(0)
#define TS BIT(3)
#define NE BIT(5)
#define WP BIT(16)
#define NW BIT(29)
#define CD BIT(30)
#define PG BIT(31)
#define PAE BIT(5)
#define PGE BIT(7)
#define VMXE BIT(13)
#define SMXE BIT(14)
#define PCIDE BIT(17)
#define CET BIT(23)
#define LME BIT(8)
#define LMA BIT(10)
#define IA32E (1u << 9)

static const struct vmx_msr_snapshot msrs = {
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff, .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3767ff | CET,
};

/* A 64-bit guest as OVMF runs: the CR0 mask owns PE, NE, PG fixed bits
 * (less PE/PG with unrestricted guest), CR4 owns VMXE and what FIXED1 lacks. */
static struct guest_cr long_mode(void)
{
	struct guest_cr g = { 0 };
	g.cr0_shadow = PG | WP | NE | BIT(4) | BIT(1) | PE;
	g.cr0_mask = NE;
	g.cr0 = g.cr0_shadow;
	g.cr4_shadow = PAE | BIT(9) | BIT(10);
	g.cr4 = g.cr4_shadow | VMXE;
	g.cr3 = 0x7fc01000;
	g.efer = LME | LMA | BIT(11);
	g.entry_controls = IA32E | BIT(2) | BIT(14) | BIT(15);
	g.cs_access_rights = 0xa09b; /* 64-bit code */
	return g;
}

int main(void)
{
	unsigned fx;
	struct guest_cr g = long_mode(), before = g;
	/* #GP: high bits, PG without PE, NW without CD; nothing changes. */
	CHECK(!cr0_write(&g, &msrs, true, BIT(32) | g.cr0_shadow, &fx));
	CHECK(!cr0_write(&g, &msrs, true, PG | NE, &fx));
	CHECK(!cr0_write(&g, &msrs, true, g.cr0_shadow | NW, &fx));
	CHECK(!memcmp(&g, &before, sizeof(g)));
	/* Clearing PG in 64-bit mode: #GP (found by the guest fuzzer). */
	CHECK(!cr0_write(&g, &msrs, true, g.cr0_shadow & ~PG, &fx));
	/* In compatibility mode: IA-32e mode is left, LMA and the entry
	 * control follow, the TLB is flushed. */
	g.cs_access_rights = 0xc09b;
	CHECK(cr0_write(&g, &msrs, true, before.cr0_shadow & ~PG, &fx));
	CHECK(!(g.efer & LMA) && (g.efer & LME) && !(g.entry_controls & IA32E));
	CHECK_EQ_U64(g.cr0 & PG, 0); /* unrestricted guest: PG really off */
	CHECK_EQ_U64(fx, CR_FLUSH_TLB);
	/* Without unrestricted guest the real CR0 keeps PE/PG (fixed). */
	struct guest_cr r = g;
	CHECK(cr0_write(&r, &msrs, false, NE | PE, &fx));
	CHECK((r.cr0 & PG) && r.cr0_shadow == (NE | PE));
	/* Paging back on with LME: needs PAE, then LMA again. */
	struct guest_cr n = g;
	n.cr4_shadow &= ~PAE;
	CHECK(!cr0_write(&n, &msrs, true, before.cr0_shadow, &fx));
	CHECK(cr0_write(&g, &msrs, true, before.cr0_shadow, &fx));
	CHECK((g.efer & LMA) && (g.entry_controls & IA32E));
	/* CD/NW: the real CR0 must follow (VM entry does not load them). */
	CHECK(cr0_write(&g, &msrs, true, g.cr0_shadow | CD, &fx));
	CHECK_EQ_U64(fx, CR_CACHE_MODE | CR_FLUSH_TLB);
	CHECK(cr0_write(&g, &msrs, true, g.cr0_shadow | TS, &fx));
	CHECK_EQ_U64(fx, 0);
	/* WP cleared while CR4.CET=1: #GP. */
	g.cr4 |= CET;
	CHECK(!cr0_write(&g, &msrs, true, g.cr0_shadow & ~WP, &fx));
	g = long_mode();
	/* The view: owned bits from the shadow, the rest from CR0. */
	g.cr0 |= TS;
	g.cr0_shadow &= ~NE;
	CHECK_EQ_U64(guest_cr0_view(&g), (before.cr0_shadow | TS) & ~NE);

	/* CR4: VMXE and SMXE reserved, unsupported bits, PAE in IA-32e mode,
	 * PCIDE with CR3[11:0] != 0 or outside IA-32e mode. */
	g = long_mode();
	CHECK(!cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | VMXE, &fx));
	CHECK(!cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | SMXE, &fx));
	CHECK(!cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | BIT(25), &fx));
	CHECK(!cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow & ~PAE, &fx));
	g.cr3 |= 5;
	CHECK(!cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | PCIDE, &fx));
	g.cr3 &= ~0xfffull;
	CHECK(cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | PCIDE, &fx));
	CHECK_EQ_U64(fx, CR_FLUSH_TLB);
	CHECK_EQ_U64(g.cr4, g.cr4_shadow | VMXE);
	CHECK(cr4_write(&g, &msrs, VMXE | SMXE, g.cr4_shadow | BIT(8), &fx)); /* PCE: no flush */
	CHECK_EQ_U64(fx, 0);
	struct guest_cr p = long_mode();
	p.entry_controls &= ~IA32E;
	CHECK(!cr4_write(&p, &msrs, VMXE | SMXE, p.cr4_shadow | PCIDE, &fx));
	CHECK(cr4_write(&p, &msrs, VMXE | SMXE, p.cr4_shadow & ~PAE, &fx)); /* legal outside IA-32e */
	return unit_finish("test_cr_rules");
}
