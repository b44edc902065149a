/* MTRR memory-type resolver (SDM Vol. 3A §12.11). Pure: reads only the
 * snapshot. See mtrr.h for the interface.
 *
 * Ranges are resolved without walking them page by page: the range is cut
 * into naturally aligned power-of-two blocks, and against such a block every
 * variable MTRR is in one of three relations (contains it, misses it,
 * partially overlaps it) that one mask comparison decides. Only where a
 * partial overlap could change the type is the block halved, so a range
 * costs O(ranges x address bits), not O(size / 4 KB). */
#include "mtrr.h"

#include <stddef.h>

/* SDM Vol. 3A §12.11.1 (IA32_MTRRCAP). */
#define MTRRCAP_VCNT     0xffull
#define MTRRCAP_FIX      (1ull << 8)
/* SDM Vol. 3A §12.11.2.1 (IA32_MTRR_DEF_TYPE). */
#define DEF_TYPE_TYPE    0xffull
#define DEF_TYPE_FE      (1ull << 10)
#define DEF_TYPE_E       (1ull << 11)
/* SDM Vol. 3A §12.11.2.3 (IA32_MTRR_PHYSBASEn/PHYSMASKn). */
#define PHYSBASE_TYPE    0xffull
#define PHYSMASK_V       (1ull << 11)

#define FIXED_LIMIT      0x100000ull /* the fixed ranges cover the first 1 MB */
#define PAGE_SHIFT       12

/* One bit per memory type (bit t = type t) so that "which types match" is a
 * small set that the precedence rules below can inspect. */
#define TYPE_BIT(t)      (1u << (t))

/* The encodings 2, 3 and 7..255 are reserved (SDM Vol. 3A §12.11.2, table
 * "Memory Types That Can Be Encoded in MTRRs") and WRMSR refuses them with
 * #GP, so a snapshot of real MSRs never holds one; if a hand-made or
 * corrupted snapshot does, UC is the type that cannot cause harm. */
static uint8_t valid_type(uint64_t t)
{
	switch (t & 0xff) {
	case MEM_UC:
	case MEM_WC:
	case MEM_WT:
	case MEM_WP:
	case MEM_WB:
		return (uint8_t)(t & 0xff);
	default:
		return MEM_UC;
	}
}

/* SDM Vol. 3A §12.11.4.1 (MTRR Precedences), step 2 and 3, applied to the set
 * of types of the variable ranges that match one address:
 * "If no fixed or variable memory range matches, the processor uses the
 * default memory type." */
static uint8_t precedence(unsigned types, uint8_t def)
{
	if (types == 0)
		return def;
	/* "If one variable memory range matches, the processor uses the memory
	 * type stored in the IA32_MTRR_PHYSBASEn register for that range."
	 * "If two or more variable memory ranges match and the memory types are
	 * identical, then that memory type is used." */
	if ((types & (types - 1)) == 0) {
		uint8_t t = 0;
		while (!(types & TYPE_BIT(t)))
			t++;
		return t;
	}
	/* "If two or more variable memory ranges match and one of the memory
	 * types is UC, the UC memory type used." */
	if (types & TYPE_BIT(MEM_UC))
		return MEM_UC;
	/* "If two or more variable memory ranges match and the memory types are
	 * WT and WB, the WT memory type is used." */
	if (types == (TYPE_BIT(MEM_WT) | TYPE_BIT(MEM_WB)))
		return MEM_WT;
	/* "For overlaps not defined by the above rules, processor behavior is
	 * undefined." Firmware should never program them; UC is the one type
	 * that is never wrong for correctness (only slow). */
	return MEM_UC;
}

/* ---- fixed ranges (SDM Vol. 3A §12.11.2.2) ---- */

/* "The fixed memory ranges are mapped with 11 fixed-range registers of 64
 * bits each. Each of these registers is divided into 8-bit fields that are
 * used to specify the memory type for each of the sub-ranges the register
 * controls:
 *  - Register IA32_MTRR_FIX64K_00000 — Maps the 512-KByte address range from
 *    0H to 7FFFFH. This range is divided into eight 64-KByte sub-ranges.
 *  - Registers IA32_MTRR_FIX16K_80000 and IA32_MTRR_FIX16K_A0000 — Maps the
 *    two 128-KByte address ranges from 80000H to BFFFFH. This range is divided
 *    into sixteen 16-KByte sub-ranges, 8 ranges per register.
 *  - Registers IA32_MTRR_FIX4K_C0000 through IA32_MTRR_FIX4K_F8000 — Maps
 *    eight 32-KByte address ranges from C0000H to FFFFFH. This range is
 *    divided into sixty-four 4-KByte sub-ranges, 8 ranges per register."
 * The section's address-mapping table puts the lowest sub-range of each
 * register in its bits 7:0. */
