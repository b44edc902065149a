/* Exit statistics, output: the one place that prints or clears them.
 * Handlers ask; this module takes consistent snapshots of the counters
 * (counters.h), formats them (report.h) and writes the lines to the log,
 * which queues them for the UART (serial.h): a dump never waits for the
 * line, except the final one, which drains it before the machine goes. */
#ifndef HV_STATS_DUMP_H
#define HV_STATS_DUMP_H

#include "../vmx/vcpu.h"

/* The full statistics of every virtualized CPU (table and machine lines),
 * then with several CPUs the table of their sum; `v` is the CPU that asks
 * (a VMCALL), `why` names the request ("request"). */
void stats_request_dump(const struct vcpu *v, const char *why);

/* The machine ends (power-off, reset, triple fault): the full dump with
 * why=final, then every byte queued for the UART is sent before this
 * returns. */
void stats_request_final(const struct vcpu *v);

/* Zeroes the counters of `v` (its own CPU asks). */
void stats_request_reset(struct vcpu *v);

/* Requests typed on the serial terminal (serial_escape.h), taken after
 * the guest read the port: "~s" dumps every CPU's statistics (why=console),
 * "~z" zeroes them (each CPU at its next exit: only a CPU writes its own). */
void stats_serial_requests(const struct vcpu *v);

/* This CPU's periodic dump (its own VMX-preemption timer expired): the
 * deltas since its last one, compact (report.h stats_render_delta). When
 * the output queue has no room for it, it is skipped and counted, and the
 * next one covers both intervals: no count is lost. */
void stats_periodic(struct vcpu *v);

#endif
