/* MTRR resolver (SDM Vol. 3A §12.11): one case per rule, fixtures of a
 * typical PC and of OVMF/Bochs, and one case for each bug the anchor
 * projects had (wrong default type, fixed-range indexing, SMRR read as a
 * variable MTRR). */
#include <time.h>

#include "hv/ept/mtrr.h"
#include "unit.h"

#define KB(x) ((uint64_t)(x) << 10)
#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

#define CAP_FIX  (1ull << 8)
#define CAP_WC   (1ull << 10)
#define CAP_SMRR (1ull << 11)
#define DEF_FE   (1ull << 10)
#define DEF_E    (1ull << 11)
#define MASK_V   (1ull << 11)

static uint64_t fixed_all(uint8_t t)
{
	return 0x0101010101010101ull * t;
}

/* PHYSMASK for a naturally aligned power-of-two size under maxphyaddr bits. */
static uint64_t var_mask(uint64_t size, unsigned maxphyaddr)
{
	return (((1ull << maxphyaddr) - 1) & ~(size - 1)) | MASK_V;
}

static void set_var(struct mtrr_snapshot *m, unsigned n, uint64_t base, uint64_t size, uint8_t type)
{
	m->var_base[n] = base | type;
	m->var_mask[n] = var_mask(size, m->maxphyaddr);
}

/* (a) A typical PC: default UC, WB 0-2 GB and 4-8 GB, fixed WB below
 * 0xA0000, UC for the legacy VGA window 0xA0000-0xBFFFF, WP for the option
 * ROMs / BIOS 0xC0000-0xFFFFF. 10 variable MTRRs, SMRR present. */
static struct mtrr_snapshot typical_pc(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 39;
	m.mtrrcap = 10 | CAP_FIX | CAP_WC | CAP_SMRR;
	m.def_type = DEF_E | DEF_FE | MEM_UC;
	m.fixed[0] = fixed_all(MEM_WB);
	m.fixed[1] = fixed_all(MEM_WB);
	m.fixed[2] = fixed_all(MEM_UC);
	for (int i = 3; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WP);
	set_var(&m, 0, 0, GB(2), MEM_WB);
	set_var(&m, 1, GB(4), GB(4), MEM_WB);
	return m;
}

/* (b) OVMF on QEMU / Bochs: default WB, one UC range for the 32-bit PCI
 * hole at 3 GB, size 1 GB. */
static struct mtrr_snapshot ovmf_like(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 40;
	m.mtrrcap = 8 | CAP_FIX | CAP_WC;
	m.def_type = DEF_E | DEF_FE | MEM_WB;
	for (int i = 0; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WB);
	m.fixed[2] = fixed_all(MEM_UC);
	set_var(&m, 0, GB(3), GB(1), MEM_UC);
	return m;
}

static int range(const struct mtrr_snapshot *m, uint64_t base, uint64_t size)
{
	uint8_t t = 0xff;
	return mtrr_range_type(m, base, size, &t) ? t : -1;
}

