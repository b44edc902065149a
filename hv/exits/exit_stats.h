#ifndef HV_EXIT_STATS_H
#define HV_EXIT_STATS_H

#include "../vmx/vcpu.h"

/* Prints the exit statistics (stats.h, README "Exit statistics") of every
 * virtualized CPU, each its table and machine lines, then with several
 * CPUs the table of their sum; v is the CPU that asks; `why` is request,
 * periodic or final. */
void exit_stats_print(const struct vcpu *v, const char *why);
/* This CPU's only (the periodic dump: every CPU has its own timer). */
void exit_stats_print_cpu(const struct vcpu *v, const char *why);

#endif
