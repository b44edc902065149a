/* Exit-reason names, from the one table (exit_reasons.h). Pure: the
 * statistics, hvstat's tests and diagnostics share it. */
#include "exit_reasons.h"

#include <stddef.h>

static const char *const exit_reason_names[EXIT_REASON_MAX] = {
#define X(n, name, handler, during_delivery) [n] = #name,
	EXIT_REASON_LIST(X)
#undef X
};

const char *exit_reason_name(unsigned reason)
{
	return reason < EXIT_REASON_MAX && exit_reason_names[reason] ? exit_reason_names[reason] : "unknown";
}
