/* Exit statistics: counting (counters.h). */
#include "counters.h"

static void cell_add(struct stat_cell *c, uint64_t cycles)
{
	if (c->count == 0 || cycles < c->min)
		c->min = cycles;
	if (cycles > c->max)
		c->max = cycles;
	c->count++;
	c->cycles += cycles;
}

static void record_cells(struct exit_stats *s, struct reason_stats *r, uint32_t sub, uint64_t cycles,
			 uint32_t vmreads, uint32_t vmwrites)
{
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

void stats_record(struct exit_stats *s, unsigned reason, uint32_t sub, uint64_t cycles, uint32_t vmreads,
		  uint32_t vmwrites)
{
	if (reason >= STATS_REASONS)
		return;
	struct reason_stats *r = &s->reason[reason];
	if (s->reset_pending)
		stats_reset(s);
	/* Odd while we write: a reader on another CPU retries (x86 keeps
	 * stores in order, SDM Vol. 3A §9.2.2; the compiler must too). */
	s->seq++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	record_cells(s, r, sub, cycles, vmreads, vmwrites);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	s->seq++;
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
				r->subs[r->subs_used] = (struct stat_sub){ .key = f->subs[j].key };
				cell_merge(&r->subs[r->subs_used++].cell, &f->subs[j].cell);
			} else {
				cell_merge(&r->other, &f->subs[j].cell);
			}
		}
	}
}

uint32_t stats_sub_key_cr(unsigned cr, unsigned access_type) { return (cr & 15) << 2 | (access_type & 3); }


void stats_snapshot(struct exit_stats *to, const struct exit_stats *from)
{
	for (;;) {
		uint32_t seq = __atomic_load_n(&from->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			__builtin_ia32_pause();
			continue;
		}
		__builtin_memcpy(to, (const void *)from, sizeof(*to));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&from->seq, __ATOMIC_RELAXED) == seq)
			return;
	}
}

void stats_reset(struct exit_stats *s)
{
	uint32_t seq = s->seq;
	s->seq = seq + 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__builtin_memset((void *)&s->reset_pending, 0, sizeof(*s) - offsetof(struct exit_stats, reset_pending));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	s->seq = seq + 2;
}

void stats_mark_shown(struct exit_stats *s, uint64_t tsc)
{
	s->shown_exits = s->exits;
	s->shown_cycles = s->cycles;
	s->shown_tsc = tsc;
	s->skipped_dumps = 0;
	for (unsigned i = 0; i < STATS_REASONS; i++) {
		struct reason_stats *r = &s->reason[i];
		r->shown_count = r->cell.count;
		r->shown_cycles = r->cell.cycles;
		for (unsigned j = 0; j < r->subs_used; j++)
			r->subs[j].shown = r->subs[j].cell.count;
	}
}
