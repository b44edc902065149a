/* Exit statistics: recording and rendering (stats.h). */
#include "stats.h"

#include "../lib/fmt.h"
#include "exit_reasons.h"

_Static_assert(STATS_REASONS == EXIT_REASON_MAX, "one row per basic exit reason");

static void cell_add(struct stat_cell *c, uint64_t cycles)
{
	if (c->count == 0 || cycles < c->min)
		c->min = cycles;
	if (cycles > c->max)
		c->max = cycles;
	c->count++;
	c->cycles += cycles;
}

void stats_record(struct exit_stats *s, unsigned reason, uint32_t sub, uint64_t cycles, uint32_t vmreads,
		  uint32_t vmwrites)
{
	if (reason >= STATS_REASONS)
		return;
	struct reason_stats *r = &s->reason[reason];
	s->exits++;
	s->cycles += cycles;
	cell_add(&r->cell, cycles);
	r->vmreads += vmreads;
	r->vmwrites += vmwrites;
	if (sub == STATS_NO_SUB)
		return;
	/* A linear scan: the few sub-kinds of a reason are found in the
	 * first slots, and it keeps the exit path free of hashing. */
	for (unsigned i = 0; i < r->subs_used; i++) {
		if (r->subs[i].key == sub) {
			cell_add(&r->subs[i].cell, cycles);
			return;
		}
	}
	if (r->subs_used < STATS_SUBS) {
		struct stat_sub *n = &r->subs[r->subs_used++];
		n->key = sub;
		cell_add(&n->cell, cycles);
		return;
	}
	cell_add(&r->other, cycles);
}

