/* Exit statistics: recording (count, cycles, min/max, sub-kinds with their
 * overflow slot, VMCS access counts) and the rendered lines. */
#include "hv/exits/exit_reasons.h"
#include "hv/stats/report.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct exit_stats stats;

static char lines[256][256];
static unsigned nlines;

static void sink(void *ctx, const char *line)
{
	(void)ctx;
	if (nlines < 256)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

static const char *name(unsigned r)
{
	switch (r) {
	case EXIT_REASON_CPUID: return "CPUID";
	case EXIT_REASON_CR_ACCESS: return "CR_ACCESS";
	case EXIT_REASON_IO_INSTRUCTION: return "IO_INSTRUCTION";
	case EXIT_REASON_RDMSR: return "RDMSR";
	default: return "OTHER";
	}
}

static int find(const char *text)
{
	for (unsigned i = 0; i < nlines; i++)
		if (strcmp(lines[i], text) == 0)
			return (int)i;
	return -1;
}

static int find_prefix(const char *text)
{
	for (unsigned i = 0; i < nlines; i++)
		if (strncmp(lines[i], text, strlen(text)) == 0)
			return (int)i;
	return -1;
}

static const char *sdm_name(unsigned r)
{
	static const char *const names[EXIT_REASON_MAX] = {
#define X(n, nm, handler, during_delivery) [n] = #nm,
		EXIT_REASON_LIST(X)
#undef X
	};
	return r < EXIT_REASON_MAX && names[r] ? names[r] : "unknown";
}

/* The periodic dump shows what changed since the last one. */
static void test_delta(void)
{
	static struct exit_stats d;
	stats_record(&d, EXIT_REASON_CPUID, 1, 100, 4, 1);
	stats_record(&d, EXIT_REASON_CPUID, 0xb, 100, 4, 1);
	stats_mark_shown(&d, 1000000);
	for (int i = 0; i < 5; i++)
		stats_record(&d, EXIT_REASON_CPUID, 1, 100, 4, 1);
	stats_record(&d, EXIT_REASON_CPUID, 7, 150, 4, 1);
	stats_record(&d, EXIT_REASON_CPUID, 7, 150, 4, 1);
	stats_record(&d, EXIT_REASON_HLT, 0, 50, 2, 1);
	d.skipped_dumps = 2;
	nlines = 0;
	/* 3,000,000 ticks later at 1,000,000 ticks per ms: 3 ms. */
	stats_render_delta(&d, 2, 4000000, 1000000, 0xfff1, sdm_name, sink, NULL);
	CHECK_EQ_U64(nlines, 4);
	CHECK_STR(lines[0], "periodic statistics: cpu=2 tsc=4000000 ms=3 skipped=2 rip=0xfff1");
	CHECK_STR(lines[1], "delta reason=CPUID count=7 top=leaf:0x00000001/5,leaf:0x00000007/2");
	CHECK_STR(lines[2], "delta reason=HLT count=1 top=wake/1");
	CHECK_STR(lines[3], "delta cpu=2 total=8 cycles=850");
	/* Marked again: nothing new, an empty delta; skipped is cleared. */
	stats_mark_shown(&d, 4000000);
	nlines = 0;
	stats_render_delta(&d, 2, 5000000, 1000000, 0xfff2, sdm_name, sink, NULL);
	CHECK_EQ_U64(nlines, 2);
	CHECK_STR(lines[0], "periodic statistics: cpu=2 tsc=5000000 ms=1 skipped=0 rip=0xfff2");
	CHECK_STR(lines[1], "delta cpu=2 total=0 cycles=0");
}

static size_t wire_bytes;
static void count_sink(void *ctx, const char *line)
{
	(void)ctx;
	wire_bytes += strlen("hv: ") + strlen(line) + 2; /* as serial.c sends it: "\r\n" */
}

/* Issue 14: a one-CPU periodic dump with ten active reasons fits in 1 KB
 * on the wire ("hv: " prefix and CR LF included): a busy second of a 3 GHz machine (two
 * hundred thousand exits), each reason with four sub-kinds of its own
 * kind, five-digit counts, nine-digit cycles. */
static void test_periodic_size(void)
{
	static struct exit_stats p;
	static const struct {
		unsigned reason;
		uint32_t key;
	} kinds[10] = { { EXIT_REASON_EXTERNAL_INTERRUPT, 236 }, { EXIT_REASON_CPUID, 0xb },
			{ EXIT_REASON_HLT, 0 },			 { EXIT_REASON_IO_INSTRUCTION, 0xcf8 << 1 | 1 },
			{ EXIT_REASON_RDMSR, 0xc0000100 },	 { EXIT_REASON_WRMSR, 0x6e0 },
			{ EXIT_REASON_CR_ACCESS, 4 << 2 },	 { EXIT_REASON_EPT_VIOLATION, 0x300 },
			{ EXIT_REASON_PREEMPTION_TIMER, 2 },	 { EXIT_REASON_EXCEPTION_NMI, 14 } };
	stats_mark_shown(&p, 1);
	for (unsigned i = 0; i < 10; i++)
		for (uint32_t k = 0; k < 4; k++)
			for (unsigned n = 0; n < 30 + k; n++)
				stats_record(&p, kinds[i].reason, kinds[i].key + k, 1000, 5, 2);
	for (unsigned i = 0; i < 10; i++) {
		struct reason_stats *r = &p.reason[kinds[i].reason];
		r->cell.count += 19000, r->cell.cycles += 150000000;
		for (unsigned k = 0; k < 2; k++)
			r->subs[k].cell.count += 9000;
	}
	wire_bytes = 0;
	stats_render_delta(&p, 0, 3000000001ull, 3000000, 0xffffffff81e0a1b2ull, sdm_name, count_sink, NULL);
	printf("periodic dump, ten reasons: %zu bytes\n", wire_bytes);
	CHECK(wire_bytes <= 1024);
}

/* A snapshot is a copy taken between two updates; a reset zeroes all. */
static void test_snapshot_and_reset(void)
{
	static struct exit_stats a, b;
	stats_record(&a, EXIT_REASON_CPUID, 1, 100, 4, 1);
	CHECK_EQ_U64(a.seq, 2); /* odd only while an update is under way */
	stats_snapshot(&b, &a);
	CHECK_EQ_U64(b.reason[EXIT_REASON_CPUID].cell.count, 1);
	CHECK_EQ_U64(b.exits, 1);
	stats_reset(&a);
	CHECK_EQ_U64(a.exits, 0);
	CHECK_EQ_U64(a.reason[EXIT_REASON_CPUID].cell.count, 0);
	CHECK_EQ_U64(a.reason[EXIT_REASON_CPUID].subs_used, 0);
	CHECK_EQ_U64(a.seq, 4);
	/* Another CPU asks for a reset: the owner does it before its next count. */
	stats_record(&a, EXIT_REASON_HLT, 0, 10, 1, 1);
	stats_record(&a, EXIT_REASON_HLT, 0, 10, 1, 1);
	a.reset_pending = 1;
	stats_record(&a, EXIT_REASON_CPUID, 1, 100, 4, 1);
	CHECK_EQ_U64(a.exits, 1);
	CHECK_EQ_U64(a.reason[EXIT_REASON_HLT].cell.count, 0);
	CHECK_EQ_U64(a.reset_pending, 0);
}

int main(void)
{
	/* CPUID: leaf 0 three times (100, 120, 90 cycles), leaf 1 once (300). */
	stats_record(&stats, EXIT_REASON_CPUID, 0, 100, 4, 1);
	stats_record(&stats, EXIT_REASON_CPUID, 0, 120, 4, 1);
	stats_record(&stats, EXIT_REASON_CPUID, 0, 90, 4, 1);
	stats_record(&stats, EXIT_REASON_CPUID, 1, 300, 5, 1);
	const struct reason_stats *c = &stats.reason[EXIT_REASON_CPUID];
	CHECK_EQ_U64(c->cell.count, 4);
	CHECK_EQ_U64(c->cell.cycles, 610);
	CHECK_EQ_U64(c->cell.min, 90);
	CHECK_EQ_U64(c->cell.max, 300);
	CHECK_EQ_U64(c->vmreads, 17);
	CHECK_EQ_U64(c->vmwrites, 4);
	CHECK_EQ_U64(c->subs_used, 2);
	CHECK_EQ_U64(c->subs[0].cell.count, 3);
	CHECK_EQ_U64(c->subs[0].cell.min, 90);
	CHECK_EQ_U64(c->subs[1].cell.max, 300);

	/* More distinct MSRs than slots: the rest are counted as "other". */
	for (uint32_t i = 0; i < STATS_SUBS + 3; i++)
		stats_record(&stats, EXIT_REASON_RDMSR, 0x100 + i, 50 + i, 3, 0);
	const struct reason_stats *m = &stats.reason[EXIT_REASON_RDMSR];
	CHECK_EQ_U64(m->subs_used, STATS_SUBS);
	CHECK_EQ_U64(m->other.count, 3);
	CHECK_EQ_U64(m->cell.count, STATS_SUBS + 3);

	/* No sub-kind, and an out-of-range reason (ignored, no crash). */
	stats_record(&stats, EXIT_REASON_CR_ACCESS, stats_sub_key_cr(0, 0), 200, 6, 3);
	stats_record(&stats, EXIT_REASON_IO_INSTRUCTION, STATS_NO_SUB, 10, 2, 0);
	stats_record(&stats, STATS_REASONS + 5, 0, 1000, 0, 0);
	CHECK_EQ_U64(stats.exits, 4 + STATS_SUBS + 3 + 2);

	char buf[64];
	stats_sub_format(EXIT_REASON_CPUID, 0xd, buf, sizeof(buf));
	CHECK_STR(buf, "leaf:0x0000000d");
	stats_sub_format(EXIT_REASON_CR_ACCESS, stats_sub_key_cr(4, 1), buf, sizeof(buf));
	CHECK_STR(buf, "cr:cr4-read");
	stats_sub_format(EXIT_REASON_IO_INSTRUCTION, stats_sub_key_port(0x64, true), buf, sizeof(buf));
	CHECK_STR(buf, "port:0x64-in");
	stats_sub_format(EXIT_REASON_RDMSR, 0xc0000080, buf, sizeof(buf));
	CHECK_STR(buf, "msr:0xc0000080");
	stats_sub_format(EXIT_REASON_EPT_VIOLATION, 0x300, buf, sizeof(buf));
	CHECK_STR(buf, "apic:0x300");
	stats_sub_format(EXIT_REASON_EXCEPTION_NMI, 14, buf, sizeof(buf));
	CHECK_STR(buf, "vector:14");

	stats_render(&stats, 0, "final", 12345, 2, name, sink, NULL);
	CHECK(nlines > 5);
	CHECK_STR(lines[0], "exits begin cpu=0 why=final tsc=12345");
	CHECK(find_prefix("| exit reason") == 1);
	/* Table rows by count: RDMSR (15) before CPUID (4). */
	int rdmsr_row = find_prefix("| RDMSR"), cpuid_row = find_prefix("| CPUID");
	CHECK(rdmsr_row > 1 && cpuid_row > rdmsr_row);
	/* CPUID: 4 of 21 exits = 19.0 %, average 152, top sub-kinds. */
	CHECK(cpuid_row > 0 && strstr(lines[cpuid_row], " 19.0% ") != NULL);
	CHECK(cpuid_row > 0 && strstr(lines[cpuid_row], "leaf:0x00000000 (3), leaf:0x00000001 (1)") != NULL);
	CHECK(cpuid_row > 0 && strstr(lines[cpuid_row], "      152 ") != NULL);
	/* Machine lines. */
	CHECK(find("exits cpu=0 reason=CPUID count=4 cycles=610 min=90 max=300 vmreads=17 vmwrites=4") > cpuid_row);
	CHECK(find("exits cpu=0 reason=CPUID sub=leaf:0x00000000 count=3 cycles=310 min=90 max=120") > 0);
	CHECK(find("exits cpu=0 reason=RDMSR sub=other:- count=3 cycles=189 min=62 max=64") > 0);
	CHECK(find("exits cpu=0 reason=CR_ACCESS sub=cr:cr0-write count=1 cycles=200 min=200 max=200") > 0);
	CHECK(find("exits cpu=0 reason=IO_INSTRUCTION count=1 cycles=10 min=10 max=10 vmreads=2 vmwrites=0") > 0);
	char total[128];
	snprintf(total, sizeof(total), "exits cpu=0 total=%u ept_violations=2 cycles=%llu", 4 + STATS_SUBS + 3 + 2,
		 (unsigned long long)stats.cycles);
	CHECK_STR(lines[nlines - 1], total);

	/* Empty statistics: begin, header, "all", total. */
	static struct exit_stats empty;
	nlines = 0;
	stats_render(&empty, 3, "request", 1, 0, name, sink, NULL);
	CHECK_EQ_U64(nlines, 4);
	CHECK_STR(lines[3], "exits cpu=3 total=0 ept_violations=0 cycles=0");

	/* Summed over CPUs: CPU 1 has CPUID leaf 1 again and a new leaf 7. */
	static struct exit_stats cpu1, all;
	stats_record(&cpu1, EXIT_REASON_CPUID, 1, 80, 4, 1);
	stats_record(&cpu1, EXIT_REASON_CPUID, 7, 400, 4, 1);
	stats_record(&cpu1, EXIT_REASON_INIT, STATS_NO_SUB, 500, 2, 3);
	for (uint32_t i = 0; i < 3; i++) /* 3 MSRs CPU 0 has not got: they land in "other" */
		stats_record(&cpu1, EXIT_REASON_RDMSR, 0x900 + i, 70, 3, 0);
	stats_merge(&all, &stats);
	stats_merge(&all, &cpu1);
	const struct reason_stats *ac = &all.reason[EXIT_REASON_CPUID];
	CHECK_EQ_U64(all.exits, stats.exits + cpu1.exits);
	CHECK_EQ_U64(all.cycles, stats.cycles + cpu1.cycles);
	CHECK_EQ_U64(ac->cell.count, 6);
	CHECK_EQ_U64(ac->cell.min, 80);
	CHECK_EQ_U64(ac->cell.max, 400);
	CHECK_EQ_U64(ac->vmreads, 25);
	CHECK_EQ_U64(ac->subs_used, 3);
	CHECK_EQ_U64(ac->subs[1].key, 1);
	CHECK_EQ_U64(ac->subs[1].cell.count, 2);
	CHECK_EQ_U64(ac->subs[1].cell.min, 80);
	CHECK_EQ_U64(ac->subs[2].key, 7);
	CHECK_EQ_U64(all.reason[EXIT_REASON_INIT].cell.count, 1);
	CHECK_EQ_U64(all.reason[EXIT_REASON_INIT].vmwrites, 3);
	CHECK_EQ_U64(all.reason[EXIT_REASON_RDMSR].subs_used, STATS_SUBS);
	CHECK_EQ_U64(all.reason[EXIT_REASON_RDMSR].other.count, 6);
	CHECK_EQ_U64(all.reason[EXIT_REASON_RDMSR].other.min, 62);
	CHECK_EQ_U64(all.reason[EXIT_REASON_RDMSR].cell.count, STATS_SUBS + 6);
	test_delta();
	test_periodic_size();
	test_snapshot_and_reset();
	return unit_finish("test_stats");
}
