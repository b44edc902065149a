/* hvstat's SVG chart (render.h). Self-contained: no stylesheets, fonts or
 * scripts from elsewhere, so the file opens anywhere, offline. Geometry is
 * computed from a monospace character width, since SVG cannot measure text
 * for us. */
#include "render.h"
#include "render_rates.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CHAR_W 7.5   /* px per character of 12 px monospace, rounded up */
#define MARGIN 10
#define BAR_AREA 500 /* px of the longest bar */
#define VALUE_AREA 220
#define ROW_H 18
#define BAR_H 12
#define HEAD_H 26

void hvs_xml_escape(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			fputc(*p >= ' ' && *p <= '~' ? *p : '?', out);
		}
	}
}

struct layout {
	double label_w; /* right edge of the reason labels */
	double width;
};

/* One group of bars: a heading, then a bar per reason in `order`. */
static double bar_group(FILE *out, const struct hvs_snapshot *s, const unsigned *order, const struct layout *l,
			double y, int cycles, const char *heading, const char *fill)
{
	uint64_t top = 0;
	double sum = 0; /* for shares only; a u64 sum could wrap */
	int any = 0;
	for (unsigned i = 0; i < s->nreasons; i++) {
		const struct hvs_cell *c = &s->reasons[i].cell;
		if (cycles && !c->has_cycles)
			continue;
		uint64_t v = cycles ? c->cycles : c->count;
		top = v > top ? v : top;
		sum += (double)v;
		any = 1;
	}
	fprintf(out, "<g id=\"%s\">\n", cycles ? "cycles" : "counts");
	fprintf(out, "<text x=\"%d\" y=\"%.0f\" font-weight=\"bold\">", MARGIN, y + 16);
	hvs_xml_escape(out, heading);
	if (cycles && !any)
		fputs(" (not in this log)", out);
	fputs("</text>\n", out);
	y += HEAD_H;
	for (unsigned i = 0; i < s->nreasons; i++) {
		const struct hvs_reason *r = &s->reasons[order[i]];
		int known = !cycles || r->cell.has_cycles;
		uint64_t v = cycles ? r->cell.cycles : r->cell.count;
		double w = known && top ? (double)v / (double)top * BAR_AREA : 0;
		if (known && v && w < 1)
			w = 1; /* a tiny share stays visible */
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"end\">", l->label_w, y + BAR_H - 1);
		hvs_xml_escape(out, r->name);
		fputs("</text>\n", out);
		if (known)
			fprintf(out, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
				l->label_w + MARGIN, y, w, BAR_H, fill);
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\">", l->label_w + 2 * MARGIN + w, y + BAR_H - 1);
		if (!known)
			fputs("-", out);
		else if (sum > 0)
			fprintf(out, "%" PRIu64 " (%.1f%%)", v, 100.0 * (double)v / sum);
		else
			fprintf(out, "%" PRIu64, v);
		fputs("</text>\n", out);
		y += ROW_H;
	}
	fputs("</g>\n", out);
	return y;
}

int hvs_write_svg(FILE *out, const struct hvs_snapshot *s, const char *title)
{
	unsigned order[HVS_MAX_REASONS];
	size_t longest = 6;
	char a[24];
	for (unsigned i = 0; i < s->nreasons; i++) {
		size_t n = strlen(s->reasons[i].name);
		longest = n > longest ? n : longest;
	}
	struct layout l;
	l.label_w = MARGIN + CHAR_W * (double)longest;
	l.width = l.label_w + 2 * MARGIN + BAR_AREA + VALUE_AREA;
	double height = 50 + 2 * (HEAD_H + ROW_H * (double)s->nreasons) + 2 * MARGIN;
	hvs_order_reasons(s, order);

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"font-family=\"monospace\" font-size=\"12\">\n",
		l.width, height, l.width, height);
	fputs("<title>", out);
	hvs_xml_escape(out, title);
	fputs("</title>\n", out);
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", out);
	fprintf(out, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", MARGIN);
	hvs_xml_escape(out, title);
	fputs("</text>\n", out);
	fprintf(out, "<text x=\"%d\" y=\"38\">%" PRIu64 " exits, %s cycles, %" PRIu64 " EPT violations</text>\n",
		MARGIN, s->total, hvs_u64_or_dash(a, s->cycles, s->has_cycles), s->ept_violations);
	double y = 50;
	y = bar_group(out, s, order, &l, y, 0, "Exit counts", "#4878b8");
	bar_group(out, s, order, &l, y + MARGIN, 1, "Total cycles (TSC ticks, exit to entry)", "#d08030");
	fputs("</svg>\n", out);
	return ferror(out) ? -1 : 0;
}

/* ---- the chart over time (render_rates.h) ---- */

#define TL_SERIES 8 /* the busiest reasons get a line each; the rest share "other" */
#define TL_W 720
#define TL_H 320
#define TL_LEFT 80
#define TL_TOP 50
#define TL_LEGEND 260

static const char *const tl_colors[TL_SERIES + 1] = { "#4878b8", "#d08030", "#50a050", "#c04040", "#8060b0",
						       "#806040", "#d070b0", "#40a0b0", "#909090" };

struct tl_point {
	double t_ms, rate[TL_SERIES + 1];
};

struct tl_total {
	char name[HVS_NAME_LEN];
	uint64_t count;
};

