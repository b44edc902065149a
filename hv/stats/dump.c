/* Exit statistics, output (dump.h). */
#include "dump.h"

#include "../lib/fmt.h"
#include "../lib/log.h"
#include "../lib/serial.h"
#include "../lib/serial_escape.h"
#include "../vmx/vmx_ops.h"
#include "report.h"

#include <hv/cpu.h>

/* Room a periodic dump must find in the output queue, and its buffer: a
 * CPU's compact dump with ten busy reasons is under 1 KB (test_stats.c
 * checks it); fifty busy reasons would fill it. */
#define PERIODIC_DUMP_ROOM 4096

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

/* One dump at a time; the snapshot and the sum live here, not on the host
 * stack (about 40 KB each). */
static volatile int dump_lock;
static struct exit_stats snap, sum;

/* external_interrupts = guest: none of them exits, so none is counted. */
static void note_uncounted(const struct hv *hv)
{
	if (hv->config.interrupts_to_guest)
		log_printf("exits: external interrupts not counted: they go to the guest without exits "
			   "(external_interrupts = guest)\n");
}

void stats_request_dump(const struct vcpu *v, const char *why)
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
		/* Another CPU may be counting an exit right now: copy its table
		 * between two of its updates, then format the copy. */
		stats_snapshot(&snap, &c->stats);
		stats_render(&snap, c->index, why, rdtsc(), c->ept_violations, exit_reason_name, log_line, NULL);
		stats_merge(&sum, &snap);
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

void stats_request_final(const struct vcpu *v)
{
	stats_request_dump(v, "final");
	if (serial_lost_bytes())
		log_printf("serial: %llu bytes of hypervisor output lost: the UART took nothing for seconds\n",
			   (unsigned long long)serial_lost_bytes());
	serial_drain();
}

void stats_request_reset(struct vcpu *v) { stats_reset(&v->stats); }

void stats_serial_requests(const struct vcpu *v)
{
	unsigned r = serial_take_requests();
	if (!r)
		return;
	if (r & 1u << SERIAL_REQUEST_RESET) {
		log_printf("statistics zeroed from the serial terminal (~z, asked on CPU %u)\n", v->index);
		for (unsigned i = 0; i < v->hv->cpu_count; i++)
			__atomic_store_n(&v->hv->vcpus[i]->stats.reset_pending, 1, __ATOMIC_RELEASE);
	}
	if (r & 1u << SERIAL_REQUEST_DUMP) {
		log_printf("statistics requested from the serial terminal (~s, on CPU %u)\n", v->index);
		stats_request_dump(v, "console");
	}
}

/* The periodic dump is gathered here and written in one piece, so no
 * other CPU's line and no guest byte lands inside it. */
struct dump_text {
	char buf[PERIODIC_DUMP_ROOM];
	size_t len;
};

static void text_line(void *ctx, const char *line)
{
	struct dump_text *t = ctx;
	size_t n = fmt_format(t->buf + t->len, sizeof(t->buf) - t->len, "hv: %s\n", line);
	if (t->len + n < sizeof(t->buf))
		t->len += n; /* a line that does not fit is left out whole */
}

void stats_periodic(struct vcpu *v)
{
	static struct dump_text text;
	struct exit_stats *s = &v->stats;
	const struct hv *hv = v->hv;
	uint64_t tsc = rdtsc();
	if (serial_room() < PERIODIC_DUMP_ROOM) {
		s->skipped_dumps++; /* the output is behind: the next dump covers this interval too */
		return;
	}
	if (!s->shown_tsc) /* the first: the interval since the timer was armed */
		s->shown_tsc = tsc - hv->tsc_hz / 1000 * hv->config.stats_interval_ms;
	spin_lock(&dump_lock);
	text.len = 0;
	stats_render_delta(s, v->index, tsc, hv->tsc_hz / 1000, vmcs_read(VMCS_GUEST_RIP), exit_reason_name, text_line,
			   &text);
	serial_write(text.buf, text.len);
	spin_unlock(&dump_lock);
	stats_mark_shown(s, tsc);
}
