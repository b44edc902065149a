#ifndef HV_EXIT_STATS_H
#define HV_EXIT_STATS_H

#include "../vmx/vcpu.h"

/* Prints this CPU's exit statistics (stats.h, README "Exit statistics"):
 * the table, then the machine lines; `why` is request, periodic or final. */
void exit_stats_print(const struct vcpu *v, const char *why);

#endif