static void cell_merge(struct stat_cell *into, const struct stat_cell *from)
{
	if (!from->count)
		return;
	if (into->count == 0 || from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	into->count += from->count;
	into->cycles += from->cycles;
}

void stats_merge(struct exit_stats *into, const struct exit_stats *from)
{
	into->exits += from->exits;
	into->cycles += from->cycles;
	for (unsigned i = 0; i < STATS_REASONS; i++) {
		struct reason_stats *r = &into->reason[i];
		const struct reason_stats *f = &from->reason[i];
		cell_merge(&r->cell, &f->cell);
		r->vmreads += f->vmreads;
		r->vmwrites += f->vmwrites;
		cell_merge(&r->other, &f->other);
		for (unsigned j = 0; j < f->subs_used && j < STATS_SUBS; j++) {
			unsigned k = 0;
			while (k < r->subs_used && r->subs[k].key != f->subs[j].key)
				k++;
			if (k < r->subs_used) {
				cell_merge(&r->subs[k].cell, &f->subs[j].cell);
			} else if (r->subs_used < STATS_SUBS) {
				r->subs[r->subs_used] = (struct stat_sub){ f->subs[j].key, { 0, 0, 0, 0 } };
				cell_merge(&r->subs[r->subs_used++].cell, &f->subs[j].cell);
			} else {
				cell_merge(&r->other, &f->subs[j].cell);
			}
		}
	}
}

uint32_t stats_sub_key_cr(unsigned cr, unsigned access_type) { return (cr & 15) << 2 | (access_type & 3); }

size_t stats_sub_format(unsigned reason, uint32_t key, char *buf, size_t cap)
{
	static const char *const cr_access[4] = { "write", "read", "clts", "lmsw" };
	switch (reason) {
	case EXIT_REASON_CPUID:
		return fmt_format(buf, cap, "leaf:0x%08x", key);
	case EXIT_REASON_CR_ACCESS:
		return fmt_format(buf, cap, "cr:cr%u-%s", key >> 2, cr_access[key & 3]);
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return fmt_format(buf, cap, "vector:%u", key);
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		return fmt_format(buf, cap, "msr:0x%08x", key);
	case EXIT_REASON_IO_INSTRUCTION:
		return fmt_format(buf, cap, "port:0x%x-%s", key >> 1, key & 1 ? "in" : "out");
	case EXIT_REASON_SIPI:
		return fmt_format(buf, cap, "vector:0x%02x", key);
	case EXIT_REASON_MWAIT: /* the vector held across it; 256: an NMI (interrupt.c) */
		return key == 256 ? fmt_format(buf, cap, "held:nmi") : fmt_format(buf, cap, "held:%u", key);
	case EXIT_REASON_HLT: /* enum hlt_action (event_decision.h) */
		return fmt_format(buf, cap, "%s", key == 0 ? "wake" : key == 1 ? "hlt-state" : "native");
	case EXIT_REASON_PREEMPTION_TIMER: /* 1: event delivery's kick (interrupt.c) */
		return fmt_format(buf, cap, "%s", key == 1 ? "kick" : "statistics");
	case EXIT_REASON_EPT_VIOLATION: /* relayed local APIC writes; stores to the reset register's page */
		return key & STATS_SUB_ACPI_RESET ? fmt_format(buf, cap, "acpi-reset-page:0x%03x", key & 0xfff)
						  : fmt_format(buf, cap, "apic:0x%03x", key);
	default:
		return fmt_format(buf, cap, "key:0x%x", key);
	}
}

static uint64_t avg(const struct stat_cell *c) { return c->count ? c->cycles / c->count : 0; }

/* Reasons by count, highest first (insertion sort of at most 70). */
static unsigned sorted_reasons(const struct exit_stats *s, uint8_t order[STATS_REASONS])
{
	unsigned n = 0;
	for (unsigned r = 0; r < STATS_REASONS; r++) {
		if (!s->reason[r].cell.count)
			continue;
		unsigned i = n++;
		while (i > 0 && s->reason[order[i - 1]].cell.count < s->reason[r].cell.count) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = (uint8_t)r;
	}
	return n;
}

/* The index of the k-th most frequent sub-kind of r not in `taken`. */
static int top_sub(const struct reason_stats *r, const bool taken[STATS_SUBS])
{
	int best = -1;
	for (unsigned i = 0; i < r->subs_used; i++)
		if (!taken[i] && (best < 0 || r->subs[i].cell.count > r->subs[best].cell.count))
			best = (int)i;
	return best;
}

static void render_table_row(const struct exit_stats *s, unsigned reason, const char *name, stats_line_sink *sink,
			     void *ctx)
{
	const struct reason_stats *r = &s->reason[reason];
	char line[256], sub[40];
	/* Share in tenths of a percent, rounded. */
	uint64_t tenths = s->exits ? (r->cell.count * 1000 + s->exits / 2) / s->exits : 0;
	size_t n = fmt_format(line, sizeof(line), "| %-20s %10llu %3llu.%llu%% %9llu %8llu %9llu |", name,
			      (unsigned long long)r->cell.count, (unsigned long long)(tenths / 10),
			      (unsigned long long)(tenths % 10), (unsigned long long)avg(&r->cell),
			      (unsigned long long)r->cell.min, (unsigned long long)r->cell.max);
	bool taken[STATS_SUBS] = { false };
	for (int k = 0; k < 3 && n < sizeof(line); k++) {
		int i = top_sub(r, taken);
		if (i < 0)
			break;
		taken[i] = true;
		stats_sub_format(reason, r->subs[i].key, sub, sizeof(sub));
		n += fmt_format(line + n, sizeof(line) - n, "%s %s (%llu)", k ? "," : "", sub,
				(unsigned long long)r->subs[i].cell.count);
	}
	sink(ctx, line);
}

static void render_machine(const struct exit_stats *s, unsigned cpu, unsigned reason, const char *name,
			   stats_line_sink *sink, void *ctx)
{
	const struct reason_stats *r = &s->reason[reason];
	char line[256], sub[40];
	fmt_format(line, sizeof(line), "exits cpu=%u reason=%s count=%llu cycles=%llu min=%llu max=%llu vmreads=%llu vmwrites=%llu",
		   cpu, name, (unsigned long long)r->cell.count, (unsigned long long)r->cell.cycles,
		   (unsigned long long)r->cell.min, (unsigned long long)r->cell.max, (unsigned long long)r->vmreads,
		   (unsigned long long)r->vmwrites);
	sink(ctx, line);
	for (unsigned i = 0; i < r->subs_used; i++) {
		const struct stat_cell *c = &r->subs[i].cell;
		stats_sub_format(reason, r->subs[i].key, sub, sizeof(sub));
		fmt_format(line, sizeof(line), "exits cpu=%u reason=%s sub=%s count=%llu cycles=%llu min=%llu max=%llu",
			   cpu, name, sub, (unsigned long long)c->count, (unsigned long long)c->cycles,
			   (unsigned long long)c->min, (unsigned long long)c->max);
		sink(ctx, line);
	}
	if (r->other.count) {
		const struct stat_cell *c = &r->other;
		fmt_format(line, sizeof(line), "exits cpu=%u reason=%s sub=other:- count=%llu cycles=%llu min=%llu max=%llu",
			   cpu, name, (unsigned long long)c->count, (unsigned long long)c->cycles,
			   (unsigned long long)c->min, (unsigned long long)c->max);
		sink(ctx, line);
	}
}

void stats_render(const struct exit_stats *s, unsigned cpu, const char *why, uint64_t tsc, uint64_t ept_violations,
		  const char *(*reason_name)(unsigned reason), stats_line_sink *sink, void *ctx)
{
	char line[256];
	uint8_t order[STATS_REASONS];
	unsigned n = sorted_reasons(s, order);
	fmt_format(line, sizeof(line), "exits begin cpu=%u why=%s tsc=%llu", cpu, why, (unsigned long long)tsc);
	sink(ctx, line);
	fmt_format(line, sizeof(line), "| %-20s %10s %6s %9s %8s %9s | %s", "exit reason", "count", "share", "avg cyc",
		   "min", "max", "top sub-kinds");
	sink(ctx, line);
	for (unsigned i = 0; i < n; i++)
		render_table_row(s, order[i], reason_name(order[i]), sink, ctx);
	fmt_format(line, sizeof(line), "| %-20s %10llu %6s %9llu %8s %9s |", "all", (unsigned long long)s->exits,
		   "100%", (unsigned long long)(s->exits ? s->cycles / s->exits : 0), "", "");
	sink(ctx, line);
	for (unsigned i = 0; i < n; i++)
		render_machine(s, cpu, order[i], reason_name(order[i]), sink, ctx);
	fmt_format(line, sizeof(line), "exits cpu=%u total=%llu ept_violations=%llu cycles=%llu", cpu,
		   (unsigned long long)s->exits, (unsigned long long)ept_violations, (unsigned long long)s->cycles);
	sink(ctx, line);
}
