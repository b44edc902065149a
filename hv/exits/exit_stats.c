#include "exit_stats.h"

#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "exits.h"

#include <hv/cpu.h>

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	log_printf("%s\n", line);
}

void exit_stats_print(const struct vcpu *v, const char *why)
{
	stats_render(&v->stats, v->index, why, rdtsc(), v->ept_violations, exit_reason_name, log_line, NULL);
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
		   (unsigned long long)v->proc_controls,
		   (unsigned long long)v->pending_interrupts[3], (unsigned long long)v->pending_interrupts[2],
		   (unsigned long long)v->pending_interrupts[1], (unsigned long long)v->pending_interrupts[0],
		   v->guest_nmi_pending);
	exit_stats_print(ctx->vcpu, "periodic");
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, ctx->vcpu->hv->preemption_timer_reload);
	return EXIT_RESUME;
}