/* The reasons with the most exits over the run, most first. */
static unsigned tl_pick(const struct hvr_run *run, char names[TL_SERIES][HVS_NAME_LEN])
{
	static struct tl_total all[HVS_MAX_REASONS];
	unsigned n = 0;
	for (size_t i = 0; i < run->n; i++)
		for (unsigned r = 0; r < run->iv[i]->nreasons; r++) {
			const struct hvr_reason *rs = &run->iv[i]->reasons[r];
			unsigned k = 0;
			while (k < n && strcmp(all[k].name, rs->name))
				k++;
			if (k == n) {
				if (n == HVS_MAX_REASONS)
					continue;
				snprintf(all[n].name, HVS_NAME_LEN, "%s", rs->name);
				all[n++].count = 0;
			}
			all[k].count += rs->count;
		}
	unsigned picked = 0;
	for (; picked < TL_SERIES && picked < n; picked++) {
		unsigned best = picked;
		for (unsigned k = picked + 1; k < n; k++)
			if (all[k].count > all[best].count)
				best = k;
		struct tl_total tmp = all[picked];
		all[picked] = all[best];
		all[best] = tmp;
		memcpy(names[picked], all[picked].name, HVS_NAME_LEN);
	}
	return picked;
}

/* Point k: the k-th interval of every CPU (their timers share a period),
 * rates summed, at the latest of their end times. */
static size_t tl_points(const struct hvr_run *run, char names[TL_SERIES][HVS_NAME_LEN], unsigned nseries,
			struct tl_point **out)
{
	size_t cap = 0, n = 0;
	unsigned index[HVS_MAX_CPUS] = { 0 };
	double t[HVS_MAX_CPUS] = { 0 };
	struct tl_point *p = NULL;
	for (size_t i = 0; i < run->n; i++) {
		const struct hvr_interval *iv = run->iv[i];
		size_t k = index[iv->cpu]++;
		t[iv->cpu] += (double)iv->ms;
		if (k >= cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct tl_point *np = realloc(p, ncap * sizeof(*np));
			if (!np)
				break;
			memset(np + cap, 0, (ncap - cap) * sizeof(*np));
			p = np, cap = ncap;
		}
		n = k + 1 > n ? k + 1 : n;
		p[k].t_ms = t[iv->cpu] > p[k].t_ms ? t[iv->cpu] : p[k].t_ms;
		for (unsigned r = 0; r < iv->nreasons; r++) {
			unsigned s = 0;
			while (s < nseries && strcmp(names[s], iv->reasons[r].name))
				s++;
			p[k].rate[s < nseries ? s : TL_SERIES] += hvr_per_second(iv, iv->reasons[r].count);
		}
	}
	*out = p;
	return n;
}

/* 1, 2 or 5 times a power of ten, at least v. */
static double tl_nice(double v)
{
	double p = 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v && p > 1e-9)
		p /= 10;
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void tl_axes(FILE *out, double t_max, double y_max)
{
	fprintf(out, "<g stroke=\"#c0c0c0\">\n");
	for (int i = 0; i <= 4; i++) {
		double y = TL_TOP + TL_H - TL_H * i / 4.0;
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", TL_LEFT, y, TL_LEFT + TL_W, y);
	}
	fputs("</g>\n", out);
	for (int i = 0; i <= 4; i++)
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", TL_LEFT - 6,
			TL_TOP + TL_H - TL_H * i / 4.0 + 4, y_max * i / 4.0);
	for (int i = 0; i <= 5; i++)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f s</text>\n", TL_LEFT + TL_W * i / 5.0,
			TL_TOP + TL_H + 16, t_max * i / 5.0 / 1000.0);
	fprintf(out, "<text x=\"%d\" y=\"%d\">exits per second (all CPUs)</text>\n", TL_LEFT, TL_TOP - 8);
}

int hvr_write_timeline_svg(FILE *out, const struct hvr_run *run, const char *title)
{
	char names[TL_SERIES][HVS_NAME_LEN];
	unsigned nseries = tl_pick(run, names);
	struct tl_point *p;
	size_t n = tl_points(run, names, nseries, &p);
	if (!n) {
		free(p);
		return -1;
	}
	double t_max = p[n - 1].t_ms > 0 ? p[n - 1].t_ms : 1, y_top = 0;
	for (size_t k = 0; k < n; k++)
		for (unsigned s = 0; s <= TL_SERIES; s++)
			y_top = p[k].rate[s] > y_top ? p[k].rate[s] : y_top;
	double y_max = tl_nice(y_top > 0 ? y_top : 1);
	int width = TL_LEFT + TL_W + TL_LEGEND, height = TL_TOP + TL_H + 40;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"monospace\" font-size=\"12\">\n<title>",
		width, height, width, height);
	hvs_xml_escape(out, title);
	fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", out);
	fprintf(out, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", MARGIN);
	hvs_xml_escape(out, title);
	fputs("</text>\n", out);
	tl_axes(out, t_max, y_max);
	for (unsigned s = 0; s <= TL_SERIES; s++) {
		if (s == nseries && s < TL_SERIES)
			s = TL_SERIES; /* "other" */
		const char *name = s < nseries ? names[s] : "other";
		fprintf(out, "<g id=\"series-%u\"><polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"%s\" points=\"", s,
			tl_colors[s]);
		for (size_t k = 0; k < n; k++)
			fprintf(out, "%s%.1f,%.1f", k ? " " : "", TL_LEFT + TL_W * p[k].t_ms / t_max,
				TL_TOP + TL_H - TL_H * p[k].rate[s] / y_max);
		fprintf(out, "\"/>\n<rect x=\"%d\" y=\"%u\" width=\"12\" height=\"4\" fill=\"%s\"/>", TL_LEFT + TL_W + 16,
			TL_TOP + 16 * (s < nseries ? s : nseries), tl_colors[s]);
		fprintf(out, "<text x=\"%d\" y=\"%u\">", TL_LEFT + TL_W + 34, TL_TOP + 16 * (s < nseries ? s : nseries) + 5);
		hvs_xml_escape(out, name);
		fputs("</text></g>\n", out);
	}
	fputs("</svg>\n", out);
	free(p);
	return ferror(out) ? -1 : 0;
}
