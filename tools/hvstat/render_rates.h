/* hvstat's views of the periodic dumps (rates.h). */
#ifndef HVSTAT_RENDER_RATES_H
#define HVSTAT_RENDER_RATES_H

#include <stdio.h>

#include "rates.h"

/* The live table: per reason, exits per second over all CPUs and per CPU
 * (the first four), with the busiest sub-kinds, from each CPU's last
 * interval; at most HVS_TABLE_WIDTH columns. */
void hvr_print_view(FILE *out, const struct hvr_run *run, const char *title);

/* The chart over time: exits per second of the busiest reasons (summed
 * over CPUs), one line each, across the run. Returns 0, or -1 when writing
 * failed or the run has no interval. */
int hvr_write_timeline_svg(FILE *out, const struct hvr_run *run, const char *title);

#endif
