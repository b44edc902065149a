/* hvstat's views of the periodic dumps (rates.h): the live table of exits
 * per second (--follow, --once) and the chart over time (--timeline). */
#include "render_rates.h"

#include "render.h"

#include <stdlib.h>
#include <string.h>

#define VIEW_CPUS 4 /* per-CPU columns shown; more CPUs: the sum only */
#define VIEW_ROWS 20

struct row {
	char name[HVS_NAME_LEN];
	double all, cpu[VIEW_CPUS];
	unsigned ntop;
	struct {
		char key[HVS_SUB_LEN];
		double rate;
	} top[8];
};

static struct row *row_for(struct row *rows, unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	if (*n == HVS_MAX_REASONS)
		return NULL;
	struct row *r = &rows[(*n)++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static void add_top(struct row *r, const char *key, double rate)
{
	unsigned i = 0;
	while (i < r->ntop && strcmp(r->top[i].key, key))
		i++;
	if (i == r->ntop) {
		if (r->ntop == sizeof(r->top) / sizeof(r->top[0]))
			return;
		snprintf(r->top[r->ntop].key, HVS_SUB_LEN, "%s", key);
		r->top[r->ntop++].rate = 0;
	}
	r->top[i].rate += rate;
}

static int by_rate(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->all < y->all ? 1 : x->all > y->all ? -1 : strcmp(x->name, y->name);
}

/* The rows of every CPU's last interval, by rate over all CPUs. */
static unsigned gather(const struct hvr_run *run, struct row *rows, unsigned *cols, unsigned col_cpu[VIEW_CPUS])
{
	unsigned n = 0;
	*cols = 0;
	for (unsigned c = 0; c < HVS_MAX_CPUS; c++) {
		const struct hvr_interval *iv = run->last[c];
		if (!iv)
			continue;
		int col = *cols < VIEW_CPUS ? (int)(*cols)++ : -1;
		if (col >= 0)
			col_cpu[col] = c;
		for (unsigned i = 0; i < iv->nreasons; i++) {
			const struct hvr_reason *rs = &iv->reasons[i];
			struct row *r = row_for(rows, &n, rs->name);
			if (!r)
				continue;
			double rate = hvr_per_second(iv, rs->count);
			r->all += rate;
			if (col >= 0)
				r->cpu[col] += rate;
			for (unsigned k = 0; k < rs->ntop; k++)
				add_top(r, rs->top[k].key, hvr_per_second(iv, rs->top[k].count));
		}
	}
	qsort(rows, n, sizeof(rows[0]), by_rate);
	return n;
}

static void top_text(const struct row *r, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	bool used[8] = { false };
	for (unsigned k = 0; k < 2; k++) {
		int best = -1;
		for (unsigned i = 0; i < r->ntop; i++)
			if (!used[i] && (best < 0 || r->top[i].rate > r->top[best].rate))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		char sub[HVS_SUB_LEN];
		hvs_format_sub(r->top[best].key, sub, sizeof(sub));
		int w = snprintf(buf + len, cap - len, "%s%s %.*f", k ? ", " : "", sub, r->top[best].rate < 10 ? 1 : 0,
				 r->top[best].rate);
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

void hvr_print_view(FILE *out, const struct hvr_run *run, const char *title)
{
	static struct row rows[HVS_MAX_REASONS];
	unsigned cols, col_cpu[VIEW_CPUS];
	unsigned n = gather(run, rows, &cols, col_cpu);
	unsigned ncpus = hvr_run_cpus(run);
	char top[128];
	fprintf(out, "%s\n", title);
	fprintf(out, "exits per second, each CPU's last interval (%u CPU%s, %zu dumps read)\n", ncpus,
		ncpus == 1 ? "" : "s", run->n);
	fprintf(out, "%-22s %10s", "reason", "all/s");
	for (unsigned c = 0; c < cols; c++) {
		char h[16];
		snprintf(h, sizeof(h), "cpu%u/s", col_cpu[c]);
		fprintf(out, " %9s", h);
	}
	fprintf(out, "  top sub-kinds (all, /s)\n");
	double total = 0, total_cpu[VIEW_CPUS] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		total += rows[i].all;
		for (unsigned c = 0; c < cols; c++)
			total_cpu[c] += rows[i].cpu[c];
	}
	for (unsigned i = 0; i < n && i < VIEW_ROWS; i++) {
		fprintf(out, "%-22.22s %10.*f", rows[i].name, rows[i].all < 10 ? 1 : 0, rows[i].all);
		for (unsigned c = 0; c < cols; c++)
			fprintf(out, " %9.*f", rows[i].cpu[c] < 10 ? 1 : 0, rows[i].cpu[c]);
		top_text(&rows[i], top, sizeof(top));
		int room = HVS_TABLE_WIDTH - 35 - 10 * (int)cols;
		fprintf(out, "  %.*s\n", room > 0 ? room : 0, top);
	}
	if (n > VIEW_ROWS)
		fprintf(out, "(%u more reasons)\n", n - VIEW_ROWS);
	fprintf(out, "%-22s %10.0f", "total", total);
	for (unsigned c = 0; c < cols; c++)
		fprintf(out, " %9.0f", total_cpu[c]);
	fprintf(out, "\n");
	for (unsigned c = 0; c < cols; c++) {
		const struct hvr_interval *iv = run->last[col_cpu[c]];
		fprintf(out, "cpu %u: interval %llu ms ending at tsc %llu (log line %lu)%s\n", iv->cpu,
			(unsigned long long)iv->ms, (unsigned long long)iv->tsc, iv->line,
			iv->skipped ? ", covering skipped dumps" : "");
	}
}
