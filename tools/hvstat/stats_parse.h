/* hvstat's parser: turns the hypervisor's serial log, one line at a time,
 * into per-CPU exit-statistics snapshots (format version 1, written by
 * hv/exits/stats.c, and the older format without cycles).
 *
 * Pure: no I/O, no global state, so the unit tests drive it with strings.
 * Sizes are bounded; whatever does not fit is dropped and counted, never
 * written past an array. */
#ifndef HVSTAT_STATS_PARSE_H
#define HVSTAT_STATS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVS_MAX_CPUS 64
#define HVS_MAX_REASONS 128
#define HVS_MAX_SUBS 32
#define HVS_NAME_LEN 40 /* reason name incl. NUL: the longest SDM name is 28 */
#define HVS_SUB_LEN 48  /* "kind:value" incl. NUL, e.g. "port:0xcf8-out" */
#define HVS_WHY_LEN 16
#define HVS_CPU_ALL 0xffffffffu /* hvs_snapshot.cpu of a sum over CPUs */

/* One counter row: an exit reason or one sub-kind of it. cycles, min and
 * max come together (version 1) or not at all (old logs): has_cycles. */
struct hvs_cell {
	uint64_t count, cycles, min, max;
	bool has_cycles;
};

struct hvs_sub {
	char key[HVS_SUB_LEN]; /* "kind:value" as in the log */
	struct hvs_cell cell;
};

struct hvs_reason {
	char name[HVS_NAME_LEN];
	struct hvs_cell cell;
	uint64_t vmreads, vmwrites; /* optional extra fields of version 1 */
	bool has_vmreads, has_vmwrites;
	unsigned nsubs;
	struct hvs_sub subs[HVS_MAX_SUBS];
};

struct hvs_snapshot {
	unsigned cpu;
	bool has_begin; /* a begin line opened it (version 1) */
	char why[HVS_WHY_LEN];
	uint64_t tsc;
	bool has_total; /* its total line was seen: the snapshot is complete */
	uint64_t total, ept_violations, cycles;
	bool has_cycles; /* the total line carried cycles= */
	unsigned long line; /* log line of its total line (begin line while open) */
	unsigned nreasons;
	struct hvs_reason reasons[HVS_MAX_REASONS];
};

struct hvs_cpu_state {
	struct hvs_snapshot *done; /* the last complete snapshot, or NULL */
	struct hvs_snapshot *open; /* being filled, or NULL */
	struct hvs_snapshot *spare; /* a retired buffer, reused by the next snapshot */
	unsigned completed;        /* how many snapshots of this CPU completed */
	bool incomplete;           /* set by hvs_finish: the log ended inside `open` */
};

/* Called for every snapshot when its total line completes it (--all). */
typedef void hvs_snapshot_sink(void *ctx, const struct hvs_snapshot *s);

struct hvs_model {
	struct hvs_cpu_state cpu[HVS_MAX_CPUS];
	unsigned long lines;     /* lines fed */
	unsigned long records;   /* records parsed and used */
	unsigned long damaged;   /* records containing "hv: exits " that did not parse */
	unsigned long dropped;   /* well-formed records that did not fit the bounds */
	unsigned long abandoned; /* open snapshots replaced by a new begin line */
	bool out_of_memory;
	hvs_snapshot_sink *sink;
	void *sink_ctx;
};

/* Zeroes the model; sink may be NULL. */
void hvs_init(struct hvs_model *m, hvs_snapshot_sink *sink, void *ctx);
/* Frees the snapshots the model holds. */
void hvs_free(struct hvs_model *m);

/* Feeds one line (without its '\n'; a trailing '\r' is ignored). The line
 * may contain any bytes, NUL included: len counts them. */
void hvs_feed_line(struct hvs_model *m, const char *line, size_t len);

/* Ends the input: marks the CPUs whose log ended inside a snapshot. */
void hvs_finish(struct hvs_model *m);

/* The snapshot hvstat reports for a CPU: its last complete one, or NULL. */
const struct hvs_snapshot *hvs_last(const struct hvs_model *m, unsigned cpu);
/* How many CPUs have a complete snapshot. */
unsigned hvs_cpu_count(const struct hvs_model *m);

/* Sums the last complete snapshots of every CPU into *out (cpu = all):
 * counts and cycles add up, min/max are the extremes, cycles are known
 * only where every CPU knew them. Sub-kinds merge by key; what does not fit
 * is dropped (*dropped counts it, may be NULL). Returns false when no CPU
 * has statistics. */
/* Appends an empty row named `name` (at most HVS_NAME_LEN bytes with its
 * NUL) to s; NULL when s already has HVS_MAX_REASONS rows. */
struct hvs_reason *hvs_snapshot_add_reason(struct hvs_snapshot *s, const char *name);

bool hvs_sum(const struct hvs_model *m, struct hvs_snapshot *out, unsigned long *dropped);

/* Reason and sub-kind lookups by name; NULL when absent. */
const struct hvs_reason *hvs_find_reason(const struct hvs_snapshot *s, const char *name);
const struct hvs_sub *hvs_find_sub(const struct hvs_reason *r, const char *key);

/* The sum of the reason counts (for checking it against the total). */
uint64_t hvs_reason_sum(const struct hvs_snapshot *s);

/* Sorts the indices of s's reasons by count, highest first (ties: name).
 * order must hold s->nreasons entries. */
void hvs_order_reasons(const struct hvs_snapshot *s, unsigned *order);
/* The same for the sub-kinds of one reason. */
void hvs_order_subs(const struct hvs_reason *r, unsigned *order);

#endif
