/* libFuzzer harness for hvstat (tools/hvstat): the fuzz input is a serial
 * log. It goes through the same path as `hvstat --all --svg`: the stream
 * reader splits it into lines (log_read.c, NULs and all), the parser
 * builds the snapshots (stats_parse.c), each completed snapshot is printed
 * as it arrives, then the per-CPU tables, the sum over CPUs (stats_sum.c),
 * the machine format, the comparison and the SVG chart, all into
 * /dev/null. Then the machine format of every CPU's snapshot is read back,
 * which must give the same counts: hvstat's output is its own input. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_read.h"
#include "rates.h"
#include "render_rates.h"
#include "render.h"
#include "stats_parse.h"

static FILE *sink_file(void)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	if (!null)
		abort();
	return null;
}

static void print_each(void *ctx, const struct hvs_snapshot *s)
{
	(void)ctx;
	hvs_print_table(sink_file(), s, "snapshot");
	hvs_print_machine(sink_file(), s);
}

static int same_cell(const struct hvs_cell *a, const struct hvs_cell *b)
{
	return a->count == b->count && a->has_cycles == b->has_cycles &&
	       (!a->has_cycles || (a->cycles == b->cycles && a->min == b->min && a->max == b->max));
}

/* Prints s in the machine format and parses that back. */
static void round_trip(const struct hvs_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	hvs_print_machine(f, s);
	if (fclose(f))
		abort();
	struct hvs_model m;
	hvs_init(&m, NULL, NULL);
	FILE *in = fmemopen(text, len, "rb");
	if (!in || hvs_read_stream(&m, in))
		abort();
	fclose(in);
	const struct hvs_snapshot *t = hvs_last(&m, s->cpu);
	if (!t || m.damaged || m.dropped || t->nreasons != s->nreasons || t->total != s->total ||
	    t->has_begin != s->has_begin)
		abort();
	for (unsigned i = 0; i < s->nreasons; i++) {
		const struct hvs_reason *a = &s->reasons[i], *b = hvs_find_reason(t, a->name);
		if (!b || !same_cell(&a->cell, &b->cell) || a->nsubs != b->nsubs)
			abort();
		for (unsigned k = 0; k < a->nsubs; k++) {
			const struct hvs_sub *x = hvs_find_sub(b, a->subs[k].key);
			if (!x || !same_cell(&a->subs[k].cell, &x->cell))
				abort();
		}
	}
	hvs_free(&m);
	free(text);
}

/* The periodic dumps' reader and its views (rates.h) on the same input. */
static void rates(const uint8_t *data, size_t size, FILE *out)
{
	static struct hvr_reader r;
	static struct hvr_run run;
	hvr_init(&r, hvr_run_add, &run);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		hvr_feed_line(&r, p, n);
		p += n + 1;
	}
	if (run.n != r.intervals && !run.out_of_memory)
		abort();
	for (size_t i = 0; i < run.n; i++)
		if (run.iv[i]->cpu >= HVS_MAX_CPUS || run.iv[i]->nreasons > HVS_MAX_REASONS)
			abort();
	hvr_print_view(out, &run, "fuzz");
	if (hvr_write_timeline_svg(out, &run, "<fuzz>") != (run.n ? 0 : -1))
		abort();
	hvr_run_free(&run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hvs_model m; /* 64 CPUs of state: static, as in main.c */
	FILE *out = sink_file();
	hvs_init(&m, print_each, NULL);
	if (size) { /* fmemopen of zero bytes is not portable */
		FILE *in = fmemopen((void *)data, size, "rb");
		if (!in)
			abort();
		if (hvs_read_stream(&m, in))
			abort();
		fclose(in);
	} else {
		hvs_finish(&m);
	}

	static struct hvs_snapshot *sum; /* ~370 KB: allocated once, not per input */
	if (!sum && !(sum = malloc(sizeof(*sum))))
		abort();
	unsigned long lost = 0;
	unsigned ncpus = hvs_cpu_count(&m);
	if (hvs_sum(&m, sum, &lost) != (ncpus > 0))
		abort();
	for (unsigned c = 0; c < HVS_MAX_CPUS; c++) {
		const struct hvs_snapshot *s = hvs_last(&m, c);
		if (!s)
			continue;
		if (s->cpu != c || !s->has_total || s->nreasons > HVS_MAX_REASONS)
			abort();
		hvs_print_table(out, s, "cpu");
		hvs_print_compare(out, s, sum, "cpu", "all");
		hvs_print_compare(out, sum, s, "all", "cpu"); /* reasons only in the old one */
		round_trip(s);
	}
	if (ncpus) {
		hvs_print_table(out, sum, "all");
		hvs_print_machine(out, sum);
		if (hvs_write_svg(out, sum, "hvstat: <fuzz> & \"log\"") != 0)
			abort();
	}
	hvs_free(&m);
	rates(data, size, out);
	return 0;
}
