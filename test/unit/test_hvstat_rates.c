/* hvstat's reader of the periodic dumps (tools/hvstat/rates.c) and its
 * views (render_rates.c, the timeline in render_svg.c). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "rates.h"
#include "render_rates.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hvr_reader reader;
static struct hvr_run run;

static void feed(const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		hvr_feed_line(&reader, p, n);
		p += n + (nl != NULL);
	}
}

static const char two_cpus[] =
	"hv: periodic statistics: cpu=0 tsc=2000000 ms=1000 skipped=0 rip=0xffffffff81000000\r\n"
	"hv: delta reason=EXTERNAL_INTERRUPT count=250 top=vector:236/200,vector:32/50\r\n"
	"Welcome to the guest console\r\n" /* the guest's own lines are ignored */
	"hv: delta reason=CPUID count=10 top=leaf:0x0000000b/10\r\n"
	"hv: delta cpu=0 total=260 cycles=52000\r\n"
	"login: hv: periodic statistics: cpu=1 tsc=2000100 ms=500 skipped=1 rip=0x1000\r\n"
	"hv: delta reason=HLT count=50 top=wake/50\r\n"
	"hv: delta reason=CPUID count=5\r\n"
	"hv: delta cpu=1 total=55 cycles=9000\r\n";

static void test_reader(void)
{
	hvr_init(&reader, hvr_run_add, &run);
	feed(two_cpus);
	CHECK_EQ_U64(reader.intervals, 2);
	CHECK_EQ_U64(reader.damaged, 0);
	CHECK_EQ_U64(run.n, 2);
	CHECK_EQ_U64(hvr_run_cpus(&run), 2);
	const struct hvr_interval *a = run.last[0], *b = run.last[1];
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK_EQ_U64(a->ms, 1000);
	CHECK_EQ_U64(a->nreasons, 2);
	CHECK_STR(a->reasons[0].name, "EXTERNAL_INTERRUPT");
	CHECK_EQ_U64(a->reasons[0].ntop, 2);
	CHECK_STR(a->reasons[0].top[1].key, "vector:32");
	CHECK_EQ_U64(a->reasons[0].top[1].count, 50);
	CHECK_EQ_U64(b->skipped, 1);
	CHECK(hvr_per_second(b, 50) == 100.0); /* 50 in 500 ms */
	CHECK_EQ_U64(b->reasons[1].ntop, 0);
}

/* Dumps that do not add up, lost first lines and garbage are not used. */
static void test_damage(void)
{
	static struct hvr_run r2;
	hvr_init(&reader, hvr_run_add, &r2);
	feed("hv: periodic statistics: cpu=0 tsc=1 ms=1000 skipped=0 rip=0x0\n"
	     "hv: delta reason=CPUID count=10\n"
	     /* the HLT line was lost: 10 != 60 */
	     "hv: delta cpu=0 total=60 cycles=100\n"
	     "hv: delta reason=CPUID count=10\n" /* no first line */
	     "hv: periodic statistics: cpu=0 tsc=2 ms=1000 skipped=0 rip=0x0\n"
	     "hv: delta reason=CPUID count=1\x01\n"
	     "hv: delta cpu=0 total=1 cycles=1\n"
	     "hv: periodic statistics: cpu=0 tsc=3 ms=1000 skipped=0 rip=0x0\n"
	     "hv: delta reason=CPUID count=7\n"
	     "hv: delta cpu=1 total=7 cycles=1\n" /* another CPU's total */
	     "hv: periodic statistics: cpu=0 tsc=4 ms=1000 skipped=0 rip=0x0\n"
	     "hv: delta reason=CPUID count=3 top=leaf:0x00000001/3\n"
	     "hv: delta cpu=0 total=3 cycles=30\n");
	CHECK_EQ_U64(r2.n, 1);
	CHECK(reader.damaged >= 4);
	CHECK(r2.n == 1 && r2.iv[0]->tsc == 4);
	hvr_run_free(&r2);
}

static void test_views(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	hvr_print_view(f, &run, "title");
	fclose(f);
	CHECK(strstr(text, "\nEXTERNAL_INTERRUPT            250       250       0.0  vector 236 200, vector 32 50\n") !=
	      NULL);
	CHECK(strstr(text, "\nHLT                           100       0.0       100  wake 100\n") != NULL);
	CHECK(strstr(text, "\nCPUID                          20        10        10  leaf 0xb 10\n") != NULL);
	CHECK(strstr(text, "\ntotal                         370       260       110\n") != NULL);
	if (!strstr(text, "\nHLT "))
		fputs(text, stderr);
	free(text);

	f = open_memstream(&text, &len);
	CHECK_EQ_U64(hvr_write_timeline_svg(f, &run, "a <chart>"), 0);
	fclose(f);
	CHECK(strstr(text, "<title>a &lt;chart&gt;</title>") != NULL);
	CHECK(strstr(text, ">EXTERNAL_INTERRUPT</text>") != NULL);
	CHECK(strstr(text, "<polyline") != NULL);
	free(text);
	static struct hvr_run empty;
	f = open_memstream(&text, &len);
	CHECK_EQ_U64(hvr_write_timeline_svg(f, &empty, "none"), (uint64_t)-1);
	fclose(f);
	free(text);
}

int main(void)
{
	test_reader();
	test_damage();
	test_views();
	hvr_run_free(&run);
	return unit_finish("test_hvstat_rates");
}
