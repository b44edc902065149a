/* hvstat's output: tables, the comparison, the machine format and the SVG
 * chart, all written to a stdio stream so the tests can capture them. */
#ifndef HVSTAT_RENDER_H
#define HVSTAT_RENDER_H

#include <stdio.h>

#include "stats_parse.h"

#define HVS_TABLE_WIDTH 100 /* the tables stay within this many columns */

/* A sub-kind as shown in tables: "leaf:0x00000001" -> "leaf 0x1". */
void hvs_format_sub(const char *key, char *buf, size_t cap);

/* A u64 that may be unknown: decimal, or "-". */
const char *hvs_u64_or_dash(char buf[24], uint64_t v, int known);

/* The table of one snapshot (a CPU's, or the sum), under a title line. */
void hvs_print_table(FILE *out, const struct hvs_snapshot *s, const char *title);

/* The snapshot in the hypervisor's machine format, "hv: " prefix included,
 * so hvstat can read its own output back. */
void hvs_print_machine(FILE *out, const struct hvs_snapshot *s);

/* Per-reason deltas between two (summed) snapshots. */
void hvs_print_compare(FILE *out, const struct hvs_snapshot *old, const struct hvs_snapshot *new_,
		       const char *old_name, const char *new_name);

/* Writes text with XML's special characters escaped; bytes outside
 * printable ASCII become '?' (XML 1.0 forbids most control characters even
 * as references, and a file name need not be UTF-8). */
void hvs_xml_escape(FILE *out, const char *text);

/* The SVG chart: exit counts and total cycles per reason, as two groups of
 * horizontal bars. Returns 0, or -1 when writing failed. */
int hvs_write_svg(FILE *out, const struct hvs_snapshot *s, const char *title);

#endif
