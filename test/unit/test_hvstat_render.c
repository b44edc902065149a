/* Unit tests of hvstat's output (tools/hvstat/render_text.c and
 * render_svg.c): the table, the comparison, the SVG's structure and XML
 * escaping. Output goes to a temporary file and is read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "stats_parse.h"
#include "unit.h"

static char outbuf[1 << 16];

/* The text a render call wrote, NUL-terminated in outbuf. */
static const char *captured(FILE *f)
{
	size_t n;
	rewind(f);
	n = fread(outbuf, 1, sizeof(outbuf) - 1, f);
	outbuf[n] = 0;
	fclose(f);
	return outbuf;
}

static void load(struct hvs_model *m, const char *text)
{
	hvs_init(m, NULL, NULL);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		hvs_feed_line(m, text, n);
		text += n + (nl != NULL);
	}
	hvs_finish(m);
}

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static unsigned longest_line(const char *s)
{
	unsigned best = 0, cur = 0;
	for (; *s; s++) {
		cur = *s == '\n' ? 0 : cur + 1;
		best = cur > best ? cur : best;
	}
	return best;
}

static const char LOG[] =
	"hv: exits begin cpu=0 why=final tsc=42\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION count=2438 cycles=484763 min=181 max=218\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3f8-out count=707 cycles=154106 min=214 max=218\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xcf8-in count=576 cycles=104256 min=181 max=181\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xcf8-out count=1152 cycles=225792 min=196 max=196\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x64-in count=1 cycles=185 min=185 max=185\n"
	"hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3fb-out count=2 cycles=424 min=212 max=212\n"
	"hv: exits cpu=0 reason=CPUID count=300 cycles=37500 min=120 max=140\n"
	"hv: exits cpu=0 reason=CPUID sub=leaf:0x00000001 count=200 cycles=25000 min=124 max=126\n"
	"hv: exits cpu=0 reason=CPUID sub=leaf:0x0000000d count=100 cycles=12500 min=120 max=140\n"
	"hv: exits cpu=0 reason=ENTRY_FAILURE_MACHINE_CHECK count=2 cycles=20 min=10 max=10\n"
	"hv: exits cpu=0 total=2740 ept_violations=5 cycles=522283\n";

static void test_format_sub(void)
{
	char b[48];
	hvs_format_sub("leaf:0x00000001", b, sizeof(b));
	CHECK_STR(b, "leaf 0x1");
	hvs_format_sub("leaf:0x0000000d", b, sizeof(b));
	CHECK_STR(b, "leaf 0xd");
	hvs_format_sub("leaf:0x00000000", b, sizeof(b));
	CHECK_STR(b, "leaf 0x0");
	hvs_format_sub("leaf:0x40000000", b, sizeof(b));
	CHECK_STR(b, "leaf 0x40000000");
	hvs_format_sub("port:0xcf8-out", b, sizeof(b));
	CHECK_STR(b, "port 0xcf8-out");
	hvs_format_sub("port:0x0064-in", b, sizeof(b));
	CHECK_STR(b, "port 0x64-in");
	hvs_format_sub("cr:cr0-write", b, sizeof(b));
	CHECK_STR(b, "cr cr0-write");
	hvs_format_sub("vector:32", b, sizeof(b));
	CHECK_STR(b, "vector 32");
	hvs_format_sub("msr:0x0000001b", b, 6); /* cut to fit */
	CHECK_STR(b, "msr 0");
}

static void test_table(void)
{
	struct hvs_model m;
	load(&m, LOG);
	FILE *f = tmpfile();
	CHECK(f && hvs_last(&m, 0));
	if (!f || !hvs_last(&m, 0))
		return;
	hvs_print_table(f, hvs_last(&m, 0), "cpu 0: final");
	const char *t = captured(f);
	CHECK(!strncmp(t, "cpu 0: final\nreason ", 20));
	CHECK(strstr(t, "\nIO_INSTRUCTION ") != NULL);
	/* count, share, avg, min, max, then the top three sub-kinds */
	CHECK(strstr(t, " 2438  89.0%      198      181      218  port 0xcf8-out (1152),") != NULL);
	CHECK(strstr(t, "port 0x3f8-out (707),") != NULL);
	CHECK(strstr(t, "port 0xcf8-in (576) +2 more") != NULL || strstr(t, "port 0xcf8-in (576)\n") != NULL);
	CHECK(strstr(t, "port 0x64-in") == NULL);
	/* the long reason name narrows the sub-kind column: they wrap */
	CHECK(strstr(t, "  leaf 0x1 (200),\n") != NULL);
	CHECK(strstr(t, "\n                                                                          leaf 0xd (100)\n") !=
	      NULL);
	CHECK(strstr(t, "total: 2740 exits, 522283 cycles (avg 190), 5 EPT violations\n") != NULL);
	CHECK(strstr(t, "add up") == NULL);
	/* IO_INSTRUCTION before CPUID before the rare one */
	const char *io = strstr(t, "\nIO_INSTRUCTION"), *cpuid = strstr(t, "\nCPUID"),
		   *efm = strstr(t, "\nENTRY_FAILURE_MACHINE_CHECK");
	CHECK(io && cpuid && efm && io < cpuid && cpuid < efm);
	unsigned w = longest_line(t);
	if (w > HVS_TABLE_WIDTH)
		fprintf(stderr, "  widest line %u columns:\n%s", w, t);
	CHECK(w <= HVS_TABLE_WIDTH);
	hvs_free(&m);

	/* The old format: no cycles, shown as "-"; a total the reason lines do
	 * not reach is pointed out. */
	load(&m, "hv: exits cpu=0 reason=CPUID count=15\nhv: exits cpu=0 total=1747 ept_violations=0\n");
	f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		return;
	hvs_print_table(f, hvs_last(&m, 0), "old");
	t = captured(f);
	CHECK(strstr(t, "CPUID                  15   0.9%        -        -        -\n") != NULL);
	CHECK(strstr(t, "total: 1747 exits, - cycles, 0 EPT violations; the reason lines add up to 15\n") != NULL);
	hvs_free(&m);
}