struct fixed_entry {
	uint64_t start, size; /* the sub-range */
	unsigned msr, byte;   /* index into snapshot.fixed[], byte within it */
};

static struct fixed_entry fixed_entry_of(uint64_t addr)
{
	struct fixed_entry e;
	if (addr < 0x80000) {
		e.size = 0x10000;
		e.msr = 0;
		e.byte = (unsigned)(addr >> 16);
	} else if (addr < 0xc0000) {
		uint64_t off = addr - 0x80000; /* 128 KB per register */
		e.size = 0x4000;
		e.msr = 1 + (unsigned)(off >> 17);
		e.byte = (unsigned)(off >> 14) & 7;
	} else {
		uint64_t off = addr - 0xc0000; /* 32 KB per register */
		e.size = 0x1000;
		e.msr = 3 + (unsigned)(off >> 15);
		e.byte = (unsigned)(off >> 12) & 7;
	}
	e.start = addr & ~(e.size - 1);
	return e;
}

/* Type of [lo, last] (inclusive, last < 1 MB) from the fixed ranges: at most
 * 88 sub-ranges to compare. */
static bool fixed_range_type(const struct mtrr_snapshot *m, uint64_t lo, uint64_t last, uint8_t *type)
{
	bool have = false;
	uint8_t t = MEM_UC;
	for (uint64_t a = lo; a <= last;) {
		struct fixed_entry e = fixed_entry_of(a);
		uint8_t et = valid_type(m->fixed[e.msr] >> (8 * e.byte));
		if (have && et != t)
			return false;
		t = et;
		have = true;
		a = e.start + e.size;
	}
	*type = t;
	return true;
}

/* ---- variable ranges (SDM Vol. 3A §12.11.2.3) ---- */

struct var_range {
	uint64_t base, mask; /* both already cut to bits MAXPHYADDR-1:12 */
	uint8_t type;
};

struct var_set {
	struct var_range r[MTRR_MAX_VAR];
	unsigned count;
	uint8_t def;
};

enum relation { MISSES, CONTAINS, OVERLAPS };

/* "The mask determines the range of the region being mapped, according to
 * the following relationships: Address_Within_Range AND PhysMask = PhysBase
 * AND PhysMask". For the aligned block [a, a + 2^k): the bits of the mask at
 * or above k compare the same for every address in the block; if they
 * differ, no address matches. If they agree and the mask has no bit below k,
 * every address matches; if it has one, some addresses match and some do
 * not (exactly right for non-contiguous masks too). */
static enum relation relation_to_block(const struct var_range *r, uint64_t a, unsigned k)
{
	uint64_t low = k >= 64 ? ~0ull : (1ull << k) - 1;
	if ((a & r->mask & ~low) != (r->base & ~low))
		return MISSES;
	return (r->mask & low) ? OVERLAPS : CONTAINS;
}

/* Type of the aligned block [a, a + 2^k) from the variable ranges. The types
 * of the ranges that contain the block apply to all of it; those that
 * partially overlap apply to some of it. If every choice of the overlapping
 * types gives the same result, the block is uniform; otherwise it is halved.
 * Halving ends by itself: below 4 KB a range cannot partially overlap (masks
 * have no bits below 12), and the first two different halves stop it. */
static bool var_block_type(const struct var_set *v, uint64_t a, unsigned k, uint8_t *type)
{
	unsigned contained = 0, overlapping = 0;
	for (unsigned i = 0; i < v->count; i++) {
		enum relation rel = relation_to_block(&v->r[i], a, k);
		if (rel == CONTAINS)
			contained |= TYPE_BIT(v->r[i].type);
		else if (rel == OVERLAPS)
			overlapping |= TYPE_BIT(v->r[i].type);
	}
	uint8_t t = precedence(contained, v->def);
	bool same = true;
	for (unsigned sub = overlapping; sub != 0; sub = (sub - 1) & overlapping) {
		if (precedence(contained | sub, v->def) != t) {
			same = false;
			break;
		}
	}
	if (same) {
		*type = t;
		return true;
	}
	uint8_t lt, ht;
	uint64_t half = 1ull << (k - 1); /* k > 12 here: a partial overlap needs a mask bit below k */
	if (!var_block_type(v, a, k - 1, &lt) || !var_block_type(v, a + half, k - 1, &ht) || lt != ht)
		return false;
	*type = lt;
	return true;
}

