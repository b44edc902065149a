/* Exit statistics: recording (count, cycles, min/max, sub-kinds with their
 * overflow slot, VMCS access counts) and the rendered lines. */
#include "hv/exits/exit_reasons.h"
#include "hv/exits/stats.h"
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
	return unit_finish("test_stats");
}
