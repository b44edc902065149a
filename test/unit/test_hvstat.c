/* Unit tests of hvstat's parser (tools/hvstat/stats_parse.c) and line
 * reader (log_read.c): the log is shared with the guest and may be cut or
 * garbled, so most cases here are damaged input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log_read.h"
#include "render.h"
#include "stats_parse.h"
#include "unit.h"

static struct hvs_model m;

/* Feeds text line by line (a '\r' before '\n' stays in the line). */
static void feed(struct hvs_model *model, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		hvs_feed_line(model, text, n);
		text += n + (nl != NULL);
	}
}

static void parse(const char *text)
{
	hvs_free(&m);
	hvs_init(&m, NULL, NULL);
	feed(&m, text);
	hvs_finish(&m);
}

static const char README_SNAPSHOT[] =
	"poweroff: statistics requested mid-line:\n"
	"hv: exits begin cpu=0 why=request tsc=773658861\n"
	"hv: | exit reason               count  share   avg cyc      min       max | top sub-kinds\n"
	"hv: | IO_INSTRUCTION             2438  99.3%       198      181       218 | port:0xcf8-out (1152)\n"
	"hv: | all                        2455   100%       198                    |\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION count=2438 cycles=484763 min=181 max=218 vmreads=12190 vmwrites=2438\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3f8-out count=707 cycles=154106 min=214 max=218\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xcf8-in count=576 cycles=104256 min=181 max=181\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xcf8-out count=1152 cycles=225792 min=196 max=196\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x64-in count=1 cycles=185 min=185 max=185\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3fb-out count=2 cycles=424 min=212 max=212\n"
	"hv: exits cpu=0 reason=CPUID count=15 cycles=1873 min=120 max=133 vmreads=70 vmwrites=15\n"
	"hv: exits cpu=0 reason=CPUID sub=leaf:0x00000001 count=10 cycles=1260 min=126 max=126\n"
	"hv: exits cpu=0 reason=CPUID sub=leaf:0x00000000 count=4 cycles=480 min=120 max=120\n"
	"hv: exits cpu=0 reason=CPUID sub=leaf:0x40000000 count=1 cycles=133 min=133 max=133\n"
	"hv: exits cpu=0 reason=EXTERNAL_INTERRUPT count=2 cycles=492 min=246 max=246 vmreads=10 vmwrites=2\n"
	"hv: exits cpu=0 reason=EXTERNAL_INTERRUPT sub=vector:32 count=2 cycles=492 min=246 max=246\n"
	"hv: exits cpu=0 total=2455 ept_violations=0 cycles=487128\n"
	" (line resumed)\n";

static void test_normal_snapshot(void)
{
	parse(README_SNAPSHOT);
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(m.dropped, 0);
	CHECK_EQ_U64(m.records, 14);
	CHECK_EQ_U64(m.lines, 19);
	CHECK_EQ_U64(hvs_cpu_count(&m), 1);
	CHECK(s->has_begin);
	CHECK_STR(s->why, "request");
	CHECK_EQ_U64(s->tsc, 773658861);
	CHECK(s->has_total && s->has_cycles);
	CHECK_EQ_U64(s->total, 2455);
	CHECK_EQ_U64(s->cycles, 487128);
	CHECK_EQ_U64(s->ept_violations, 0);
	CHECK_EQ_U64(s->line, 18);
	CHECK_EQ_U64(s->nreasons, 3);
	CHECK_EQ_U64(hvs_reason_sum(s), 2455);
	const struct hvs_reason *io = hvs_find_reason(s, "IO_INSTRUCTION");
	CHECK(io != NULL);
	if (io) {
		CHECK_EQ_U64(io->cell.count, 2438);
		CHECK_EQ_U64(io->cell.cycles, 484763);
		CHECK_EQ_U64(io->cell.min, 181);
		CHECK_EQ_U64(io->cell.max, 218);
		CHECK(io->cell.has_cycles);
		CHECK(io->has_vmreads && io->has_vmwrites);
		CHECK_EQ_U64(io->vmreads, 12190);
		CHECK_EQ_U64(io->nsubs, 5);
		const struct hvs_sub *x = hvs_find_sub(io, "port:0xcf8-out");
		CHECK(x && x->cell.count == 1152 && x->cell.cycles == 225792 && x->cell.min == 196);
	}
	unsigned order[HVS_MAX_REASONS];
	hvs_order_reasons(s, order);
	CHECK_STR(s->reasons[order[0]].name, "IO_INSTRUCTION");
	CHECK_STR(s->reasons[order[1]].name, "CPUID");
	CHECK_STR(s->reasons[order[2]].name, "EXTERNAL_INTERRUPT");
	if (io) {
		unsigned so[HVS_MAX_SUBS];
		hvs_order_subs(io, so);
		CHECK_STR(io->subs[so[0]].key, "port:0xcf8-out");
		CHECK_STR(io->subs[so[1]].key, "port:0x3f8-out");
		CHECK_STR(io->subs[so[4]].key, "port:0x64-in");
	}
}

