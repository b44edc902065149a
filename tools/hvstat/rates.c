/* hvstat's reader of the periodic dumps (rates.h). */
#include "rates.h"

#include <stdlib.h>
#include <string.h>

static const char BEGIN[] = "hv: periodic statistics: ";
static const char DELTA[] = "hv: delta ";

void hvr_init(struct hvr_reader *r, hvr_sink *sink, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->sink = sink;
	r->ctx = ctx;
}

double hvr_per_second(const struct hvr_interval *iv, uint64_t count)
{
	return iv->ms ? (double)count * 1000.0 / (double)iv->ms : 0.0;
}

/* The value of " key=" in s (n bytes), up to the next blank; NULL when absent. */
static const char *value_of(const char *s, size_t n, const char *key, size_t *vlen)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k + 1 <= n; i++) {
		if ((i == 0 || s[i - 1] == ' ') && !memcmp(s + i, key, k) && s[i + k] == '=') {
			size_t j = i + k + 1;
			size_t e = j;
			while (e < n && s[e] != ' ')
				e++;
			*vlen = e - j;
			return e > j ? s + j : NULL;
		}
	}
	return NULL;
}

static bool number(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool field_u64(const char *s, size_t n, const char *key, uint64_t *out)
{
	size_t vlen = 0;
	const char *v = value_of(s, n, key, &vlen);
	return number(v, vlen, out);
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~')
			return false;
	return true;
}

static bool copy_token(char *dst, size_t cap, const char *s, size_t n)
{
	if (!s || !n || n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

/* "a/n,b/n" into the reason's top list. */
static bool parse_top(struct hvr_reason *rs, const char *v, size_t n)
{
	while (n) {
		const char *comma = memchr(v, ',', n);
		size_t len = comma ? (size_t)(comma - v) : n;
		const char *slash = NULL;
		for (size_t i = len; i > 0; i--)
			if (v[i - 1] == '/') {
				slash = v + i - 1;
				break;
			}
		if (!slash || rs->ntop == HVR_TOP)
			return false;
		if (!copy_token(rs->top[rs->ntop].key, HVS_SUB_LEN, v, (size_t)(slash - v)) ||
		    !number(slash + 1, (size_t)(v + len - slash - 1), &rs->top[rs->ntop].count))
			return false;
		rs->ntop++;
		if (!comma)
			break;
		n -= len + 1;
		v = comma + 1;
	}
	return true;
}

static void begin(struct hvr_reader *r, const char *s, size_t n)
{
	struct hvr_interval *iv = &r->cur;
	uint64_t cpu;
	if (r->open)
		r->damaged++; /* the one before never reached its total line */
	r->open = false;
	memset(iv, 0, offsetof(struct hvr_interval, reasons));
	if (!field_u64(s, n, "cpu", &cpu) || cpu >= HVS_MAX_CPUS || !field_u64(s, n, "tsc", &iv->tsc) ||
	    !field_u64(s, n, "ms", &iv->ms)) {
		r->damaged++;
		return;
	}
	field_u64(s, n, "skipped", &iv->skipped);
	iv->cpu = (unsigned)cpu;
	iv->line = r->lines;
	r->open = true;
}

static bool reason_line(struct hvr_reader *r, const char *s, size_t n)
{
	struct hvr_interval *iv = &r->cur;
	size_t nlen, tlen;
	const char *name = value_of(s, n, "reason", &nlen), *top = value_of(s, n, "top", &tlen);
	if (iv->nreasons == HVS_MAX_REASONS)
		return false;
	struct hvr_reason *rs = &iv->reasons[iv->nreasons];
	memset(rs, 0, sizeof(*rs));
	if (!copy_token(rs->name, sizeof(rs->name), name, nlen) || !field_u64(s, n, "count", &rs->count) ||
	    !rs->count || (top && !parse_top(rs, top, tlen)))
		return false;
	iv->nreasons++;
	return true;
}

static void total_line(struct hvr_reader *r, const char *s, size_t n)
{
	struct hvr_interval *iv = &r->cur;
	uint64_t cpu, sum = 0;
	r->open = false;
	if (!field_u64(s, n, "cpu", &cpu) || cpu != iv->cpu || !field_u64(s, n, "total", &iv->total) ||
	    !field_u64(s, n, "cycles", &iv->cycles)) {
		r->damaged++;
		return;
	}
	for (unsigned i = 0; i < iv->nreasons; i++)
		sum += iv->reasons[i].count;
	if (sum != iv->total) { /* a line lost in between */
		r->damaged++;
		return;
	}
	r->intervals++;
	if (r->sink)
		r->sink(r->ctx, iv);
}

void hvr_feed_line(struct hvr_reader *r, const char *line, size_t len)
{
	r->lines++;
	if (len && line[len - 1] == '\r')
		len--;
	/* A guest's partial line may precede ours on the same line of the log. */
	const char *at = NULL, *end = line + len;
	bool is_begin = false;
	for (const char *p = line; p < end && !at; p++) {
		if (*p != 'h')
			continue;
		if ((size_t)(end - p) >= sizeof(BEGIN) - 1 && !memcmp(p, BEGIN, sizeof(BEGIN) - 1))
			at = p + sizeof(BEGIN) - 1, is_begin = true;
		else if ((size_t)(end - p) >= sizeof(DELTA) - 1 && !memcmp(p, DELTA, sizeof(DELTA) - 1))
			at = p + sizeof(DELTA) - 1;
	}
	if (!at)
		return;
	size_t n = (size_t)(end - at);
	if (!printable(at, n)) {
		if (r->open)
			r->damaged++;
		r->open = false;
		return;
	}
	if (is_begin) {
		begin(r, at, n);
	} else if (!r->open) {
		r->damaged++; /* a dump whose first line was lost */
	} else if (value_of(at, n, "total", &(size_t){ 0 })) {
		total_line(r, at, n);
	} else if (!reason_line(r, at, n)) {
		r->damaged++;
		r->open = false;
	}
}

/* ---- the run ---- */

void hvr_run_add(void *ctx, const struct hvr_interval *iv)
{
	struct hvr_run *run = ctx;
	if (run->n == run->cap) {
		size_t ncap = run->cap ? run->cap * 2 : 64;
		struct hvr_interval **n = realloc(run->iv, ncap * sizeof(*n));
		if (!n) {
			run->out_of_memory = true;
			return;
		}
		run->iv = n;
		run->cap = ncap;
	}
	size_t size = offsetof(struct hvr_interval, reasons) + iv->nreasons * sizeof(iv->reasons[0]);
	struct hvr_interval *copy = malloc(size);
	if (!copy) {
		run->out_of_memory = true;
		return;
	}
	memcpy(copy, iv, size);
	run->iv[run->n++] = copy;
	run->last[iv->cpu] = copy;
}

void hvr_run_free(struct hvr_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		free(run->iv[i]);
	free(run->iv);
	memset(run, 0, sizeof(*run));
}

unsigned hvr_run_cpus(const struct hvr_run *run)
{
	unsigned n = 0;
	for (unsigned c = 0; c < HVS_MAX_CPUS; c++)
		n += run->last[c] != NULL;
	return n;
}
