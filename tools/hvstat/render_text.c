/* hvstat's text output (render.h): the per-CPU table, the comparison and
 * the machine format. */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SUBS_SHOWN 3
#define REASON_MIN_WIDTH 14
#define SUBS_MIN_WIDTH 24

const char *hvs_u64_or_dash(char buf[24], uint64_t v, int known)
{
	if (!known)
		return "-";
	snprintf(buf, 24, "%" PRIu64, v);
	return buf;
}

static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The hypervisor pads CPUID leaves and MSRs to eight hex digits; in a
 * table the short form reads better, so "0x0000000d" shows as "0xd". */
void hvs_format_sub(const char *key, char *buf, size_t cap)
{
	const char *colon = strchr(key, ':');
	const char *val = colon ? colon + 1 : key;
	int kind = colon ? (int)(colon - key) : 0;
	const char *sep = colon ? " " : "";
	if (val[0] == '0' && val[1] == 'x') {
		/* Skip leading zeros, keeping the last digit of the run. */
		const char *p = val + 2;
		while (p[0] == '0' && is_hex(p[1]))
			p++;
		snprintf(buf, cap, "%.*s%s0x%s", kind, key, sep, p);
	} else {
		snprintf(buf, cap, "%.*s%s%s", kind, key, sep, val);
	}
}

static uint64_t avg(const struct hvs_cell *c) { return c->count ? c->cycles / c->count : 0; }

static unsigned reason_width(const struct hvs_snapshot *s)
{
	size_t w = REASON_MIN_WIDTH;
	for (unsigned i = 0; i < s->nreasons; i++) {
		size_t n = strlen(s->reasons[i].name);
		w = n > w ? n : w;
	}
	return (unsigned)w;
}

/* The top sub-kinds, wrapped so no line passes HVS_TABLE_WIDTH; the
 * continuation lines start under the column. */
static void print_subs(FILE *out, const struct hvs_reason *r, unsigned col)
{
	unsigned order[HVS_MAX_SUBS];
	unsigned avail = HVS_TABLE_WIDTH > col + SUBS_MIN_WIDTH ? HVS_TABLE_WIDTH - col : SUBS_MIN_WIDTH;
	unsigned used = 0;
	hvs_order_subs(r, order);
	if (r->nsubs)
		fputs("  ", out); /* here, so a row without sub-kinds has no trailing blanks */
	for (unsigned k = 0; k < r->nsubs && k < SUBS_SHOWN; k++) {
		const struct hvs_sub *x = &r->subs[order[k]];
		char name[HVS_SUB_LEN], item[HVS_SUB_LEN + 32];
		hvs_format_sub(x->key, name, sizeof(name));
		int n = snprintf(item, sizeof(item), "%s (%" PRIu64 ")%s", name, x->cell.count,
				 k + 1 < r->nsubs && k + 1 < SUBS_SHOWN ? "," : "");
		unsigned len = n > 0 ? (unsigned)n : 0;
		if (used && used + 1 + len > avail) {
			fprintf(out, "\n%*s", (int)col, "");
			used = 0;
		}
		fprintf(out, "%s%s", used ? " " : "", item);
		used += (used ? 1 : 0) + len;
	}
	if (r->nsubs > SUBS_SHOWN) {
		char more[40];
		int n = snprintf(more, sizeof(more), "+%u more", r->nsubs - SUBS_SHOWN);
		if (used && used + 1 + (unsigned)n > avail) {
			fprintf(out, "\n%*s", (int)col, "");
			used = 0;
		}
		fprintf(out, "%s%s", used ? " " : "", more);
	}
	fputc('\n', out);
}

static void share(char buf[16], uint64_t count, uint64_t total)
{
	if (!total)
		snprintf(buf, 16, "-");
	else
		snprintf(buf, 16, "%.1f%%", 100.0 * (double)count / (double)total);
}

void hvs_print_table(FILE *out, const struct hvs_snapshot *s, const char *title)
{
	unsigned order[HVS_MAX_REASONS];
	unsigned w = reason_width(s);
	/* Columns: reason, count 10, share 6, avg 8, min 8, max 8, then subs. */
	unsigned subs_col = w + 1 + 10 + 1 + 6 + 1 + 8 + 1 + 8 + 1 + 8 + 2;
	uint64_t exits = s->total ? s->total : hvs_reason_sum(s);
	char a[24], b[24], c[24], pct[16];

	fprintf(out, "%s\n", title);
	fprintf(out, "%-*s %10s %6s %8s %8s %8s  %s\n", (int)w, "reason", "count", "share", "avg cyc", "min", "max",
		"top sub-kinds");
	hvs_order_reasons(s, order);
	for (unsigned i = 0; i < s->nreasons; i++) {
		const struct hvs_reason *r = &s->reasons[order[i]];
		const struct hvs_cell *x = &r->cell;
		share(pct, x->count, exits);
		fprintf(out, "%-*s %10" PRIu64 " %6s %8s %8s %8s", (int)w, r->name, x->count, pct,
			hvs_u64_or_dash(a, avg(x), x->has_cycles), hvs_u64_or_dash(b, x->min, x->has_cycles),
			hvs_u64_or_dash(c, x->max, x->has_cycles));
		print_subs(out, r, subs_col);
	}
	fprintf(out, "total: %" PRIu64 " exits, %s cycles", s->total, hvs_u64_or_dash(a, s->cycles, s->has_cycles));
	if (s->has_cycles && s->total)
		fprintf(out, " (avg %" PRIu64 ")", s->cycles / s->total);
	fprintf(out, ", %" PRIu64 " EPT violations", s->ept_violations);
	/* A damaged or dropped reason line shows here. */
	if (hvs_reason_sum(s) != s->total)
		fprintf(out, "; the reason lines add up to %" PRIu64, hvs_reason_sum(s));
	fputc('\n', out);
}