static void test_typical_pc(void)
{
	struct mtrr_snapshot m = typical_pc();
	/* Fixed ranges decide the first MB (SDM Vol. 3A §12.11.4.1 step 1). */
	CHECK_EQ_U64(mtrr_type(&m, 0), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0x9f000), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0xa0000), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, 0xbffff), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, 0xc0000), MEM_WP);
	CHECK_EQ_U64(mtrr_type(&m, 0xfffff), MEM_WP);
	/* Above 1 MB: variable ranges, then the default. */
	CHECK_EQ_U64(mtrr_type(&m, MB(1)), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(2) - 1), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(2)), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(4) - 1), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(4)), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(8) - 1), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(8)), MEM_UC);
	/* Ranges. */
	CHECK_EQ_U64(range(&m, 0, 0xa0000), MEM_WB);
	CHECK_EQ_U64(range(&m, 0xa0000, 0x20000), MEM_UC);
	CHECK_EQ_U64(range(&m, 0xc0000, 0x40000), MEM_WP);
	CHECK_EQ_U64(range(&m, 0, MB(1)), -1);
	CHECK_EQ_U64(range(&m, 0x9f000, KB(8)), -1);    /* WB | UC at 0xA0000 */
	CHECK_EQ_U64(range(&m, 0xff000, KB(8)), -1);    /* fixed WP | variable WB */
	CHECK_EQ_U64(range(&m, 0, GB(1)), -1);
	CHECK_EQ_U64(range(&m, MB(1), GB(2) - MB(1)), MEM_WB);
	CHECK_EQ_U64(range(&m, MB(2), MB(2)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(1), GB(1)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(2), GB(2)), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(1), GB(2)), -1);
	CHECK_EQ_U64(range(&m, GB(2) - KB(4), KB(8)), -1);
	CHECK_EQ_U64(range(&m, GB(4), GB(4)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(4), GB(4) + KB(4)), -1);
	CHECK_EQ_U64(range(&m, GB(8), GB(504)), MEM_UC);
	CHECK_EQ_U64(range(&m, 0, GB(512)), -1);
	/* Unaligned ranges inside one type. */
	CHECK_EQ_U64(range(&m, GB(4) + 0x1234, GB(1) + 0x777), MEM_WB);
	CHECK_EQ_U64(range(&m, MB(1) + 1, 3), MEM_WB);
	/* Bad arguments. */
	uint8_t t;
	CHECK(!mtrr_range_type(&m, 0, 0, &t));
	CHECK(!mtrr_range_type(&m, ~0ull - KB(4), KB(8), &t));
	CHECK(!mtrr_range_type(&m, 0, KB(4), NULL));
	CHECK(mtrr_range_type(&m, ~0ull - KB(4) + 1, KB(4), &t)); /* ends exactly at 2^64 */
}

static void test_ovmf_like(void)
{
	struct mtrr_snapshot m = ovmf_like();
	CHECK_EQ_U64(mtrr_type(&m, 0), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0xa0000), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(3) - 1), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(3)), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, 0xfee00000), MEM_UC); /* local APIC */
	CHECK_EQ_U64(mtrr_type(&m, GB(4)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(3), GB(1)), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(1), GB(2)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(2), GB(2)), -1);
	CHECK_EQ_U64(range(&m, GB(4), GB(60)), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(3) + MB(512), KB(4)), MEM_UC);
	CHECK_EQ_U64(range(&m, MB(1), GB(3) - MB(1)), MEM_WB);
	CHECK_EQ_U64(range(&m, 0, MB(2)), -1); /* the UC VGA window */
	/* Bochs-like: same but FE clear, so the first MB is WB by the default
	 * type even though the fixed MSRs hold UC (they are disabled). */
	m.def_type = DEF_E | MEM_WB;
	for (int i = 0; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, 0xa0000), MEM_WB);
	CHECK_EQ_U64(range(&m, 0, GB(3)), MEM_WB);
	/* FE set but the processor has no fixed MTRRs (IA32_MTRRCAP.FIX = 0):
	 * they do not apply either. */
	m.def_type = DEF_E | DEF_FE | MEM_WB;
	m.mtrrcap &= ~CAP_FIX;
	CHECK_EQ_U64(mtrr_type(&m, 0xa0000), MEM_WB);
	/* Fixed ranges disabled: a variable range can cover the first MB
	 * (SDM Vol. 3A §12.11.2.1). */
	set_var(&m, 1, 0xa0000, KB(128), MEM_WC);
	CHECK_EQ_U64(mtrr_type(&m, 0xa0000), MEM_WC);
	CHECK_EQ_U64(mtrr_type(&m, 0xbffff), MEM_WC);
	CHECK_EQ_U64(mtrr_type(&m, 0x9ffff), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0xc0000), MEM_WB);
}

/* Anchor bug 1: the wrong default type. The type is bits 7:0 only (not
 * mixed with FE/E), it applies only where nothing matches, and with E clear
 * everything is UC whatever the type field says. */