static unsigned maxphyaddr_of(const struct mtrr_snapshot *m)
{
	/* SDM Vol. 3A §12.11.2.3: "If CPUID.80000008H is not available, software
	 * may assume that the processor supports a 36-bit physical address
	 * size". 52 is the architectural ceiling (SDM Vol. 3A §4.1.4). */
	if (m->maxphyaddr == 0)
		return 36;
	return m->maxphyaddr > 52 ? 52 : m->maxphyaddr;
}

static void var_set_init(const struct mtrr_snapshot *m, struct var_set *v)
{
	/* "PhysMask ... This value is extended by 12 bits at the low end to form
	 * the mask value. The width of the PhysMask field depends on the maximum
	 * physical address size supported by the processor." Bits above
	 * MAXPHYADDR are reserved and take no part in the comparison. */
	uint64_t addr_bits = ((1ull << maxphyaddr_of(m)) - 1) & ~((1ull << PAGE_SHIFT) - 1);
	/* SDM Vol. 3A §12.11.1: "VCNT (variable range registers count) field,
	 * bits 0 through 7 — Indicates the number of variable ranges implemented
	 * on the processor." Only bits 7:0: bit 11 (SMRR) and bit 10 (WC) are
	 * separate flags, and the SMRR pair (0x1F2/0x1F3) lies outside the
	 * 0x200 + 2n sequence. §12.11.2.4: "The IA32_SMRR_PHYSBASE MSR defines
	 * the base address for the SMRAM memory range and the memory type used
	 * to access it in SMM." — in SMM only; outside SMM the processor itself
	 * restricts that range, so it never takes part in the normal lookup. */
	unsigned vcnt = (unsigned)(m->mtrrcap & MTRRCAP_VCNT);
	if (vcnt > MTRR_MAX_VAR)
		vcnt = MTRR_MAX_VAR;
	v->count = 0;
	/* §12.11.2.1: "Type field, bits 0 through 7 — Indicates the default
	 * memory type used for those physical memory address ranges that do not
	 * have a memory type specified for them by an MTRR". Bits 10 and 11 (FE,
	 * E) are flags, not part of the type. */
	v->def = valid_type(m->def_type & DEF_TYPE_TYPE);
	for (unsigned i = 0; i < vcnt; i++) {
		/* "V flag, bit 11 — Enables the register pair when set; disables
		 * register pair when clear." */
		if (!(m->var_mask[i] & PHYSMASK_V))
			continue;
		struct var_range *r = &v->r[v->count++];
		r->mask = m->var_mask[i] & addr_bits;
		r->base = m->var_base[i] & r->mask;
		r->type = valid_type(m->var_base[i] & PHYSBASE_TYPE);
	}
}

/* Type of [lo, last] (inclusive) from the variable ranges and the default
 * type: cut into the largest naturally aligned blocks (at most ~2 x 64). */
static bool var_range_type(const struct var_set *v, uint64_t lo, uint64_t last, uint8_t *type)
{
	bool have = false;
	uint8_t t = MEM_UC;
	for (uint64_t a = lo;;) {
		unsigned k = a ? (unsigned)__builtin_ctzll(a) : 63;
		if (k > 63)
			k = 63;
		while (k > 0 && ((1ull << k) - 1) > last - a)
			k--;
		uint8_t bt;
		if (!var_block_type(v, a, k, &bt) || (have && bt != t))
			return false;
		t = bt;
		have = true;
		if (last - a == (1ull << k) - 1)
			break;
		a += 1ull << k;
	}
	*type = t;
	return true;
}