void hvs_print_machine(FILE *out, const struct hvs_snapshot *s)
{
	char a[24];
	if (s->has_begin)
		fprintf(out, "hv: exits begin cpu=%u why=%s tsc=%" PRIu64 "\n", s->cpu, s->why, s->tsc);
	for (unsigned i = 0; i < s->nreasons; i++) {
		const struct hvs_reason *r = &s->reasons[i];
		fprintf(out, "hv: exits cpu=%u reason=%s count=%" PRIu64, s->cpu, r->name, r->cell.count);
		if (r->cell.has_cycles)
			fprintf(out, " cycles=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64, r->cell.cycles, r->cell.min,
				r->cell.max);
		if (r->has_vmreads)
			fprintf(out, " vmreads=%" PRIu64, r->vmreads);
		if (r->has_vmwrites)
			fprintf(out, " vmwrites=%" PRIu64, r->vmwrites);
		fputc('\n', out);
		for (unsigned k = 0; k < r->nsubs; k++) {
			const struct hvs_sub *x = &r->subs[k];
			fprintf(out, "hv: exits cpu=%u reason=%s sub=%s count=%" PRIu64, s->cpu, r->name, x->key,
				x->cell.count);
			if (x->cell.has_cycles)
				fprintf(out, " cycles=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64, x->cell.cycles,
					x->cell.min, x->cell.max);
			fputc('\n', out);
		}
	}
	fprintf(out, "hv: exits cpu=%u total=%" PRIu64 " ept_violations=%" PRIu64 "%s%s\n", s->cpu, s->total,
		s->ept_violations, s->has_cycles ? " cycles=" : "", s->has_cycles ? hvs_u64_or_dash(a, s->cycles, 1) : "");
}

/* ---- --compare ---- */

struct cmp_row {
	const char *name;
	const struct hvs_cell *old, *new_; /* NULL: the reason is absent there */
};

static uint64_t cnt(const struct hvs_cell *c) { return c ? c->count : 0; }

/* Rows by new count, then old count, highest first: the reasons that
 * matter now lead, the ones that disappeared follow. */
static int cmp_rows(const void *pa, const void *pb)
{
	const struct cmp_row *a = pa, *b = pb;
	if (cnt(a->new_) != cnt(b->new_))
		return cnt(a->new_) > cnt(b->new_) ? -1 : 1;
	if (cnt(a->old) != cnt(b->old))
		return cnt(a->old) > cnt(b->old) ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void delta(char d[24], char pct[16], uint64_t o, uint64_t n)
{
	if (n >= o)
		snprintf(d, 24, "+%" PRIu64, n - o);
	else
		snprintf(d, 24, "-%" PRIu64, o - n);
	if (o == 0)
		snprintf(pct, 16, n ? "new" : "0.0%%");
	else
		snprintf(pct, 16, "%+.1f%%", 100.0 * ((double)n - (double)o) / (double)o);
}

static const char *avg_of(char buf[24], const struct hvs_cell *c)
{
	return hvs_u64_or_dash(buf, c ? avg(c) : 0, c && c->has_cycles);
}

void hvs_print_compare(FILE *out, const struct hvs_snapshot *old, const struct hvs_snapshot *new_,
		       const char *old_name, const char *new_name)
{
	struct cmp_row rows[2 * HVS_MAX_REASONS];
	unsigned n = 0;
	unsigned w = reason_width(old) > reason_width(new_) ? reason_width(old) : reason_width(new_);
	char d[24], pct[16], a[24], b[24];

	for (unsigned i = 0; i < new_->nreasons; i++) {
		const struct hvs_reason *o = hvs_find_reason(old, new_->reasons[i].name);
		rows[n++] = (struct cmp_row){ new_->reasons[i].name, o ? &o->cell : NULL, &new_->reasons[i].cell };
	}
	for (unsigned i = 0; i < old->nreasons; i++)
		if (!hvs_find_reason(new_, old->reasons[i].name))
			rows[n++] = (struct cmp_row){ old->reasons[i].name, &old->reasons[i].cell, NULL };
	qsort(rows, n, sizeof(rows[0]), cmp_rows);

	fprintf(out, "old: %s\nnew: %s\n", old_name, new_name);
	fprintf(out, "%-*s %10s %10s %11s %8s %8s %8s\n", (int)w, "reason", "old count", "new count", "delta", "delta %",
		"avg old", "avg new");
	for (unsigned i = 0; i < n; i++) {
		delta(d, pct, cnt(rows[i].old), cnt(rows[i].new_));
		fprintf(out, "%-*s %10" PRIu64 " %10" PRIu64 " %11s %8s %8s %8s\n", (int)w, rows[i].name,
			cnt(rows[i].old), cnt(rows[i].new_), d, pct, avg_of(a, rows[i].old), avg_of(b, rows[i].new_));
	}
	struct hvs_cell to = { old->total, old->cycles, 0, 0, old->has_cycles };
	struct hvs_cell tn = { new_->total, new_->cycles, 0, 0, new_->has_cycles };
	delta(d, pct, to.count, tn.count);
	fprintf(out, "%-*s %10" PRIu64 " %10" PRIu64 " %11s %8s %8s %8s\n", (int)w, "total", to.count, tn.count, d, pct,
		avg_of(a, &to), avg_of(b, &tn));
}