static void test_compare(void)
{
	struct hvs_model a, b;
	load(&a, "hv: exits cpu=0 reason=CPUID count=100 cycles=1000 min=10 max=10\n"
		 "hv: exits cpu=0 reason=HLT count=50 cycles=500 min=10 max=10\n"
		 "hv: exits cpu=0 total=150 ept_violations=0 cycles=1500\n");
	load(&b, "hv: exits cpu=0 reason=CPUID count=150 cycles=3000 min=20 max=20\n"
		 "hv: exits cpu=0 reason=RDMSR count=7\n"
		 "hv: exits cpu=0 total=157 ept_violations=0\n");
	FILE *f = tmpfile();
	CHECK(f && hvs_last(&a, 0) && hvs_last(&b, 0));
	if (!f || !hvs_last(&a, 0) || !hvs_last(&b, 0))
		return;
	hvs_print_compare(f, hvs_last(&a, 0), hvs_last(&b, 0), "a.log", "b.log");
	const char *t = captured(f);
	CHECK(!strncmp(t, "old: a.log\nnew: b.log\n", 22));
	CHECK(strstr(t, "\nCPUID                 100        150         +50   +50.0%       10       20\n") != NULL);
	CHECK(strstr(t, "\nRDMSR                   0          7          +7      new        -        -\n") != NULL);
	CHECK(strstr(t, "\nHLT                    50          0         -50  -100.0%       10        -\n") != NULL);
	CHECK(strstr(t, "\ntotal                 150        157          +7    +4.7%       10        -\n") != NULL);
	/* by new count: CPUID, RDMSR, then HLT which is gone */
	const char *c = strstr(t, "\nCPUID"), *r = strstr(t, "\nRDMSR"), *h = strstr(t, "\nHLT");
	CHECK(c && r && h && c < r && r < h);
	if (!c || !r || !h)
		fprintf(stderr, "%s", t);
	hvs_free(&a);
	hvs_free(&b);
}

static void test_xml_escape(void)
{
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		return;
	hvs_xml_escape(f, "a<b>&\"c'\x01\xc3\xa9z");
	CHECK_STR(captured(f), "a&lt;b&gt;&amp;&quot;c&apos;???z");
}

static void test_svg(void)
{
	struct hvs_model m;
	char text[sizeof(LOG) + 128];
	snprintf(text, sizeof(text), "%shv: exits cpu=1 reason=HLT count=4\nhv: exits cpu=1 total=4 ept_violations=0\n",
		 LOG);
	load(&m, text);
	struct hvs_snapshot *sum = malloc(sizeof(*sum));
	FILE *f = tmpfile();
	CHECK(sum && f && hvs_sum(&m, sum, NULL));
	if (!sum || !f) {
		free(sum);
		return;
	}
	CHECK_EQ_U64(hvs_write_svg(f, sum, "log <&> \"x\""), 0);
	const char *t = captured(f);
	CHECK(!strncmp(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 78));
	CHECK(strlen(t) > 8 && !strcmp(t + strlen(t) - 7, "</svg>\n"));
	CHECK_EQ_U64(count_of(t, "<svg"), 1);
	CHECK_EQ_U64(count_of(t, "<text"), count_of(t, "</text>"));
	CHECK_EQ_U64(count_of(t, "<g "), count_of(t, "</g>"));
	CHECK_EQ_U64(count_of(t, "<g "), 2);
	CHECK_EQ_U64(count_of(t, "<title>"), 1);
	CHECK_EQ_U64(count_of(t, "log &lt;&amp;&gt; &quot;x&quot;"), 2);
	CHECK_EQ_U64(count_of(t, "<&>"), 0);
	/* 4 reasons: a count bar each, a cycles bar for the 3 with cycles */
	CHECK_EQ_U64(count_of(t, "fill=\"#4878b8\""), 4);
	CHECK_EQ_U64(count_of(t, "fill=\"#d08030\""), 3);
	CHECK_EQ_U64(count_of(t, ">IO_INSTRUCTION</text>"), 2);
	CHECK(strstr(t, ">2438 (88.8%)</text>") != NULL);
	CHECK(strstr(t, ">484763 (92.8%)</text>") != NULL);
	CHECK(strstr(t, ">-</text>") != NULL); /* HLT's cycles are unknown */
	/* self-contained */
	CHECK(!strstr(t, "href") && !strstr(t, "<script") && !strstr(t, "url("));
	free(sum);
	hvs_free(&m);
}

int main(void)
{
	test_format_sub();
	test_table();
	test_compare();
	test_xml_escape();
	test_svg();
	return unit_finish("test_hvstat_render");
}
