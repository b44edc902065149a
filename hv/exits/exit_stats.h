#ifndef HV_EXIT_STATS_H
#define HV_EXIT_STATS_H

#include "../vmx/vcpu.h"

/* Prints this CPU's exit counts by reason: one line per reason seen,
 * "hv: exits cpu=N reason=NAME count=N", then the total. */
void exit_stats_print(const struct vcpu *v);

#endif
