/* hvstat's SVG chart (render.h). Self-contained: no stylesheets, fonts or
 * scripts from elsewhere, so the file opens anywhere, offline. Geometry is
 * computed from a monospace character width, since SVG cannot measure text
 * for us. */
#include "render.h"

#include <inttypes.h>
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
