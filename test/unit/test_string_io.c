/* String I/O emulation (hv/exits/string_io.c) against a fake machine: 64 KB
 * of guest-physical memory with 4-level page tables in it, a "hidden"
 * range, and ports that record what they are given. One case per rule. */
#include "../../hv/exits/string_io.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

#define MEM_SIZE 0x10000
static uint8_t mem[MEM_SIZE];
static uint8_t port_log[256];
static unsigned port_log_len, port_reads;
static uint16_t last_port;

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define CR3 0x1000
/* Linear 0x5000 -> 0x7000 (RW, user), 0x6000 -> 0x8000 (read-only),
 * 0x9000 -> 0xa000 (RW, supervisor), 0xb000 -> 0xe000 (hidden range),
 * 0x7000 and 0xc000 not present; paging off is not used. */
static void set64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

static void build_tables(void)
{
	memset(mem, 0, sizeof(mem));
	set64(CR3, 0x2000 | 7);          /* PML4[0] -> PDPT */
	set64(0x2000, 0x3000 | 7);       /* PDPT[0] -> PD */
	set64(0x3000, 0x4000 | 7);       /* PD[0] -> PT */
	set64(0x4000 + 5 * 8, 0x7000 | 7);
	set64(0x4000 + 6 * 8, 0x8000 | 5);
	set64(0x4000 + 9 * 8, 0xa000 | 3);
	set64(0x4000 + 11 * 8, 0xe000 | 7);
}

static bool read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa + len > MEM_SIZE)
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}
static unsigned walks;
static struct guest_walk walk(void *ctx, uint64_t linear)
{
	walks++;
	return guest_page_walk(CR0_PG | 1, CR4_PAE, EFER_LMA, CR3, linear, read_phys, ctx);
}
static bool hidden(void *ctx, uint64_t gpa, unsigned len) { (void)ctx; return gpa + len > 0xe000 && gpa < 0xf000; }
static void mem_read(void *ctx, uint64_t gpa, void *buf, unsigned len) { (void)ctx; memcpy(buf, mem + gpa, len); }
static void mem_write(void *ctx, uint64_t gpa, const void *buf, unsigned len) { (void)ctx; memcpy(mem + gpa, buf, len); }
static void mark(void *ctx, const struct guest_walk *w, bool write)
{
	(void)ctx;
	for (unsigned i = 0; i < w->entries; i++)
		mem[w->entry_gpa[i]] |= 0x20 | (write && i + 1 == w->entries ? 0x40 : 0);
}
static uint32_t port_in(void *ctx, uint16_t port, unsigned size)
{
	(void)ctx;
	last_port = port;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)(0x10 + port_reads++) << (8 * i);
	return v;
}
static void port_out(void *ctx, uint16_t port, unsigned size, uint32_t v)
{
	(void)ctx;
	last_port = port;
	for (unsigned i = 0; i < size && port_log_len < sizeof(port_log); i++)
		port_log[port_log_len++] = (uint8_t)(v >> (8 * i));
}
static const struct string_io_env env = { NULL, walk, hidden, mem_read, mem_write, mark, port_in, port_out };

static void reset(void)
{
	build_tables();
	port_log_len = port_reads = 0;
	last_port = 0;
}

static struct string_io_cpu cpu64(void)
{
	return (struct string_io_cpu){ .mode64 = true, .wp = true, .cpl = 0 };
}

/* qualification: size-1 | in<<3 | string<<4 | rep<<5 | port<<16 */
static uint64_t qual(unsigned size, bool in, bool rep, uint16_t port)
{
	return (size - 1) | (in ? 8u : 0) | 0x10 | (rep ? 0x20u : 0) | (uint64_t)port << 16;
}

static void test_decode(void)
{
	/* Table 28-8: address size 9:7, segment 17:15 (OUTS only). */
	struct string_io op = string_io_decode(qual(2, false, true, 0x3f8), (1u << 7) | (SEG_FS << 15));
	CHECK(op.size == 2 && !op.in && op.rep && op.port == 0x3f8);
	CHECK(op.address_size == 4 && op.segment == SEG_FS);
	op = string_io_decode(qual(4, true, false, 0xcfc), (2u << 7) | (SEG_GS << 15));
	CHECK(op.in && op.address_size == 8 && op.segment == SEG_ES); /* INS: always ES */
	CHECK(string_io_decode(qual(1, false, false, 0x80), 0).address_size == 2);
}

