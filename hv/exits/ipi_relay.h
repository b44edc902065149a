/* INIT/SIPI relay between virtualized processors (config ipi_relay = on).
 *
 * Why: an INIT sent to a virtualized processor exits (init_sipi.c), which
 * is all real hardware needs. Bochs 2.7 never clears its INIT latch after an
 * INIT exit, so a processor started by SIPI exits with the same INIT again
 * before its first instruction, forever. With the relay, the real INIT never
 * reaches a virtualized processor: the local APIC page is read-only in EPT,
 * the hypervisor performs the guest's APIC writes itself, and an INIT or
 * SIPI in the ICR for a virtualized processor becomes a flag on that vCPU
 * and an NMI that makes it exit. It costs an exit per APIC write (EOIs
 * included), so it is off unless asked for. */
#ifndef HV_EXITS_IPI_RELAY_H
#define HV_EXITS_IPI_RELAY_H

#include "exits.h"

/* An EPT violation at gpa: when it is a write to the local APIC page and
 * the relay is on, performs it (relaying INIT/SIPI) and returns true. */
bool ipi_relay_apic_write(struct exit_ctx *ctx, uint64_t gpa, enum exit_action *action);

/* WRMSR: the x2APIC ICR (MSR 0x830) with the relay on is performed here,
 * relaying INIT/SIPI as above; returns true when it was (the instruction
 * is done). */
bool ipi_relay_wrmsr(struct exit_ctx *ctx, uint32_t index, uint64_t value);
/* With the relay on, makes WRMSR to the x2APIC ICR exit in this bitmap. */
void ipi_relay_msr_bitmap(const struct hv *hv, uint8_t bitmap[4096]);

/* An NMI reached this vCPU (an NMI exit, or one that hit root mode): when
 * it carries a relayed INIT, the vCPU waits for the relayed SIPI and starts
 * at its vector; returns true (the NMI was ours, not the guest's). */
bool ipi_relay_take_init(struct exit_ctx *ctx);

/* After an INIT: waits in the hypervisor until a relayed SIPI comes for
 * this vCPU, then starts it at the SIPI's vector (init_sipi_rules.h). */
void ipi_relay_wait_sipi(struct exit_ctx *ctx);

#endif