static void test_default_type(void)
{
	struct mtrr_snapshot m = ovmf_like();
	CHECK_EQ_U64(mtrr_type(&m, GB(5)), MEM_WB);     /* 0xC06 must read as WB */
	m.def_type = DEF_E | MEM_WT;
	CHECK_EQ_U64(mtrr_type(&m, GB(5)), MEM_WT);
	CHECK_EQ_U64(mtrr_type(&m, 0), MEM_WT);         /* FE clear: default below 1 MB too */
	CHECK_EQ_U64(mtrr_type(&m, GB(3)), MEM_UC);     /* a match beats the default */
	/* E clear: UC everywhere, also where fixed and variable ranges say WB. */
	m.def_type = DEF_FE | MEM_WB;
	CHECK_EQ_U64(mtrr_type(&m, 0), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(5)), MEM_UC);
	CHECK_EQ_U64(range(&m, 0, GB(512)), MEM_UC);
	struct mtrr_snapshot pc = typical_pc();
	pc.def_type = MEM_WB; /* E clear */
	CHECK_EQ_U64(range(&pc, 0, GB(8)), MEM_UC);
	/* A reserved default type (only a hand-made snapshot can hold one)
	 * reads as UC rather than going into an EPT entry. */
	pc.def_type = DEF_E | 2;
	CHECK_EQ_U64(mtrr_type(&pc, GB(9)), MEM_UC);
	pc.def_type = DEF_E | 0x16; /* low 3 bits say WB, the byte does not */
	CHECK_EQ_U64(mtrr_type(&pc, GB(9)), MEM_UC);
}

/* Expected type of the fixed sub-range that addr falls in, for the pattern
 * below: sub-range number n (0..87, in address order) has type
 * pattern[n % 5]. */
static const uint8_t pattern[5] = { MEM_UC, MEM_WC, MEM_WT, MEM_WP, MEM_WB };

/* Anchor bug 2: fixed-range indexing. Every one of the 88 sub-ranges gets a
 * type different from its neighbors; the first and last byte of each must
 * resolve to it, and a range across two neighbors must be mixed. */
static void test_fixed_indexing(void)
{
	struct mtrr_snapshot m = typical_pc();
	uint64_t start[88], size[88];
	unsigned n = 0;
	for (unsigned i = 0; i < 8; i++, n++)
		start[n] = i * KB(64), size[n] = KB(64);
	for (unsigned i = 0; i < 16; i++, n++)
		start[n] = 0x80000 + i * KB(16), size[n] = KB(16);
	for (unsigned i = 0; i < 64; i++, n++)
		start[n] = 0xc0000 + i * KB(4), size[n] = KB(4);
	CHECK_EQ_U64(n, 88);
	CHECK_EQ_U64(start[87] + size[87], MB(1));
	for (unsigned i = 0; i < 11; i++)
		m.fixed[i] = 0;
	for (n = 0; n < 88; n++)
		m.fixed[n / 8] |= (uint64_t)pattern[n % 5] << (8 * (n % 8));
	for (n = 0; n < 88; n++) {
		CHECK_EQ_U64(mtrr_type(&m, start[n]), pattern[n % 5]);
		CHECK_EQ_U64(mtrr_type(&m, start[n] + size[n] - 1), pattern[n % 5]);
		CHECK_EQ_U64(range(&m, start[n], size[n]), pattern[n % 5]);
		if (n > 0)
			CHECK_EQ_U64(range(&m, start[n] - KB(4), KB(8)), -1);
	}
	/* The hand-checked values: FIX16K_A0000 byte 0 = 0xA0000-0xA3FFF, byte 4
	 * = 0xB0000-0xB3FFF; FIX4K_F8000 byte 7 = 0xFF000-0xFFFFF. */
	m.fixed[2] = 0x0101010100000000ull;
	CHECK_EQ_U64(range(&m, 0xa0000, KB(64)), MEM_UC);
	CHECK_EQ_U64(range(&m, 0xb0000, KB(64)), MEM_WC);
	m.fixed[10] = 0x0600000000000000ull;
	CHECK_EQ_U64(mtrr_type(&m, 0xff000), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0xfe000), MEM_UC);
	m.fixed[1] = 0x0000000000000004ull; /* FIX16K_80000 byte 0 = 0x80000-0x83FFF */
	CHECK_EQ_U64(range(&m, 0x80000, KB(16)), MEM_WT);
	CHECK_EQ_U64(mtrr_type(&m, 0x84000), MEM_UC);
	m.fixed[0] = 0x0500000000000000ull; /* FIX64K_00000 byte 7 = 0x70000-0x7FFFF */
	CHECK_EQ_U64(range(&m, 0x70000, KB(64)), MEM_WP);
	CHECK_EQ_U64(mtrr_type(&m, 0x6ffff), MEM_UC);
}

