#include "exit_stats.h"

#include "../lib/log.h"
#include "exit_reasons.h"

void exit_stats_print(const struct vcpu *v)
{
	for (unsigned r = 0; r < EXIT_REASON_MAX; r++)
		if (v->exit_reason_counts[r])
			log_printf("exits cpu=%u reason=%s count=%llu\n", v->index, exit_reason_name(r),
				   (unsigned long long)v->exit_reason_counts[r]);
	log_printf("exits cpu=%u total=%llu ept_violations=%llu\n", v->index, (unsigned long long)v->exits,
		   (unsigned long long)v->ept_violations);
}