static unsigned sunk;
static uint64_t sunk_total[8];
static void sink(void *ctx, const struct hvs_snapshot *s)
{
	(void)ctx;
	if (sunk < 8)
		sunk_total[sunk] = s->total;
	sunk++;
}

static void test_last_snapshot_wins(void)
{
	hvs_free(&m);
	hvs_init(&m, sink, NULL);
	sunk = 0;
	feed(&m, "hv: exits begin cpu=0 why=periodic tsc=100\n"
		 "hv: exits cpu=0 reason=CPUID count=5 cycles=500 min=100 max=100\n"
		 "hv: exits cpu=0 total=5 ept_violations=1 cycles=500\n"
		 "guest: hello\n"
		 "hv: exits begin cpu=0 why=periodic tsc=200\n"
		 "hv: exits cpu=0 reason=CPUID count=9 cycles=900 min=100 max=100\n"
		 "hv: exits cpu=0 total=9 ept_violations=2 cycles=900\n"
		 "hv: exits begin cpu=0 why=final tsc=300\n"
		 "hv: exits cpu=0 reason=CPUID count=12 cycles=1300 min=100 max=200\n"
		 "hv: exits cpu=0 reason=HLT count=1 cycles=50 min=50 max=50\n"
		 "hv: exits cpu=0 total=13 ept_violations=2 cycles=1350\n");
	hvs_finish(&m);
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(sunk, 3);
	CHECK_EQ_U64(sunk_total[0], 5);
	CHECK_EQ_U64(sunk_total[2], 13);
	CHECK_EQ_U64(m.cpu[0].completed, 3);
	CHECK(!m.cpu[0].incomplete);
	CHECK(s && s->total == 13 && s->nreasons == 2 && !strcmp(s->why, "final") && s->tsc == 300);
	CHECK(s && s->line == 11);
	const struct hvs_reason *r = s ? hvs_find_reason(s, "CPUID") : NULL;
	CHECK(r && r->cell.count == 12 && r->cell.max == 200);
	CHECK(r && !r->has_vmreads);
}

static void test_guest_prefix_and_crlf(void)
{
	parse("[    1.23] foohv: exits begin cpu=0 why=request tsc=5\r\n"
	      "hv: exits cpu=0 reason=CPUID count=3 cycles=300 min=100 max=100\r\n"
	      "[    1.24] random: crng init donehv: exits cpu=0 reason=CPUID sub=leaf:0x00000001 count=3 cycles=300 "
	      "min=100 max=100\r\n"
	      "\r\n"
	      "hv: exits cpu=0 total=3 ept_violations=0 cycles=300  \r\n");
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(m.records, 4);
	CHECK(s && s->has_begin && s->total == 3 && s->cycles == 300);
	const struct hvs_reason *r = s ? hvs_find_reason(s, "CPUID") : NULL;
	CHECK(r && r->nsubs == 1 && !strcmp(r->subs[0].key, "leaf:0x00000001") && r->subs[0].cell.max == 100);
}