static void test_decode_prefixes(void)
{
	struct string_io op;
	const uint8_t rep_outsb_gs[] = { 0x65, 0xf3, 0x6e };
	CHECK(string_io_decode_prefixes(qual(1, false, true, 0x3f8), rep_outsb_gs, 3, 8, &op));
	CHECK(op.segment == SEG_GS && op.address_size == 8);
	const uint8_t outsd_a32[] = { 0x67, 0x6f };
	CHECK(string_io_decode_prefixes(qual(4, false, false, 0xcf8), outsd_a32, 2, 8, &op));
	CHECK(op.address_size == 4 && op.segment == SEG_DS);
	const uint8_t insw_a16[] = { 0x66, 0x67, 0x6d };
	CHECK(string_io_decode_prefixes(qual(2, true, false, 0xcfc), insw_a16, 3, 4, &op));
	CHECK(op.address_size == 2 && op.segment == SEG_ES);
	const uint8_t not_string[] = { 0xee };
	CHECK(!string_io_decode_prefixes(qual(1, false, false, 0x3f8), not_string, 1, 8, &op));
	const uint8_t ins_for_outs[] = { 0x6c };
	CHECK(!string_io_decode_prefixes(qual(1, false, false, 0x3f8), ins_for_outs, 1, 8, &op));
}

static void test_rep_outsb(void)
{
	reset();
	memcpy(mem + 0x7010, "hello\n", 6);
	struct string_io op = string_io_decode(qual(1, false, true, 0x3f8), 2u << 7 | SEG_DS << 15);
	struct string_io_cpu c = cpu64();
	c.rcx = 6;
	c.rsi = 0x5010;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE);
	CHECK(port_log_len == 6 && !memcmp(port_log, "hello\n", 6) && last_port == 0x3f8);
	CHECK_EQ_U64(c.rcx, 0);
	CHECK_EQ_U64(c.rsi, 0x5016);
	CHECK(mem[0x4000 + 5 * 8] & 0x20); /* accessed */
	CHECK(!(mem[0x4000 + 5 * 8] & 0x40)); /* a read does not dirty */
}

static void test_rep_zero_count_and_limit(void)
{
	reset();
	struct string_io op = string_io_decode(qual(1, false, true, 0x3f8), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rsi = 0x5000;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && port_log_len == 0); /* RCX=0 */
	c.rcx = 10;
	CHECK(string_io_run(&op, &c, &env, 4, &f) == STRING_IO_MORE); /* interruptible: 4 per exit */
	CHECK_EQ_U64(c.rcx, 6);
	CHECK_EQ_U64(c.rsi, 0x5004);
	CHECK(port_log_len == 4);
}

static void test_df_down(void)
{
	reset();
	memcpy(mem + 0x7100, "abcd", 4);
	struct string_io op = string_io_decode(qual(1, false, true, 0x3f8), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.df = true;
	c.rcx = 4;
	c.rsi = 0x5103;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE);
	CHECK(port_log_len == 4 && !memcmp(port_log, "dcba", 4));
	CHECK_EQ_U64(c.rsi, 0x50ff);
}

static void test_insd_writes_and_dirties(void)
{
	reset();
	struct string_io op = string_io_decode(qual(4, true, true, 0xcfc), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rcx = 2;
	c.rdi = 0x5200;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE);
	const uint8_t want[8] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 };
	CHECK(!memcmp(mem + 0x7200, want, 8));
	CHECK_EQ_U64(c.rdi, 0x5208);
	CHECK(mem[0x4000 + 5 * 8] & 0x40); /* dirty */
}

static void test_page_crossing(void)
{
	/* A REP INSW that starts 2 bytes before 0x6000 (read-only): the first
	 * element fits, the second faults with CR2 = 0x6000 and RCX/RDI show
	 * the one element done. */
	reset();
	struct string_io op = string_io_decode(qual(2, true, true, 0x1f0), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rcx = 3;
	c.rdi = 0x5ffe;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT);
	CHECK(f.vector == 14 && f.cr2 == 0x6000);
	CHECK_EQ_U64(f.error_code, PF_ERROR_PRESENT | PF_ERROR_WRITE);
	CHECK_EQ_U64(c.rcx, 2);
	CHECK_EQ_U64(c.rdi, 0x6000);
	CHECK(mem[0x7ffe] == 0x10 && mem[0x7fff] == 0x11);
	CHECK(port_reads == 2); /* the faulting element never read the port */
	/* An OUTSD straddling two readable pages takes bytes from both. */
	reset();
	mem[0x7ffe] = 1, mem[0x7fff] = 2, mem[0x8000] = 3, mem[0x8001] = 4;
	op = string_io_decode(qual(4, false, false, 0xcf8), 2u << 7);
	c = cpu64();
	c.rsi = 0x5ffe;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE);
	CHECK(port_log_len == 4 && port_log[0] == 1 && port_log[3] == 4);
	CHECK_EQ_U64(c.rsi, 0x6002);
}

