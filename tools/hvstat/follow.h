/* hvstat --follow / --once on a live source (follow.c). */
#ifndef HVSTAT_FOLLOW_H
#define HVSTAT_FOLLOW_H

#include <stdbool.h>

struct follow_options {
	const char *source; /* serial device, pty, FIFO or log file ("-": stdin) */
	unsigned baud;      /* for a serial device: its speed (the hypervisor's serial_baud) */
	bool once;          /* one snapshot, then exit */
	double idle_exit;   /* > 0: end after this many seconds without input */
	const char *timeline; /* instead of the view: read all, write this SVG chart over time */
};

/* Returns hvstat's exit status: 0, 1 when no periodic dump was read,
 * 2 when the source cannot be opened or set up, or the chart written. */
int hvs_follow(const struct follow_options *o);

#endif