/* Each line must count as damaged and change nothing. */
static void test_damaged_lines(void)
{
	static const char *const bad[] = {
		"hv: exits cpu=0 reason=RDMSR cycles=10 min=10 max=10",                   /* no count */
		"hv: exits cpu=0 reason=RDMSR count=x1 cycles=10 min=10 max=10",          /* non-numeric */
		"hv: exits cpu=0 reason=RDMSR count=-1",                                  /* negative */
		"hv: exits cpu=0 reason=RDMSR count=0x10",                                /* not decimal */
		"hv: exits cpu=0 reason=RDMSR count=1 cycles=10 min=1",                   /* cut mid-line */
		"hv: exits cpu=0 reason=RDMSR count=1 cyc",                               /* cut in a key */
		"hv: exits cpu=0 reason=RDMSR count=1 cycles=",                           /* cut after '=' */
		"hv: exits cpu=0 reason=RDM",                                             /* cut in the name */
		"hv: exits cpu=0 reason=RDMSR count=18446744073709551616",                /* 2^64 */
		"hv: exits cpu=0 reason=RDMSR count=99999999999999999999999",            /* far over */
		"hv: exits cpu=0 reason=RDMSR count=2 cycles=10 min=9 max=3",             /* min > max */
		"hv: exits cpu=0 reason=RDMSR count=2 cycles=10 min=9 max=9",             /* cycles < count*min */
		"hv: exits cpu=0 reason=RDMSR count=2 cycles=19 min=1 max=9",             /* cycles > count*max */
		"hv: exits cpu=0 reason=RDMSR count=0",                                   /* never printed */
		"hv: exits cpu=0 reason=RDMSR count=1 count=1",                           /* key twice */
		"hv: exits cpu=0 reason=rdmsr-x count=1",                                 /* not a name */
		"hv: exits cpu=0 reason=RDMSR sub=MSR:0x10 count=1",                      /* kind not lower */
		"hv: exits cpu=0 reason=RDMSR sub=msr count=1",                           /* no value */
		"hv: exits cpu=0 reason=RDMSR count=1 future=abc",                        /* unknown, not a number */
		"hv: exits cpu=0 reason=RDMSR count=1 total=1 ept_violations=0",          /* two kinds */
		"hv: exits cpu=x reason=RDMSR count=1",                                   /* cpu non-numeric */
		"hv: exits reason=RDMSR count=1",                                         /* no cpu */
		"hv: exits cpu=0 total=5",                                                /* no ept_violations */
		"hv: exits cpu=0 total=5 ept_violations=0 cycles=1 min=1",                /* foreign field */
		"hv: exits begin cpu=0 why=final",                                        /* no tsc */
		"hv: exits begin cpu=0 why=FINAL tsc=1",                                  /* why not lower */
		"hv: exits begin cpu=0 why=final tsc=1 reason=CPUID",                     /* foreign field */
		"hv: exits ",                                                             /* nothing */
		"hv: exits cpu=0 reason=RDMSR count=1 =5",                                /* empty key */
		"hv: exits cpu=0 reason=RDMSR sub=msr:0x10 count=1 vmreads=3",            /* vmreads on a sub */
	};
	unsigned n = sizeof(bad) / sizeof(bad[0]);
	parse("hv: exits begin cpu=0 why=request tsc=1\n"
	      "hv: exits cpu=0 reason=CPUID count=1 cycles=5 min=5 max=5\n");
	for (unsigned i = 0; i < n; i++) {
		unsigned long before = m.damaged;
		feed(&m, bad[i]);
		if (m.damaged != before + 1)
			fprintf(stderr, "  not counted as damaged: %s\n", bad[i]);
		CHECK_EQ_U64(m.damaged, before + 1);
	}
	/* Garbage bytes, a NUL included: the length covers them. */
	static const char garbage[] = "hv: exits cpu=0 reason=RDMSR count=1\0\xff\x01 cycles=1 min=1 max=1";
	hvs_feed_line(&m, garbage, sizeof(garbage) - 1);
	CHECK_EQ_U64(m.damaged, n + 1);
	feed(&m, "hv: exits cpu=0 total=1 ept_violations=0 cycles=5\n");
	hvs_finish(&m);
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.records, 3);
	CHECK(s && s->nreasons == 1 && !hvs_find_reason(s, "RDMSR"));
	CHECK_EQ_U64(m.dropped, 0);

	/* The largest u64 itself is fine. */
	parse("hv: exits cpu=0 reason=RDMSR count=18446744073709551615\n"
	      "hv: exits cpu=0 total=18446744073709551615 ept_violations=0\n");
	CHECK_EQ_U64(m.damaged, 0);
	s = hvs_last(&m, 0);
	CHECK(s && s->reasons[0].cell.count == UINT64_MAX && s->total == UINT64_MAX);

	/* A record cut off by the next one: the first is damaged, the second
	 * still counts. */
	parse("hv: exits cpu=0 reason=CPUID count=2hv: exits cpu=0 reason=HLT count=1\n"
	      "hv: exits cpu=0 total=1 ept_violations=0\n");
	CHECK_EQ_U64(m.damaged, 1);
	s = hvs_last(&m, 0);
	CHECK(s && s->nreasons == 1 && hvs_find_reason(s, "HLT") && !hvs_find_reason(s, "CPUID"));

	/* Unknown numeric fields are a later hypervisor's: accepted. */
	parse("hv: exits cpu=0 reason=CPUID count=2 cycles=4 min=2 max=2 vmreads=1 tlb_flushes=7\n"
	      "hv: exits cpu=0 total=2 ept_violations=0 cycles=4\n");
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(hvs_cpu_count(&m), 1);
}