/* Anchor bug 3: the SMRR taken for a variable MTRR. IA32_MTRRCAP = 0x0D02
 * (VCNT 2, FIX, SMRR): only pairs 0 and 1 exist. A caller that wrongly
 * copied the SMRR (TSEG at 0x7F000000, 8 MB, UC in SMM) into pair 2, or a
 * resolver that read VCNT as more than bits 7:0 (0xD02 = 3330 pairs), would
 * turn that range UC. */
static void test_smrr_not_variable(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 36;
	m.mtrrcap = 2 | CAP_FIX | CAP_WC | CAP_SMRR;
	m.def_type = DEF_E | DEF_FE | MEM_UC;
	for (int i = 0; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WB);
	set_var(&m, 0, 0, GB(2), MEM_WB);
	set_var(&m, 1, GB(4), GB(4), MEM_WB);
	set_var(&m, 2, 0x7f000000, MB(8), MEM_UC);      /* not a variable MTRR */
	set_var(&m, 31, 0, GB(64), MEM_UC);             /* nor anything past VCNT */
	CHECK_EQ_U64(mtrr_type(&m, 0x7f000000), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(1), GB(1)), MEM_WB);
	CHECK_EQ_U64(range(&m, 0x7f000000, MB(8)), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, GB(5)), MEM_WB);
	/* With VCNT 3, pair 2 is real and counts. */
	m.mtrrcap = 3 | CAP_FIX | CAP_SMRR;
	CHECK_EQ_U64(mtrr_type(&m, 0x7f000000), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(1), GB(1)), -1);
	/* A VCNT above MTRR_MAX_VAR is clamped, never read past the arrays. */
	m.mtrrcap = 0xff | CAP_SMRR;
	CHECK_EQ_U64(mtrr_type(&m, GB(5)), MEM_UC); /* pair 31 now counts */
}

/* SDM Vol. 3A §12.11.4.1 step 2: precedence among overlapping ranges. */
static void test_precedence(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 36;
	m.mtrrcap = 8 | CAP_FIX;
	m.def_type = DEF_E | MEM_UC;
	set_var(&m, 0, 0, GB(4), MEM_WB);
	set_var(&m, 1, GB(1), GB(1), MEM_UC);  /* UC inside WB: UC */
	set_var(&m, 2, GB(2), GB(1), MEM_WT);  /* WT inside WB: WT */
	set_var(&m, 3, GB(3), MB(512), MEM_WP); /* WP with WB: undefined -> UC */
	set_var(&m, 4, GB(3) + MB(512), MB(512), MEM_WB); /* WB twice: WB */
	CHECK_EQ_U64(mtrr_type(&m, 0), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(1), GB(1)), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(2), GB(1)), MEM_WT);
	CHECK_EQ_U64(range(&m, GB(3), MB(512)), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(3) + MB(512), MB(512)), MEM_WB);
	CHECK_EQ_U64(range(&m, 0, GB(4)), -1);
	CHECK_EQ_U64(range(&m, GB(4), GB(4)), MEM_UC);
	/* WC with WT: undefined -> UC. */
	set_var(&m, 5, GB(8), GB(1), MEM_WC);
	set_var(&m, 6, GB(8), GB(2), MEM_WT);
	CHECK_EQ_U64(mtrr_type(&m, GB(8)), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(9)), MEM_WT);
	/* Invalid pairs (V clear) do not count. */
	m.var_mask[1] &= ~MASK_V;
	CHECK_EQ_U64(range(&m, GB(1), GB(1)), MEM_WB);
	/* A reserved type in a pair reads as UC. */
	m.var_base[4] = (m.var_base[4] & ~0xffull) | 7;
	CHECK_EQ_U64(range(&m, GB(3) + MB(512), MB(512)), MEM_UC);
}