bool mtrr_range_type(const struct mtrr_snapshot *m, uint64_t base, uint64_t size, uint8_t *type)
{
	if (m == NULL || type == NULL || size == 0)
		return false;
	uint64_t last = base + (size - 1);
	if (last < base)
		return false; /* wraps past 2^64 */

	/* SDM Vol. 3A §12.11.4.1: "If the MTRRs are not enabled (by setting the
	 * E flag in the IA32_MTRR_DEF_TYPE MSR), then all memory accesses are of
	 * the UC memory type." (§12.11.2.1: "When the E flag is clear, all MTRRs
	 * are disabled, and the UC memory type is applied to all of physical
	 * memory.") The default type field does not apply then. */
	if (!(m->def_type & DEF_TYPE_E)) {
		*type = MEM_UC;
		return true;
	}

	bool have = false;
	uint8_t t = MEM_UC;
	uint64_t lo = base;
	/* §12.11.4.1 step 1: "If the physical address falls within the first 1
	 * MByte of physical memory and fixed MTRRs are enabled, the processor
	 * uses the memory type stored for the appropriate fixed-range MTRR."
	 * Enabled means FE set (§12.11.2.1: "When the FE flag is set, the
	 * fixed-range MTRRs are enabled") on a processor that has them
	 * (§12.11.1: "FIX ... Fixed range MTRRs ... are supported when set").
	 * Otherwise the first MB goes through the variable ranges like any
	 * other address ("If the fixed-range MTRRs are disabled, the
	 * variable-range MTRRs can still be used and can map the range
	 * ordinarily covered by the fixed-range MTRRs."). */
	if ((m->def_type & DEF_TYPE_FE) && (m->mtrrcap & MTRRCAP_FIX) && base < FIXED_LIMIT) {
		uint64_t fixed_last = last < FIXED_LIMIT ? last : FIXED_LIMIT - 1;
		if (!fixed_range_type(m, base, fixed_last, &t))
			return false;
		if (last == fixed_last) {
			*type = t;
			return true;
		}
		have = true;
		lo = FIXED_LIMIT;
	}

	/* §12.11.4.1 step 2 and 3 (see precedence()). */
	struct var_set v;
	uint8_t vt;
	var_set_init(m, &v);
	if (!var_range_type(&v, lo, last, &vt) || (have && vt != t))
		return false;
	*type = vt;
	return true;
}

uint8_t mtrr_type(const struct mtrr_snapshot *m, uint64_t addr)
{
	uint8_t t = MEM_UC;
	(void)mtrr_range_type(m, addr, 1, &t); /* one byte always has one type */
	return t;
}

/* ---- writes ---- */

#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_DEF_TYPE 0x2ffu

static const uint32_t fixed_msr[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f };

static unsigned var_count(const struct mtrr_snapshot *m)
{
	unsigned n = (unsigned)(m->mtrrcap & 0xff);
	return n < MTRR_MAX_VAR ? n : MTRR_MAX_VAR;
}

static int fixed_index(uint32_t msr)
{
	for (int i = 0; i < 11; i++)
		if (fixed_msr[i] == msr)
			return i;
	return -1;
}

bool mtrr_is_msr(const struct mtrr_snapshot *m, uint32_t msr)
{
	return msr == MSR_MTRR_DEF_TYPE || fixed_index(msr) >= 0 ||
	       (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * var_count(m));
}

/* A type WRMSR accepts: UC, WT, WP, WB, and WC when MTRRCAP bit 10 says so. */
static bool type_ok(const struct mtrr_snapshot *m, uint64_t t)
{
	return t == MEM_UC || t == MEM_WT || t == MEM_WP || t == MEM_WB || (t == MEM_WC && (m->mtrrcap & (1u << 10)));
}

bool mtrr_write(struct mtrr_snapshot *m, uint32_t msr, uint64_t value)
{
	unsigned maxphyaddr = m->maxphyaddr ? m->maxphyaddr : 36;
	uint64_t phys_mask = maxphyaddr >= 64 ? ~0ull : (1ull << maxphyaddr) - 1;
	if (msr == MSR_MTRR_DEF_TYPE) {
		/* Type in 7:0, FE bit 10, E bit 11; the rest reserved. */
		if ((value & ~0xcffull) || !type_ok(m, value & 0xff))
			return false;
		m->def_type = value;
		return true;
	}
	int f = fixed_index(msr);
	if (f >= 0) {
		if (!(m->mtrrcap & (1u << 8)))
			return false;
		for (unsigned b = 0; b < 8; b++)
			if (!type_ok(m, (value >> (8 * b)) & 0xff))
				return false;
		m->fixed[f] = value;
		return true;
	}
	if (msr < MSR_MTRR_PHYSBASE0 || msr >= MSR_MTRR_PHYSBASE0 + 2 * var_count(m))
		return false;
	unsigned n = (msr - MSR_MTRR_PHYSBASE0) / 2;
	if ((msr & 1) == 0) { /* PHYSBASE: type 7:0, base 12..MAXPHYADDR-1 */
		if ((value & ~((phys_mask & ~0xfffull) | 0xffull)) || !type_ok(m, value & 0xff))
			return false;
		m->var_base[n] = value;
	} else {              /* PHYSMASK: V bit 11, mask 12..MAXPHYADDR-1 */
		if (value & ~((phys_mask & ~0xfffull) | 0x800ull))
			return false;
		m->var_mask[n] = value;
	}
	return true;
}