static void test_version1_needs_cycles(void)
{
	/* Inside a begun snapshot a line without cycles was cut. */
	parse("hv: exits begin cpu=0 why=final tsc=1\n"
	      "hv: exits cpu=0 reason=CPUID count=2 cycles=4 min=2 max=2\n"
	      "hv: exits cpu=0 reason=HLT count=2\n"
	      "hv: exits cpu=0 reason=CPUID sub=leaf:0x1 count=2\n"
	      "hv: exits cpu=0 reason=CPUID count=2 cycles=4 min=2 max=2\n" /* twice */
	      "hv: exits cpu=0 total=4 ept_violations=0\n"
	      "hv: exits cpu=0 total=4 ept_violations=0 cycles=8\n");
	CHECK_EQ_U64(m.damaged, 4);
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK(s && s->nreasons == 1 && s->total == 4 && s->cycles == 8);
	CHECK(s && hvs_reason_sum(s) == 2);
}

static void test_incomplete_last_snapshot(void)
{
	parse("hv: exits begin cpu=0 why=periodic tsc=10\n"
	      "hv: exits cpu=0 reason=CPUID count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=0 total=4 ept_violations=0 cycles=40\n"
	      "hv: exits begin cpu=0 why=final tsc=20\n"
	      "hv: exits cpu=0 reason=CPUID count=8 cycles=80 min=10 max=10\n"
	      "hv: exits cpu=0 reason=CPUID sub=leaf:0x0000");
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK(m.cpu[0].incomplete);
	CHECK_EQ_U64(m.damaged, 1);
	CHECK(s && s->total == 4 && s->tsc == 10 && !strcmp(s->why, "periodic"));
	CHECK_EQ_U64(hvs_cpu_count(&m), 1);

	/* The only snapshot cut: nothing to report for that CPU. */
	parse("hv: exits begin cpu=2 why=final tsc=20\n"
	      "hv: exits cpu=2 reason=CPUID count=8 cycles=80 min=10 max=10\n");
	CHECK(m.cpu[2].incomplete);
	CHECK(hvs_last(&m, 2) == NULL);
	CHECK_EQ_U64(hvs_cpu_count(&m), 0);

	/* A begin line ends a snapshot still open: it was cut. */
	parse("hv: exits begin cpu=0 why=periodic tsc=10\n"
	      "hv: exits cpu=0 reason=CPUID count=4 cycles=40 min=10 max=10\n"
	      "hv: exits begin cpu=0 why=final tsc=20\n"
	      "hv: exits cpu=0 reason=HLT count=1 cycles=10 min=10 max=10\n"
	      "hv: exits cpu=0 total=1 ept_violations=0 cycles=10\n");
	s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.abandoned, 1);
	CHECK(!m.cpu[0].incomplete);
	CHECK(s && s->nreasons == 1 && hvs_find_reason(s, "HLT") && s->tsc == 20);
}