/* SDM Vol. 3A §12.11.2.3: the match is over MAXPHYADDR bits; the base's low
 * bits under the mask do not matter; non-contiguous masks match exactly
 * their address set. */
static void test_mask_rules(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 36;
	m.mtrrcap = 8;
	m.def_type = DEF_E | MEM_WB;
	/* Mask bits at or above MAXPHYADDR are reserved and ignored. */
	m.var_base[0] = GB(2) | MEM_UC;
	m.var_mask[0] = 0xfffffff80000000ull | MASK_V;
	CHECK_EQ_U64(mtrr_type(&m, GB(2)), MEM_UC);
	CHECK_EQ_U64(range(&m, GB(2), GB(2)), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(4)), MEM_WB);
	/* An unaligned base names the aligned range: 0x40001000 with a 2 MB
	 * mask covers 0x40000000-0x401FFFFF. */
	m.var_base[0] = 0x40001000 | MEM_WT;
	m.var_mask[0] = var_mask(MB(2), 36);
	CHECK_EQ_U64(range(&m, 0x40000000, MB(2)), MEM_WT);
	CHECK_EQ_U64(mtrr_type(&m, 0x40200000), MEM_WB);
	/* maxphyaddr 0 = unknown: 36 bits assumed. */
	m.maxphyaddr = 0;
	CHECK_EQ_U64(range(&m, 0x40000000, MB(2)), MEM_WT);
	/* Non-contiguous mask: bit 12 only, base 0x1000 -> every odd 4 KB page
	 * is WT. */
	m.maxphyaddr = 36;
	m.var_base[0] = 0x1000 | MEM_WT;
	m.var_mask[0] = 0x1000 | MASK_V;
	CHECK_EQ_U64(mtrr_type(&m, 0x0000), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0x1000), MEM_WT);
	CHECK_EQ_U64(mtrr_type(&m, 0x2000), MEM_WB);
	CHECK_EQ_U64(mtrr_type(&m, 0x12345000), MEM_WT);
	CHECK_EQ_U64(range(&m, 0x3000, KB(4)), MEM_WT);
	CHECK_EQ_U64(range(&m, 0, KB(8)), -1);
	CHECK_EQ_U64(range(&m, 0, GB(64)), -1);
	/* ... the same with the default type WT: uniform, without visiting each
	 * page. */
	m.def_type = DEF_E | MEM_WT;
	CHECK_EQ_U64(range(&m, 0, GB(64)), MEM_WT);
}

/* Efficiency: big ranges with all 32 pairs in use answer without visiting
 * pages (a page walk over 256 TB would not finish). */
static void test_large_ranges_fast(void)
{
	struct mtrr_snapshot m = { 0 };
	m.maxphyaddr = 48;
	m.mtrrcap = 32 | CAP_FIX;
	m.def_type = DEF_E | DEF_FE | MEM_WB;
	for (int i = 0; i < 11; i++)
		m.fixed[i] = fixed_all(MEM_WB);
	for (unsigned i = 0; i < 32; i++)
		set_var(&m, i, GB(64) * (i + 1), GB(1), (i & 1) ? MEM_UC : MEM_WB);
	clock_t t0 = clock();
	unsigned uniform = 0;
	for (unsigned i = 0; i < 4096; i++) {
		uint8_t t;
		uniform += mtrr_range_type(&m, GB(64) * (i % 40), GB(64), &t);
	}
	CHECK_EQ_U64(range(&m, 0, 1ull << 48), -1);
	CHECK_EQ_U64(range(&m, GB(64) * 40, (1ull << 48) - GB(64) * 40), MEM_WB);
	CHECK_EQ_U64(range(&m, GB(64 * 2), GB(1)), MEM_UC);
	double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK(uniform > 0);
	CHECK(s < 2.0);
}

