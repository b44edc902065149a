/* hvstat's reader of the hypervisor's compact periodic dumps (README "Exit
 * statistics", hv/stats/report.h stats_render_delta):
 *   hv: periodic statistics: cpu=0 tsc=T ms=M skipped=K rip=0x...
 *   hv: delta reason=CPUID count=N top=leaf:0x00000001/n,leaf:0x0000000b/n
 *   hv: delta cpu=0 total=N cycles=C
 * One dump is one interval of one CPU: exits per second are count * 1000 /
 * ms. A dump is used only when it is whole and adds up (the reason counts
 * sum to the total); other lines, the guest's included, are ignored.
 *
 * Pure: no I/O, so the unit tests drive it with strings. */
#ifndef HVSTAT_RATES_H
#define HVSTAT_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_parse.h"

#define HVR_TOP 2 /* sub-kinds per reason in a dump */

struct hvr_reason {
	char name[HVS_NAME_LEN];
	uint64_t count;
	unsigned ntop;
	struct {
		char key[HVS_SUB_LEN];
		uint64_t count;
	} top[HVR_TOP];
};

struct hvr_interval {
	unsigned cpu;
	uint64_t tsc, ms, skipped, total, cycles;
	unsigned long line; /* log line of its first line */
	unsigned nreasons;
	struct hvr_reason reasons[HVS_MAX_REASONS];
};

/* Called for every whole interval, in log order. */
typedef void hvr_sink(void *ctx, const struct hvr_interval *iv);

struct hvr_reader {
	bool open;
	struct hvr_interval cur;
	unsigned long lines, intervals, damaged;
	hvr_sink *sink;
	void *ctx;
};

void hvr_init(struct hvr_reader *r, hvr_sink *sink, void *ctx);
/* One line without its '\n' (a trailing '\r' is ignored), any bytes. */
void hvr_feed_line(struct hvr_reader *r, const char *line, size_t len);

/* Per second, from an interval's count; 0 when the interval has no length. */
double hvr_per_second(const struct hvr_interval *iv, uint64_t count);

/* ---- what the views keep (render_rates.c) ---- */

/* Every interval of a run, in log order (copies sized to their reasons). */
struct hvr_run {
	struct hvr_interval **iv;
	size_t n, cap;
	bool out_of_memory;
	/* each CPU's last interval (pointers into iv) */
	const struct hvr_interval *last[HVS_MAX_CPUS];
};

/* An hvr_sink that appends to a struct hvr_run (ctx). */
void hvr_run_add(void *run, const struct hvr_interval *iv);
void hvr_run_free(struct hvr_run *run);
unsigned hvr_run_cpus(const struct hvr_run *run);

#endif