static void test_old_format(void)
{
	parse("hv: exits cpu=0 reason=IO_INSTRUCTION count=1730\n"
	      "hv: exits cpu=0 reason=CPUID count=15\n"
	      "hv: exits cpu=0 reason=EXTERNAL_INTERRUPT count=2\n"
	      "hv: exits cpu=0 total=1747 ept_violations=0\n"
	      "hv: exits cpu=0 reason=CPUID count=20\n"
	      "hv: exits cpu=0 total=20 ept_violations=3\n");
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(m.cpu[0].completed, 2);
	CHECK(s && !s->has_begin && !s->has_cycles && s->total == 20 && s->ept_violations == 3);
	CHECK(s && s->nreasons == 1 && !s->reasons[0].cell.has_cycles && s->reasons[0].cell.count == 20);
}

static void test_subs_attach_to_their_reason(void)
{
	parse("hv: exits begin cpu=0 why=request tsc=1\n"
	      "hv: exits cpu=0 reason=CR_ACCESS count=3 cycles=30 min=10 max=10\n"
	      "hv: exits cpu=0 reason=CR_ACCESS sub=cr:cr0-write count=2 cycles=20 min=10 max=10\n"
	      "hv: exits cpu=0 reason=RDMSR count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=0 reason=RDMSR sub=msr:0x0000001b count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=0 reason=CR_ACCESS sub=cr:cr4-write count=1 cycles=10 min=10 max=10\n"
	      "hv: exits cpu=0 reason=WRMSR sub=msr:0x0000001b count=1 cycles=10 min=10 max=10\n" /* orphan */
	      "hv: exits cpu=0 reason=RDMSR sub=msr:0x0000001b count=4 cycles=40 min=10 max=10\n" /* twice */
	      "hv: exits cpu=0 total=7 ept_violations=0 cycles=70\n");
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.damaged, 2);
	const struct hvs_reason *cr = s ? hvs_find_reason(s, "CR_ACCESS") : NULL;
	const struct hvs_reason *rd = s ? hvs_find_reason(s, "RDMSR") : NULL;
	CHECK(cr && cr->nsubs == 2 && hvs_find_sub(cr, "cr:cr0-write") && hvs_find_sub(cr, "cr:cr4-write"));
	CHECK(cr && !hvs_find_sub(cr, "msr:0x0000001b"));
	CHECK(rd && rd->nsubs == 1 && hvs_find_sub(rd, "msr:0x0000001b") && rd->subs[0].cell.count == 4);
	CHECK(s && !hvs_find_reason(s, "WRMSR"));

	/* A sub-kind before any snapshot of its CPU is an orphan too. */
	parse("hv: exits cpu=1 reason=CPUID sub=leaf:0x1 count=1\n");
	CHECK_EQ_U64(m.damaged, 1);
}

static void test_cpus_summed(void)
{
	struct hvs_snapshot *sum = malloc(sizeof(*sum));
	unsigned long lost = 99;
	parse("hv: exits begin cpu=0 why=final tsc=1\n"
	      "hv: exits begin cpu=3 why=final tsc=2\n"
	      "hv: exits cpu=0 reason=CPUID count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=3 reason=CPUID count=2 cycles=50 min=5 max=45\n"
	      "hv: exits cpu=0 reason=CPUID sub=leaf:0x00000001 count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=3 reason=CPUID sub=leaf:0x00000001 count=1 cycles=5 min=5 max=5\n"
	      "hv: exits cpu=3 reason=CPUID sub=leaf:0x0000000d count=1 cycles=45 min=45 max=45\n"
	      "hv: exits cpu=3 reason=HLT count=1 cycles=7 min=7 max=7\n"
	      "hv: exits cpu=0 total=4 ept_violations=1 cycles=40\n"
	      "hv: exits cpu=3 total=3 ept_violations=2 cycles=57\n");
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(hvs_cpu_count(&m), 2);
	CHECK(sum && hvs_sum(&m, sum, &lost));
	if (sum) {
		CHECK_EQ_U64(lost, 0);
		CHECK_EQ_U64(sum->cpu, HVS_CPU_ALL);
		CHECK_EQ_U64(sum->total, 7);
		CHECK_EQ_U64(sum->cycles, 97);
		CHECK_EQ_U64(sum->ept_violations, 3);
		CHECK(sum->has_cycles);
		const struct hvs_reason *c = hvs_find_reason(sum, "CPUID");
		CHECK(c && c->cell.count == 6 && c->cell.cycles == 90 && c->cell.min == 5 && c->cell.max == 45);
		const struct hvs_sub *l1 = c ? hvs_find_sub(c, "leaf:0x00000001") : NULL;
		CHECK(l1 && l1->cell.count == 5 && l1->cell.min == 5 && l1->cell.max == 10);
		CHECK(c && c->nsubs == 2);
		const struct hvs_reason *h = hvs_find_reason(sum, "HLT");
		CHECK(h && h->cell.count == 1);
	}
	/* One CPU without cycles makes the summed cycles unknown. */
	parse("hv: exits cpu=0 reason=CPUID count=4 cycles=40 min=10 max=10\n"
	      "hv: exits cpu=0 total=4 ept_violations=0 cycles=40\n"
	      "hv: exits cpu=1 reason=CPUID count=4\n"
	      "hv: exits cpu=1 total=4 ept_violations=0\n");
	CHECK(sum && hvs_sum(&m, sum, NULL));
	if (sum) {
		CHECK(!sum->has_cycles && sum->total == 8);
		CHECK(sum->nreasons == 1 && sum->reasons[0].cell.count == 8 && !sum->reasons[0].cell.has_cycles);
	}
	parse("guest only\n");
	CHECK(sum && !hvs_sum(&m, sum, NULL));
	free(sum);
}

