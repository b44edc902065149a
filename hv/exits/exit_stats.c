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

/* The summed table only: its machine lines would repeat the per-CPU ones. */
static void log_table_line(void *ctx, const char *line)
{
	(void)ctx;
	if (line[0] == '|')
		log_printf("%s\n", line);
}

/* Every virtualized CPU's statistics, read as they are: another CPU may be
 * adding to its own while we print (counts, not a transaction). One dump
 * at a time; the sum lives here, not on the host stack. */
static volatile int dump_lock;
static struct exit_stats sum;

/* external_interrupts = guest: none of them exits, so none is counted. */
static void note_uncounted(const struct hv *hv)
{
	if (hv->config.interrupts_to_guest)
		log_printf("exits: external interrupts not counted: they go to the guest without exits "
			   "(external_interrupts = guest)\n");
}

void exit_stats_print_cpu(const struct vcpu *v, const char *why)
{
	spin_lock(&dump_lock);
	stats_render(&v->stats, v->index, why, rdtsc(), v->ept_violations, exit_reason_name, log_line, NULL);
	note_uncounted(v->hv);
	spin_unlock(&dump_lock);
}

void exit_stats_print(const struct vcpu *v, const char *why)
{
	spin_lock(&dump_lock);
	const struct hv *hv = v->hv;
	unsigned printed = 0;
	uint64_t ept_violations = 0;
	sum = (struct exit_stats){ 0 };
	for (unsigned i = 0; i < hv->cpu_count; i++) {
		const struct vcpu *c = hv->vcpus[i];
		if (!c->virtualized)
			continue;
		stats_render(&c->stats, c->index, why, rdtsc(), c->ept_violations, exit_reason_name, log_line, NULL);
		stats_merge(&sum, &c->stats);
		ept_violations += c->ept_violations;
		printed++;
	}
	if (printed > 1) {
		log_printf("exits of all %u CPUs (asked on CPU %u): %llu exits, %llu EPT violations\n", printed, v->index,
			   (unsigned long long)sum.exits, (unsigned long long)ept_violations);
		stats_render(&sum, v->index, why, rdtsc(), ept_violations, exit_reason_name, log_table_line, NULL);
	}
	note_uncounted(hv);
	spin_unlock(&dump_lock);
}

/* VMX-preemption timer expired (exit reason 52): time for the periodic
 * statistics; reload the timer. */
enum exit_action handle_preemption_timer(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (event_timer_kick_expired(ctx))
		return EXIT_RESUME; /* event delivery's short timer (interrupt.c) */
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
	exit_stats_print_cpu(ctx->vcpu, "periodic"); /* each CPU has its own timer */
	vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, ctx->vcpu->hv->preemption_timer_reload);
	return EXIT_RESUME;
}
