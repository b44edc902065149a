/* INIT and SIPI, native and relayed (init_sipi.c): the exit handlers
 * handle_init and handle_sipi (exits.h's table), the relay, and the one
 * place a pending relayed INIT is taken before event delivery.
 *
 * The relay (config ipi_relay = on). Why: an INIT sent to a virtualized
 * processor exits (handle_init), which is all real hardware needs. Bochs 2.7
 * never clears its INIT latch after an INIT exit, so a processor started by
 * SIPI exits with the same INIT again before its first instruction, forever.
 * With the relay, the real INIT never reaches a virtualized processor: the
 * local APIC page is read-only in EPT, the hypervisor performs the guest's
 * APIC writes itself, and an INIT or SIPI in the ICR for a virtualized
 * processor becomes a flag on that vCPU and an NMI that makes it exit. It
 * costs an exit per APIC write (EOIs included), so it is off unless asked
 * for. */
#ifndef HV_EXITS_INIT_SIPI_H
#define HV_EXITS_INIT_SIPI_H

#include "exits.h"

/* An EPT violation at gpa: when it is a write to the local APIC page and
 * the relay is on, performs it (relaying INIT/SIPI, recording LDR/DFR for
 * logical destinations) and returns true. */
bool ipi_relay_apic_write(struct exit_ctx *ctx, uint64_t gpa, enum exit_action *action);
/* WRMSR: the x2APIC ICR (MSR 0x830) with the relay on is performed here,
 * relaying INIT/SIPI; returns true when it was (the instruction is done). */
bool ipi_relay_wrmsr(struct exit_ctx *ctx, uint32_t index, uint64_t value);
/* With the relay on, makes WRMSR to the x2APIC ICR exit in this bitmap. */
void ipi_relay_msr_bitmap(const struct hv *hv, uint8_t bitmap[4096]);

/* An NMI reached this vCPU (an NMI exit, or one that hit root mode): true
 * when it is the relay's, carrying an INIT, which init_sipi_take_pending
 * takes before the next entry; false when it is the guest's. */
static inline bool init_sipi_nmi_is_relayed_init(const struct vcpu *v)
{
	return __atomic_load_n(&v->relay_init, __ATOMIC_ACQUIRE); /* inline: checked on hot exit paths */
}
/* Before event delivery, on every exit: a relayed INIT pending for this
 * vCPU discards its events, waits in the hypervisor for the relayed SIPI and
 * starts the vCPU at its vector. Returns true when it did. */
bool init_sipi_take_pending(struct exit_ctx *ctx);

#endif