static void test_ignores_table_and_other_lines(void)
{
	parse("hv: | exit reason               count  share   avg cyc      min       max | top sub-kinds\n"
	      "hv: | CPUID                        15   0.6%       124      120       133 | leaf:0x00000001 (10)\n"
	      "hv: +----------------------------------------------------------------------+\n"
	      "hv: exits: none\n"
	      "hv: hv 0.1.0 starting\n"
	      "[    0.000000] Linux version 6.1.0-18-cloud-amd64\n"
	      "\n"
	      "hv: periodic statistics: cpu=0 rip=0xffffffff81e0a1b2\n");
	CHECK_EQ_U64(m.lines, 8);
	CHECK_EQ_U64(m.records, 0);
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(hvs_cpu_count(&m), 0);
}

/* Past the bounds records are dropped and counted; ASan watches the rest. */
static void test_bounds(void)
{
	char line[256];
	parse("");
	for (unsigned c = 0; c < HVS_MAX_CPUS + 6; c++) {
		snprintf(line, sizeof(line), "hv: exits cpu=%u reason=CPUID count=1\n", c);
		feed(&m, line);
		snprintf(line, sizeof(line), "hv: exits cpu=%u total=1 ept_violations=0\n", c);
		feed(&m, line);
	}
	CHECK_EQ_U64(hvs_cpu_count(&m), HVS_MAX_CPUS);
	CHECK_EQ_U64(m.dropped, 12);
	CHECK_EQ_U64(m.damaged, 0);

	parse("hv: exits begin cpu=0 why=final tsc=0\n");
	for (unsigned r = 0; r < HVS_MAX_REASONS + 2; r++) {
		snprintf(line, sizeof(line), "hv: exits cpu=0 reason=R%u count=1 cycles=1 min=1 max=1\n", r);
		feed(&m, line);
	}
	for (unsigned k = 0; k < HVS_MAX_SUBS + 8; k++) {
		snprintf(line, sizeof(line), "hv: exits cpu=0 reason=R0 sub=key:%u count=1 cycles=1 min=1 max=1\n", k);
		feed(&m, line);
	}
	feed(&m, "hv: exits cpu=0 reason=A_NAME_MUCH_LONGER_THAN_ANY_EXIT_REASON_IN_THE_SDM count=1 cycles=1 min=1 "
		 "max=1\n");
	feed(&m, "hv: exits cpu=0 reason=R1 sub=key:a-value-much-longer-than-any-sub-kind-the-hypervisor-prints "
		 "count=1 cycles=1 min=1 max=1\n");
	feed(&m, "hv: exits cpu=0 total=130 ept_violations=0 cycles=130\n");
	hvs_finish(&m);
	const struct hvs_snapshot *s = hvs_last(&m, 0);
	CHECK_EQ_U64(m.dropped, 2 + 8 + 2);
	CHECK(s && s->nreasons == HVS_MAX_REASONS && s->reasons[0].nsubs == HVS_MAX_SUBS);

	/* Two CPUs whose reasons together pass the bound: the sum drops. */
	struct hvs_snapshot *sum = malloc(sizeof(*sum));
	unsigned long lost = 0;
	for (unsigned r = 0; r < HVS_MAX_REASONS; r++) {
		snprintf(line, sizeof(line), "hv: exits cpu=1 reason=S%u count=1\n", r);
		feed(&m, line);
	}
	feed(&m, "hv: exits cpu=1 total=128 ept_violations=0\n");
	CHECK(sum && hvs_sum(&m, sum, &lost));
	CHECK_EQ_U64(lost, HVS_MAX_REASONS);
	CHECK(sum && sum->nreasons == HVS_MAX_REASONS);
	free(sum);
}

