/* hvstat: sums over CPUs and orderings of a parsed model (stats_parse.h).
 * Kept apart from the line parser: these work on finished snapshots. */
#include <string.h>

#include "stats_parse.h"

static struct hvs_reason *sum_reason(struct hvs_snapshot *s, const char *name)
{
	for (unsigned i = 0; i < s->nreasons; i++)
		if (!strcmp(s->reasons[i].name, name))
			return &s->reasons[i];
	return hvs_snapshot_add_reason(s, name);
}

/* Hostile logs may hold numbers near 2^64: sums saturate, not wrap. */
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static void cell_merge(struct hvs_cell *into, const struct hvs_cell *c, bool first)
{
	if (first) {
		*into = *c;
		return;
	}
	into->count = sat_add(into->count, c->count);
	into->has_cycles = into->has_cycles && c->has_cycles;
	into->cycles = sat_add(into->cycles, c->cycles);
	into->min = c->min < into->min ? c->min : into->min;
	into->max = c->max > into->max ? c->max : into->max;
}

bool hvs_sum(const struct hvs_model *m, struct hvs_snapshot *out, unsigned long *dropped)
{
	unsigned long lost = 0;
	bool any = false;
	memset(out, 0, offsetof(struct hvs_snapshot, reasons));
	out->cpu = HVS_CPU_ALL;
	out->has_total = out->has_cycles = true;
	for (unsigned c = 0; c < HVS_MAX_CPUS; c++) {
		const struct hvs_snapshot *s = m->cpu[c].done;
		if (!s)
			continue;
		if (!any)
			memcpy(out->why, s->why, sizeof(out->why));
		else if (strcmp(out->why, s->why))
			strcpy(out->why, "mixed");
		out->line = s->line > out->line ? s->line : out->line;
		out->has_begin = any ? out->has_begin && s->has_begin : s->has_begin;
		any = true;
		out->total = sat_add(out->total, s->total);
		out->ept_violations = sat_add(out->ept_violations, s->ept_violations);
		out->cycles = sat_add(out->cycles, s->cycles);
		out->has_cycles = out->has_cycles && s->has_cycles;
		for (unsigned i = 0; i < s->nreasons; i++) {
			const struct hvs_reason *r = &s->reasons[i];
			bool first = !hvs_find_reason(out, r->name);
			struct hvs_reason *o = sum_reason(out, r->name);
			if (!o) {
				lost++;
				continue;
			}
			cell_merge(&o->cell, &r->cell, first);
			o->vmreads = sat_add(o->vmreads, r->vmreads);
			o->vmwrites = sat_add(o->vmwrites, r->vmwrites);
			o->has_vmreads = first ? r->has_vmreads : o->has_vmreads && r->has_vmreads;
			o->has_vmwrites = first ? r->has_vmwrites : o->has_vmwrites && r->has_vmwrites;
			for (unsigned k = 0; k < r->nsubs; k++) {
				struct hvs_sub *os = (struct hvs_sub *)hvs_find_sub(o, r->subs[k].key);
				bool sfirst = !os;
				if (sfirst) {
					if (o->nsubs == HVS_MAX_SUBS) {
						lost++;
						continue;
					}
					os = &o->subs[o->nsubs++];
					memcpy(os->key, r->subs[k].key, sizeof(os->key));
				}
				cell_merge(&os->cell, &r->subs[k].cell, sfirst);
			}
		}
	}
	if (dropped)
		*dropped = lost;
	return any;
}

uint64_t hvs_reason_sum(const struct hvs_snapshot *s)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < s->nreasons; i++)
		n = sat_add(n, s->reasons[i].cell.count);
	return n;
}

/* Insertion sorts: at most 128 reasons or 32 sub-kinds. */
static bool cell_before(const struct hvs_cell *a, const char *an, const struct hvs_cell *b, const char *bn)
{
	return a->count != b->count ? a->count > b->count : strcmp(an, bn) < 0;
}

void hvs_order_reasons(const struct hvs_snapshot *s, unsigned *order)
{
	for (unsigned i = 0; i < s->nreasons; i++) {
		unsigned j = i;
		const struct hvs_reason *r = &s->reasons[i];
		while (j > 0 && cell_before(&r->cell, r->name, &s->reasons[order[j - 1]].cell,
					    s->reasons[order[j - 1]].name)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

void hvs_order_subs(const struct hvs_reason *r, unsigned *order)
{
	for (unsigned i = 0; i < r->nsubs; i++) {
		unsigned j = i;
		const struct hvs_sub *x = &r->subs[i];
		while (j > 0 && cell_before(&x->cell, x->key, &r->subs[order[j - 1]].cell, r->subs[order[j - 1]].key)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}
