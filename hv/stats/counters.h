/* Exit statistics, counting: per CPU, per basic exit reason and per
 * sub-kind (CPUID leaf, CR number and direction, exception or interrupt
 * vector, MSR, I/O port), the count and the TSC cost of each exit (from
 * the exit stub's first instruction to the last one before VMRESUME's
 * register restore) as total, min and max, plus the VMREADs and VMWRITEs
 * exits made.
 *
 * Pure: recording is a few adds into this CPU's own table (no lock, no
 * output). Only the CPU that owns a table writes it; a reader on another
 * CPU takes a consistent copy with stats_snapshot (a sequence count, as
 * Linux's seqcount). Text is report.h's, output dump.h's. Host unit tests:
 * test/unit/test_stats.c. */
#ifndef HV_STATS_COUNTERS_H
#define HV_STATS_COUNTERS_H

#include "../exits/exit_reasons.h" /* the one table of exit reasons: a leaf header */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_REASONS EXIT_REASON_MAX /* one row per basic exit reason */
#define STATS_SUBS 12                 /* sub-kinds kept per reason; the rest go to "other" */
#define STATS_NO_SUB UINT32_MAX

struct stat_cell {
	uint64_t count, cycles, min, max;
};

struct stat_sub {
	uint32_t key;
	struct stat_cell cell;
	uint64_t shown; /* count at the last periodic dump (deltas) */
};

struct reason_stats {
	struct stat_cell cell;
	uint64_t vmreads, vmwrites;
	uint64_t shown_count, shown_cycles; /* at the last periodic dump */
	unsigned subs_used;
	struct stat_sub subs[STATS_SUBS];
	struct stat_cell other; /* sub-kinds beyond STATS_SUBS */
};

struct exit_stats {
	volatile uint32_t seq; /* odd while the owner writes (stats_snapshot) */
	volatile uint32_t reset_pending; /* another CPU asks the owner to zero it (stats_record) */
	uint32_t skipped_dumps; /* periodic dumps skipped since the last one shown (output busy) */
	uint64_t exits, cycles;
	uint64_t shown_exits, shown_cycles, shown_tsc; /* at the last periodic dump; tsc 0: none yet */
	struct reason_stats reason[STATS_REASONS];
};

/* One exit of `reason` that cost `cycles`; `sub` is its sub-kind key
 * (stats_sub_key_*) or STATS_NO_SUB. Only the owning CPU calls it; a
 * pending reset is done first. */
void stats_record(struct exit_stats *s, unsigned reason, uint32_t sub, uint64_t cycles, uint32_t vmreads,
		  uint32_t vmwrites);

/* Copies `from` into `to` as it was between two of its owner's updates
 * (retries while one is under way). */
void stats_snapshot(struct exit_stats *to, const struct exit_stats *from);

/* Zeroes the counters (the owner only). */
void stats_reset(struct exit_stats *s);

/* The counts as of now become the base of the next periodic deltas. */
void stats_mark_shown(struct exit_stats *s, uint64_t tsc);

/* Adds the counts of `from` to `into` (statistics summed over CPUs): the
 * cells add, min and max combine, sub-kinds merge by key (beyond STATS_SUBS
 * they go to "other"). */
void stats_merge(struct exit_stats *into, const struct exit_stats *from);

/* Sub-kind keys (their text: report.h stats_sub_format). */
uint32_t stats_sub_key_cr(unsigned cr, unsigned access_type); /* access_type as decode.h enum cr_access_type */
static inline uint32_t stats_sub_key_port(uint16_t port, bool in) { return (uint32_t)port << 1 | in; } /* hot: inline */
/* EPT violations: a local APIC register offset (init_sipi.c), or this bit
 * and the offset in the ACPI reset register's page (mmio_reset.c). */
#define STATS_SUB_ACPI_RESET 0x1000u

#endif
