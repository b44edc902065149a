/* hvstat's parser (stats_parse.h).
 *
 * A record is whatever follows "hv: exits " on a line, up to the line's end;
 * when a line holds several markers, every record but the last was cut off
 * (damaged) and the last one still counts. Fields are key=value tokens. Because logs get cut
 * and garbled, a record is accepted only when it is self-consistent: the
 * fields its kind needs are there, numbers are decimal and fit in 64 bits,
 * min <= max and min*count <= cycles <= max*count. Version-1 snapshots
 * (opened by a begin line) always carry cycles, so there a record without
 * them is a truncated one. */
#include "stats_parse.h"

#include <stdlib.h>
#include <string.h>

static const char MARKER[] = "hv: exits ";
#define MARKER_LEN (sizeof(MARKER) - 1)
#define MAX_FIELDS 16

struct field {
	const char *key, *val;
	size_t klen, vlen;
};

enum rec_kind { REC_BEGIN, REC_REASON, REC_SUB, REC_TOTAL };

/* A record with its fields checked and converted. */
struct record {
	enum rec_kind kind;
	uint64_t cpu;
	char why[HVS_WHY_LEN];
	uint64_t tsc;
	char reason[HVS_NAME_LEN];
	char sub[HVS_SUB_LEN];
	struct hvs_cell cell;
	uint64_t vmreads, vmwrites;
	bool has_vmreads, has_vmwrites;
	uint64_t total, ept_violations, cycles;
	bool has_cycles;
	bool too_long; /* a name or sub-kind longer than the model holds */
};

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Decimal u64; empty, non-digits or overflow fail. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* [a-z][a-z0-9_]*: field keys, why= and sub-kind kinds. */
static bool is_lower_token(const char *s, size_t n)
{
	if (n == 0 || !is_lower(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* [A-Z0-9_]+ with at least one letter: exit-reason names. Lower case is
 * accepted too: the hypervisor names a reason it has no name for
 * "unknown" (hv/exits/dispatch.c). */
static bool is_reason_name(const char *s, size_t n)
{
	bool letter = false;
	for (size_t i = 0; i < n; i++) {
		if (is_upper(s[i]) || is_lower(s[i]))
			letter = true;
		else if (!is_digit(s[i]) && s[i] != '_')
			return false;
	}
	return letter;
}

/* kind:value, kind a lower token, value printable without blanks. */
static bool is_sub_key(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || !is_lower_token(s, (size_t)(colon - s)) || colon + 1 == s + n)
		return false;
	for (const char *p = colon + 1; p < s + n; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

static bool key_is(const struct field *f, const char *key)
{
	return f->klen == strlen(key) && !memcmp(f->key, key, f->klen);
}

static const struct field *get(const struct field *f, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++)
		if (key_is(&f[i], key))
			return &f[i];
	return NULL;
}

static bool get_u64(const struct field *f, unsigned n, const char *key, uint64_t *out, bool *present)
{
	const struct field *x = get(f, n, key);
	*present = x != NULL;
	return !x || parse_u64(x->val, x->vlen, out);
}

static void copy_text(char *dst, size_t cap, const char *src, size_t n, bool *too_long)
{
	if (n >= cap) {
		*too_long = true;
		n = cap - 1;
	}
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* a*b <= c without overflowing (a product that overflows exceeds any c). */
static bool mul_le(uint64_t a, uint64_t b, uint64_t c) { return a == 0 || b <= c / a; }
/* a*b >= c without overflowing. */
static bool mul_ge(uint64_t a, uint64_t b, uint64_t c)
{
	if (a == 0)
		return c == 0;
	return b > c / a || (b == c / a && c % a == 0);
}

/* Splits a record's text into key=value fields. Blanks separate them; any
 * other byte outside printable ASCII marks the record as garbled. */
static bool split_fields(const char *s, size_t n, struct field *f, unsigned *nf, bool *begin)
{
	size_t i = 0;
	*nf = 0;
	*begin = false;
	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			if (s[i] < ' ' || s[i] > '~')
				return false;
			i++;
		}
		const char *tok = s + start;
		size_t len = i - start;
		if (*nf == 0 && !*begin && len == 5 && !memcmp(tok, "begin", 5)) {
			*begin = true;
			continue;
		}
		const char *eq = memchr(tok, '=', len);
		if (!eq || *nf == MAX_FIELDS)
			return false;
		struct field *x = &f[(*nf)++];
		x->key = tok;
		x->klen = (size_t)(eq - tok);
		x->val = eq + 1;
		x->vlen = len - x->klen - 1;
		if (!is_lower_token(x->key, x->klen) || x->vlen == 0)
			return false;
		for (unsigned k = 0; k + 1 < *nf; k++) /* a key twice: garbled */
			if (f[k].klen == x->klen && !memcmp(f[k].key, x->key, x->klen))
				return false;
	}
	return true;
}

/* Unknown keys are accepted when their value is a number, so a later
 * hypervisor may add counters without breaking hvstat; known keys must
 * belong to the record's kind. */
static bool fields_allowed(const struct field *f, unsigned n, const char *const *allowed)
{
	static const char *const known[] = { "cpu", "why", "tsc", "reason", "sub", "count", "cycles", "min",
					     "max", "vmreads", "vmwrites", "total", "ept_violations", NULL };
	for (unsigned i = 0; i < n; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = key_is(&f[i], *a);
		if (ok)
			continue;
		for (const char *const *k = known; *k; k++)
			if (key_is(&f[i], *k))
				return false;
		uint64_t dummy;
		if (!parse_u64(f[i].val, f[i].vlen, &dummy))
			return false;
	}
	return true;
}

static bool parse_begin(const struct field *f, unsigned n, struct record *r)
{
	static const char *const allowed[] = { "cpu", "why", "tsc", NULL };
	const struct field *why = get(f, n, "why");
	bool has_cpu, has_tsc;
	if (!fields_allowed(f, n, allowed) || !why || !is_lower_token(why->val, why->vlen))
		return false;
	if (!get_u64(f, n, "cpu", &r->cpu, &has_cpu) || !get_u64(f, n, "tsc", &r->tsc, &has_tsc) || !has_cpu ||
	    !has_tsc)
		return false;
	r->kind = REC_BEGIN;
	bool cut = false; /* a long why is cut short, the snapshot still counts */
	copy_text(r->why, sizeof(r->why), why->val, why->vlen, &cut);
	return true;
}

static bool parse_total(const struct field *f, unsigned n, struct record *r)
{
	static const char *const allowed[] = { "cpu", "total", "ept_violations", "cycles", NULL };
	bool has_cpu, has_total, has_ept;
	if (!fields_allowed(f, n, allowed) || !get_u64(f, n, "cpu", &r->cpu, &has_cpu) ||
	    !get_u64(f, n, "total", &r->total, &has_total) ||
	    !get_u64(f, n, "ept_violations", &r->ept_violations, &has_ept) ||
	    !get_u64(f, n, "cycles", &r->cycles, &r->has_cycles))
		return false;
	r->kind = REC_TOTAL;
	return has_cpu && has_total && has_ept;
}

static bool parse_counter(const struct field *f, unsigned n, struct record *r)
{
	static const char *const allowed[] = { "cpu",	"reason", "sub",     "count",	 "cycles",
					       "min",	"max",	  "vmreads", "vmwrites", NULL };
	const struct field *reason = get(f, n, "reason"), *sub = get(f, n, "sub");
	struct hvs_cell *c = &r->cell;
	bool has_cpu, has_count, has_min, has_max;
	if (!fields_allowed(f, n, allowed) || !reason || !is_reason_name(reason->val, reason->vlen))
		return false;
	if (sub && !is_sub_key(sub->val, sub->vlen))
		return false;
	if (!get_u64(f, n, "cpu", &r->cpu, &has_cpu) || !get_u64(f, n, "count", &c->count, &has_count) ||
	    !get_u64(f, n, "cycles", &c->cycles, &c->has_cycles) || !get_u64(f, n, "min", &c->min, &has_min) ||
	    !get_u64(f, n, "max", &c->max, &has_max) ||
	    !get_u64(f, n, "vmreads", &r->vmreads, &r->has_vmreads) ||
	    !get_u64(f, n, "vmwrites", &r->vmwrites, &r->has_vmwrites))
		return false;
	/* count=0 is never printed: a zero here is a garbled number. */
	if (!has_cpu || !has_count || c->count == 0)
		return false;
	/* cycles, min and max come as a group; one alone is a cut line. */
	if (c->has_cycles != has_min || c->has_cycles != has_max)
		return false;
	if (c->has_cycles && (c->min > c->max || !mul_le(c->count, c->min, c->cycles) ||
			      !mul_ge(c->count, c->max, c->cycles)))
		return false;
	if (sub && (r->has_vmreads || r->has_vmwrites))
		return false;
	r->kind = sub ? REC_SUB : REC_REASON;
	copy_text(r->reason, sizeof(r->reason), reason->val, reason->vlen, &r->too_long);
	if (sub)
		copy_text(r->sub, sizeof(r->sub), sub->val, sub->vlen, &r->too_long);
	return true;
}

static bool parse_record(const char *s, size_t n, struct record *r)
{
	struct field f[MAX_FIELDS];
	unsigned nf;
	bool begin;
	memset(r, 0, sizeof(*r));
	if (!split_fields(s, n, f, &nf, &begin))
		return false;
	if (begin)
		return parse_begin(f, nf, r);
	if (get(f, nf, "total"))
		return parse_total(f, nf, r);
	return parse_counter(f, nf, r);
}

/* ---- the model ---- */

void hvs_init(struct hvs_model *m, hvs_snapshot_sink *sink, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->sink = sink;
	m->sink_ctx = ctx;
}

void hvs_free(struct hvs_model *m)
{
	for (unsigned i = 0; i < HVS_MAX_CPUS; i++) {
		free(m->cpu[i].done);
		free(m->cpu[i].open);
		free(m->cpu[i].spare);
		m->cpu[i].done = m->cpu[i].open = m->cpu[i].spare = NULL;
	}
}

/* Starts a snapshot for a CPU, reusing a retired buffer when there is one
 * (periodic dumps make thousands of snapshots; each is ~370 KB). Only the
 * header is reset: reasons are initialised as they are added. */
static struct hvs_snapshot *open_snapshot(struct hvs_model *m, unsigned cpu, bool begin, unsigned long line)
{
	struct hvs_cpu_state *st = &m->cpu[cpu];
	struct hvs_snapshot *s = st->open;
	if (s) {
		m->abandoned++;
	} else if (st->spare) {
		s = st->spare;
		st->spare = NULL;
	} else {
		s = malloc(sizeof(*s));
		if (!s) {
			m->out_of_memory = true;
			return NULL;
		}
	}
	st->open = s;
	s->cpu = cpu;
	s->has_begin = begin;
	s->why[0] = 0;
	s->tsc = 0;
	s->has_total = s->has_cycles = false;
	s->total = s->ept_violations = s->cycles = 0;
	s->line = line;
	s->nreasons = 0;
	return s;
}

static struct hvs_reason *find_reason(struct hvs_snapshot *s, const char *name)
{
	for (unsigned i = 0; i < s->nreasons; i++)
		if (!strcmp(s->reasons[i].name, name))
			return &s->reasons[i];
	return NULL;
}

const struct hvs_reason *hvs_find_reason(const struct hvs_snapshot *s, const char *name)
{
	return find_reason((struct hvs_snapshot *)s, name);
}

const struct hvs_sub *hvs_find_sub(const struct hvs_reason *r, const char *key)
{
	for (unsigned i = 0; i < r->nsubs; i++)
		if (!strcmp(r->subs[i].key, key))
			return &r->subs[i];
	return NULL;
}

struct hvs_reason *hvs_snapshot_add_reason(struct hvs_snapshot *s, const char *name)
{
	if (s->nreasons == HVS_MAX_REASONS)
		return NULL;
	struct hvs_reason *r = &s->reasons[s->nreasons++];
	memset(r, 0, offsetof(struct hvs_reason, subs));
	strcpy(r->name, name); /* both HVS_NAME_LEN */
	return r;
}

/* Outcome of applying a record: used, damaged (contradicts the snapshot
 * it lands in) or dropped (does not fit the bounds). */
enum apply { USED, DAMAGED, DROPPED };

static void complete(struct hvs_model *m, struct hvs_cpu_state *st, struct hvs_snapshot *s)
{
	free(st->spare);
	st->spare = st->done;
	st->done = s;
	st->open = NULL;
	st->completed++;
	if (m->sink)
		m->sink(m->sink_ctx, s);
}

static enum apply apply(struct hvs_model *m, const struct record *r, unsigned long line)
{
	if (r->cpu >= HVS_MAX_CPUS || r->too_long)
		return DROPPED;
	unsigned cpu = (unsigned)r->cpu;
	struct hvs_cpu_state *st = &m->cpu[cpu];
	struct hvs_snapshot *s = st->open;

	if (r->kind == REC_BEGIN) {
		s = open_snapshot(m, cpu, true, line);
		if (!s)
			return DROPPED;
		memcpy(s->why, r->why, sizeof(s->why));
		s->tsc = r->tsc;
		return USED;
	}
	/* Version 1 always prints cycles: without them the line was cut. */
	bool has_cycles = r->kind == REC_TOTAL ? r->has_cycles : r->cell.has_cycles;
	if (s && s->has_begin && !has_cycles)
		return DAMAGED;
	if (r->kind == REC_SUB) {
		/* A sub-kind belongs to a reason line of the same snapshot; if
		 * that line was lost, so is the sub-kind. */
		struct hvs_reason *rr = s ? find_reason(s, r->reason) : NULL;
		if (!rr || hvs_find_sub(rr, r->sub))
			return DAMAGED;
		if (rr->nsubs == HVS_MAX_SUBS)
			return DROPPED;
		struct hvs_sub *sub = &rr->subs[rr->nsubs++];
		memcpy(sub->key, r->sub, sizeof(sub->key));
		sub->cell = r->cell;
		return USED;
	}
	/* Old logs have no begin line: the first record opens the snapshot. */
	if (!s && !(s = open_snapshot(m, cpu, false, line)))
		return DROPPED;
	if (r->kind == REC_REASON) {
		if (find_reason(s, r->reason))
			return DAMAGED; /* twice in one snapshot */
		struct hvs_reason *rr = hvs_snapshot_add_reason(s, r->reason);
		if (!rr)
			return DROPPED;
		rr->cell = r->cell;
		rr->vmreads = r->vmreads;
		rr->vmwrites = r->vmwrites;
		rr->has_vmreads = r->has_vmreads;
		rr->has_vmwrites = r->has_vmwrites;
		return USED;
	}
	s->total = r->total;
	s->ept_violations = r->ept_violations;
	s->cycles = r->cycles;
	s->has_cycles = r->has_cycles;
	s->has_total = true;
	s->line = line;
	complete(m, st, s);
	return USED;
}

static const char *find_marker(const char *s, size_t n)
{
	for (size_t i = 0; i + MARKER_LEN <= n; i++)
		if (s[i] == 'h' && !memcmp(s + i, MARKER, MARKER_LEN))
			return s + i;
	return NULL;
}

void hvs_feed_line(struct hvs_model *m, const char *line, size_t len)
{
	m->lines++;
	if (len && line[len - 1] == '\r')
		len--;
	const char *end = line + len;
	const char *at = find_marker(line, len);
	while (at) {
		const char *rec = at + MARKER_LEN;
		const char *next = find_marker(rec, (size_t)(end - rec));
		const char *rec_end = next ? next : end;
		struct record r;
		/* The hypervisor ends every record with a newline: one that
		 * runs into the next marker was cut, even if what is left
		 * happens to parse. */
		if (next || !parse_record(rec, (size_t)(rec_end - rec), &r)) {
			m->damaged++;
		} else {
			switch (apply(m, &r, m->lines)) {
			case USED:
				m->records++;
				break;
			case DAMAGED:
				m->damaged++;
				break;
			case DROPPED:
				m->dropped++;
				break;
			}
		}
		at = next;
	}
}

void hvs_finish(struct hvs_model *m)
{
	for (unsigned i = 0; i < HVS_MAX_CPUS; i++)
		m->cpu[i].incomplete = m->cpu[i].open != NULL;
}

const struct hvs_snapshot *hvs_last(const struct hvs_model *m, unsigned cpu)
{
	return cpu < HVS_MAX_CPUS ? m->cpu[cpu].done : NULL;
}

unsigned hvs_cpu_count(const struct hvs_model *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < HVS_MAX_CPUS; i++)
		n += m->cpu[i].done != NULL;
	return n;
}
