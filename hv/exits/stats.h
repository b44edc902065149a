/* Exit statistics: per CPU, per basic exit reason and per sub-kind (CPUID
 * leaf, CR number and direction, exception or interrupt vector, MSR, I/O
 * port), the count and the TSC cost of each exit (from the exit stub's
 * first instruction to the last one before VMRESUME's register restore) as
 * total, min and max, plus the VMREADs and VMWRITEs exits made.
 *
 * Pure: recording is a few adds into this CPU's own table (no lock, no
 * output), rendering builds text lines for a sink. Host unit tests cover
 * both (test/unit/test_stats.c). The line format is documented in
 * README.md ("Exit statistics") and parsed by tools/hvstat. */
#ifndef HV_EXITS_STATS_H
#define HV_EXITS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_REASONS 70    /* = EXIT_REASON_MAX */
#define STATS_SUBS 12       /* sub-kinds kept per reason; the rest go to "other" */
#define STATS_NO_SUB UINT32_MAX

struct stat_cell {
	uint64_t count, cycles, min, max;
};

struct stat_sub {
	uint32_t key;
	struct stat_cell cell;
};

struct reason_stats {
	struct stat_cell cell;
	uint64_t vmreads, vmwrites;
	unsigned subs_used;
	struct stat_sub subs[STATS_SUBS];
	struct stat_cell other; /* sub-kinds beyond STATS_SUBS */
};

struct exit_stats {
	uint64_t exits, cycles;
	struct reason_stats reason[STATS_REASONS];
};

/* One exit of `reason` that cost `cycles`; `sub` is its sub-kind key
 * (stats_sub_key_*) or STATS_NO_SUB. */
void stats_record(struct exit_stats *s, unsigned reason, uint32_t sub, uint64_t cycles, uint32_t vmreads,
		  uint32_t vmwrites);

/* Adds the counts of `from` to `into` (statistics summed over CPUs): the
 * cells add, min and max combine, sub-kinds merge by key (beyond STATS_SUBS
 * they go to "other"). */
void stats_merge(struct exit_stats *into, const struct exit_stats *from);

/* Sub-kind keys, and their text ("leaf:0x00000001", "cr:cr0-write",
 * "vector:14", "msr:0x0000001b", "port:0x64-in"). */
uint32_t stats_sub_key_cr(unsigned cr, unsigned access_type); /* access_type as decode.h enum cr_access_type */
static inline uint32_t stats_sub_key_port(uint16_t port, bool in) { return (uint32_t)port << 1 | in; } /* hot: inline */
/* EPT violations: a local APIC register offset (init_sipi.c), or this bit
 * and the offset in the ACPI reset register's page (mmio_reset.c). */
#define STATS_SUB_ACPI_RESET 0x1000u
size_t stats_sub_format(unsigned reason, uint32_t key, char *buf, size_t cap);

/* Renders the statistics of one CPU: a table a person reads ("hv: |"
 * lines), then one machine line per reason and sub-kind, framed by a begin
 * line and the total line. `reason_name` names a basic exit reason. Each
 * line (without "hv: " and newline) goes to `sink`. */
typedef void stats_line_sink(void *ctx, const char *line);
void stats_render(const struct exit_stats *s, unsigned cpu, const char *why, uint64_t tsc, uint64_t ept_violations,
		  const char *(*reason_name)(unsigned reason), stats_line_sink *sink, void *ctx);

#endif
