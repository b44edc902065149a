#include "exit_stats.h"

#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "exits.h"

void exit_stats_print(const struct vcpu *v)
{
	for (unsigned r = 0; r < EXIT_REASON_MAX; r++)
		if (v->exit_reason_counts[r])
			log_printf("exits cpu=%u reason=%s count=%llu\n", v->index, exit_reason_name(r),
				   (unsigned long long)v->exit_reason_counts[r]);
	log_printf("exits cpu=%u total=%llu ept_violations=%llu\n", v->index, (unsigned long long)v->exits,
		   (unsigned long long)v->ept_violations);
}

/* VMX-preemption timer expired (exit reason 52): time for the periodic
 * statistics; reload the timer. */
enum exit_action handle_preemption_timer(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	log_printf("periodic statistics: cpu=%u rip=0x%llx rflags=0x%llx interruptibility=0x%llx activity=%llu "
		   "proc=0x%llx pending=%016llx%016llx%016llx%016llx nmi=%u\n",
		   v->index, (unsigned long long)vmcs_read(VMCS_GUEST_RIP),
		   (unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS),
		   (unsigned long long)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE),
		   (unsigned long long)vmcs_read(VMCS_GUEST_ACTIVITY_STATE),
		   (unsigned long long)vmcs_read(VMCS_PROC_BASED_CONTROLS),
		   (unsigned long long)v->pending_interrupts[3], (unsigned long long)v->pending_interrupts[2],
		   (unsigned long long)v->pending_interrupts[1], (unsigned long long)v->pending_interrupts[0],
		   v->guest_nmi_pending);
	exit_stats_print(ctx->vcpu);
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, ctx->vcpu->hv->preemption_timer_reload);
	return EXIT_RESUME;
}