static void test_not_present_and_user(void)
{
	reset();
	struct string_io op = string_io_decode(qual(1, true, true, 0x3f8), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rcx = 5;
	c.rdi = 0xc000;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT);
	CHECK(f.vector == 14 && f.cr2 == 0xc000 && f.error_code == PF_ERROR_WRITE);
	CHECK_EQ_U64(c.rcx, 5);
	CHECK(port_reads == 0);
	/* CPL 3 reading a supervisor page: P|U. */
	op = string_io_decode(qual(1, false, false, 0x3f8), 2u << 7);
	c.cpl = 3;
	c.rsi = 0x9000;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT);
	CHECK_EQ_U64(f.error_code, PF_ERROR_PRESENT | PF_ERROR_USER);
	/* CR0.WP=0: ring 0 may write a read-only page. */
	op = string_io_decode(qual(1, true, false, 0x3f8), 2u << 7);
	c = cpu64();
	c.wp = false;
	c.rdi = 0x6000;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && mem[0x8000] == 0x10);
	/* SMAP: ring 0 touching a user page with AC=0. */
	c = cpu64();
	c.smap_blocks = true;
	c.rdi = 0x5000;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT && f.error_code == (PF_ERROR_PRESENT | PF_ERROR_WRITE));
}

static void test_hidden_and_canonical(void)
{
	reset();
	struct string_io op = string_io_decode(qual(1, false, false, 0x3f8), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rsi = 0xb000; /* maps the hidden range */
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT && f.vector == 13 && f.error_code == 0);
	CHECK(port_log_len == 0);
	c.rsi = 0x0000800000000000ull; /* non-canonical */
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT && f.vector == 13);
	op = string_io_decode(qual(1, false, false, 0x3f8), 2u << 7 | SEG_SS << 15);
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT && f.vector == 12);
	c.rsi = 0x5000;
	c.segment_base = 0x1000; /* FS/GS base adds in 64-bit mode */
	op = string_io_decode(qual(1, false, false, 0x3f8), 2u << 7 | SEG_GS << 15);
	mem[0x8000] = 'g';
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && port_log[0] == 'g');
}

static void test_address_sizes(void)
{
	reset();
	/* 32-bit address size in 64-bit mode: ESI wraps and RSI is
	 * zero-extended; ECX counts. */
	mem[0x7000] = 'x';
	struct string_io op = string_io_decode(qual(1, false, true, 0x3f8), 1u << 7);
	struct string_io_cpu c = cpu64();
	c.rcx = 0xffffffff00000001ull;
	c.rsi = 0xdead000000005000ull;
	struct string_io_fault f;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && port_log[0] == 'x');
	CHECK_EQ_U64(c.rsi, 0x5001);
	CHECK_EQ_U64(c.rcx, 0);
	/* 16-bit address size outside 64-bit mode: SI wraps, the upper bits
	 * stay; limit checked. */
	reset();
	op = string_io_decode(qual(1, false, false, 0x3f8), 0);
	c = (struct string_io_cpu){ .mode64 = false, .segment_base = 0x5000, .segment_limit = 0xffff };
	c.rsi = 0x12340000ull;
	mem[0x7000] = 'y';
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && port_log[0] == 'y');
	CHECK_EQ_U64(c.rsi, 0x12340001ull);
	c.segment_limit = 0x10;
	c.rsi = 0x20;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_FAULT && f.vector == 13);
}

/* One walk per page a REP touches, not one per element. */
static void test_one_walk_per_page(void)
{
	reset();
	struct string_io op = string_io_decode(qual(2, false, true, 0x3f8), 2u << 7);
	struct string_io_cpu c = cpu64();
	c.rcx = 100;
	c.rsi = 0x5f00; /* 128 words up to 0x6000: 100 of them, one page */
	struct string_io_fault f;
	walks = 0;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && walks == 1);
	c.rcx = 130;
	c.rsi = 0x5f01; /* word 127 straddles 0x6000: two pages */
	walks = 0;
	CHECK(string_io_run(&op, &c, &env, 1024, &f) == STRING_IO_DONE && walks == 2);
	CHECK(port_log_len == sizeof(port_log)); /* the log saturated: 460 bytes went out */
}

static void test_unsupported_paging(void)
{
	struct guest_walk w = guest_page_walk(CR0_PG | 1, 0, 0, CR3, 0x5000, read_phys, NULL);
	CHECK(!w.ok && !w.supported);
	reset();
	w = guest_page_walk(CR0_PG | 1, CR4_PAE, EFER_LMA, CR3, 0x6000, read_phys, NULL);
	CHECK(w.ok && w.present && !w.writable && w.user && w.entries == 4 && w.gpa == 0x8000);
	w = guest_page_walk(CR0_PG | 1, CR4_PAE, EFER_LMA, CR3, 0xc000, read_phys, NULL);
	CHECK(!w.ok && !w.present && w.supported);
}

int main(void)
{
	test_decode();
	test_decode_prefixes();
	test_rep_outsb();
	test_rep_zero_count_and_limit();
	test_df_down();
	test_insd_writes_and_dirties();
	test_page_crossing();
	test_not_present_and_user();
	test_hidden_and_canonical();
	test_address_sizes();
	test_one_walk_per_page();
	test_unsupported_paging();
	return unit_finish("test_string_io");
}