/* WRMSR to the MTRRs as the processor takes it (SDM Vol. 3A §12.11.2). */
static void test_write(void)
{
	struct mtrr_snapshot m = typical_pc(); /* MAXPHYADDR 39, 10 variable pairs, WC, FIX */
	CHECK(mtrr_is_msr(&m, 0x2ff) && mtrr_is_msr(&m, 0x250) && mtrr_is_msr(&m, 0x26f));
	CHECK(mtrr_is_msr(&m, 0x200) && mtrr_is_msr(&m, 0x213) && !mtrr_is_msr(&m, 0x214));
	CHECK(!mtrr_is_msr(&m, 0xfe) && !mtrr_is_msr(&m, 0x277) && !mtrr_is_msr(&m, 0x251));
	/* Variable pair 2: 256 MB UC at 1 GB. */
	CHECK(mtrr_write(&m, 0x204, GB(1) | MEM_UC));
	CHECK(mtrr_write(&m, 0x205, (((1ull << 39) - 1) & ~(MB(256) - 1)) | (1ull << 11)));
	CHECK_EQ_U64(mtrr_type(&m, GB(1) + MB(1)), MEM_UC);
	CHECK_EQ_U64(mtrr_type(&m, GB(1) + MB(256)), MEM_WB);
	/* #GP: reserved bits, undefined types, beyond MAXPHYADDR; nothing kept. */
	uint64_t before = m.var_base[2];
	CHECK(!mtrr_write(&m, 0x204, GB(1) | 2));                /* type 2 */
	CHECK(!mtrr_write(&m, 0x204, GB(1) | MEM_UC | 0x100));   /* bit 8 reserved */
	CHECK(!mtrr_write(&m, 0x204, (1ull << 39) | MEM_UC));    /* at MAXPHYADDR */
	CHECK(!mtrr_write(&m, 0x205, 0x400));                    /* bit 10 reserved in PHYSMASK */
	CHECK_EQ_U64(m.var_base[2], before);
	CHECK(!mtrr_write(&m, 0x2ff, DEF_E | 7));                /* type 7 */
	CHECK(!mtrr_write(&m, 0x2ff, DEF_E | MEM_WB | 0x100));   /* bit 8 reserved */
	CHECK(mtrr_write(&m, 0x2ff, DEF_FE | MEM_WB));           /* MTRRs off */
	CHECK_EQ_U64(mtrr_type(&m, GB(1) + MB(1)), MEM_UC);
	CHECK(!mtrr_write(&m, 0x250, 0x0606060606060603ull));    /* one byte of type 3 */
	CHECK(mtrr_write(&m, 0x250, fixed_all(MEM_WT)));
	CHECK_EQ_U64(m.fixed[0], fixed_all(MEM_WT));
	CHECK(!mtrr_write(&m, 0x214, 0));                        /* pair 10 of 10: none */
	/* WC and fixed ranges only where MTRRCAP has them. */
	m.mtrrcap &= ~(uint64_t)(CAP_WC | CAP_FIX);
	CHECK(!mtrr_write(&m, 0x204, GB(1) | MEM_WC));
	CHECK(!mtrr_write(&m, 0x250, fixed_all(MEM_WB)));
	CHECK(mtrr_write(&m, 0x2ff, DEF_E | MEM_UC));
}

int main(void)
{
	test_write();
	test_typical_pc();
	test_ovmf_like();
	test_default_type();
	test_fixed_indexing();
	test_smrr_not_variable();
	test_precedence();
	test_mask_rules();
	test_large_ranges_fast();
	return unit_finish("test_mtrr");
}
