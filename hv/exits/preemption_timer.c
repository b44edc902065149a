/* VMX-preemption timer expired (exit reason 52, SDM Vol. 3C §26.5.1):
 * either event delivery's short kick (interrupt.c) or this CPU's periodic
 * statistics, which the dump module prints (stats/dump.h); reload it. */
#include "../stats/dump.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"

enum exit_action handle_preemption_timer(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (event_timer_kick_expired(ctx))
		return EXIT_RESUME;
	stats_periodic(v); /* each CPU has its own timer */
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, v->hv->preemption_timer_reload);
	return EXIT_RESUME;
}
