/* Exit statistics, text: the lines of a dump, built from a table of
 * counters (counters.h) for a sink. Pure; host unit tests in
 * test/unit/test_stats.c. The line formats are documented in README.md
 * ("Exit statistics") and parsed by tools/hvstat. */
#ifndef HV_STATS_REPORT_H
#define HV_STATS_REPORT_H

#include "counters.h"

/* Each line, without "hv: " and newline, goes to the sink. */
typedef void stats_line_sink(void *ctx, const char *line);

/* A sub-kind's text: "leaf:0x00000001", "cr:cr0-write", "vector:14",
 * "msr:0x0000001b", "port:0x64-in", ... */
size_t stats_sub_format(unsigned reason, uint32_t key, char *buf, size_t cap);

/* The full statistics of one CPU: a table a person reads ("|" lines),
 * then one machine line per reason and sub-kind ("exits cpu=..."), framed
 * by a begin line and the total line. `reason_name` names a basic exit
 * reason. */
void stats_render(const struct exit_stats *s, unsigned cpu, const char *why, uint64_t tsc, uint64_t ept_violations,
		  const char *(*reason_name)(unsigned reason), stats_line_sink *sink, void *ctx);

/* The compact periodic dump: what changed since stats_mark_shown, machine
 * lines only, each reason with its two busiest sub-kinds of the interval,
 * reasons by count, highest first:
 *   periodic statistics: cpu=0 tsc=T ms=M skipped=K rip=0x...
 *   delta reason=CPUID count=N top=leaf:0x00000001/n,leaf:0x0000000b/n
 *   delta cpu=0 total=N cycles=C
 * ms is the interval (TSC ticks over tsc_khz), skipped the dumps skipped
 * inside it (this one covers them), rip where the guest was. The lines
 * between the first and the total line belong to that CPU: the dump is
 * written in one piece (dump.c). cycles: the hypervisor's time in exits. */
void stats_render_delta(const struct exit_stats *s, unsigned cpu, uint64_t tsc, uint64_t tsc_khz, uint64_t rip,
			const char *(*reason_name)(unsigned reason), stats_line_sink *sink, void *ctx);

#endif