static void test_read_stream(void)
{
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		return;
	static const char text[] = "junk\0junk hv: exits cpu=0 reason=X count=1\n"
				   "hv: exits cpu=0 reason=CPUID count=1\r\n"
				   "hv: exits cpu=0 total=1 ept_violations=0"; /* no final newline */
	/* A line longer than the reader keeps: the record at its end is lost. */
	for (unsigned i = 0; i < HVS_LINE_MAX / 8 + 1; i++)
		fputs("guest..:", f);
	fputs("hv: exits cpu=1 reason=CPUID count=1\nhv: exits cpu=1 total=1 ept_violations=0\n", f);
	fwrite(text, 1, sizeof(text) - 1, f);
	rewind(f);
	hvs_free(&m);
	hvs_init(&m, NULL, NULL);
	CHECK_EQ_U64(hvs_read_stream(&m, f), 0);
	fclose(f);
	CHECK_EQ_U64(m.lines, 5);
	CHECK_EQ_U64(m.damaged, 0);
	CHECK_EQ_U64(m.records, 4);
	CHECK(hvs_last(&m, 0) && hvs_last(&m, 0)->total == 1 && hvs_find_reason(hvs_last(&m, 0), "X"));
	CHECK(hvs_last(&m, 1) && hvs_last(&m, 1)->nreasons == 0);
}

/* --machine output is hvstat's own input: reading it back gives the same. */
static void test_machine_round_trip(void)
{
	parse(README_SNAPSHOT);
	feed(&m, "hv: exits cpu=1 reason=CPUID count=15\nhv: exits cpu=1 total=15 ept_violations=4\n");
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		return;
	hvs_print_machine(f, hvs_last(&m, 0));
	hvs_print_machine(f, hvs_last(&m, 1));
	rewind(f);
	static struct hvs_model back;
	hvs_init(&back, NULL, NULL);
	CHECK_EQ_U64(hvs_read_stream(&back, f), 0);
	fclose(f);
	CHECK_EQ_U64(back.damaged, 0);
	CHECK_EQ_U64(back.records, m.records);
	for (unsigned c = 0; c < 2; c++) {
		const struct hvs_snapshot *a = hvs_last(&m, c), *b = hvs_last(&back, c);
		CHECK(a && b);
		if (!a || !b)
			continue;
		CHECK(a->has_begin == b->has_begin && a->tsc == b->tsc && !strcmp(a->why, b->why));
		CHECK(a->total == b->total && a->cycles == b->cycles && a->has_cycles == b->has_cycles);
		CHECK(a->ept_violations == b->ept_violations);
		CHECK_EQ_U64(a->nreasons, b->nreasons);
		for (unsigned i = 0; i < a->nreasons && i < b->nreasons; i++) {
			const struct hvs_reason *x = &a->reasons[i], *y = &b->reasons[i];
			/* The fixed arrays are compared up to the used sub-kinds. */
			CHECK(!memcmp(x, y, offsetof(struct hvs_reason, subs) + x->nsubs * sizeof(x->subs[0])));
		}
	}
	hvs_free(&back);
}

int main(void)
{
	test_normal_snapshot();
	test_last_snapshot_wins();
	test_guest_prefix_and_crlf();
	test_damaged_lines();
	test_version1_needs_cycles();
	test_incomplete_last_snapshot();
	test_old_format();
	test_subs_attach_to_their_reason();
	test_cpus_summed();
	test_ignores_table_and_other_lines();
	test_bounds();
	test_read_stream();
	test_machine_round_trip();
	hvs_free(&m);
	return unit_finish("test_hvstat");
}
