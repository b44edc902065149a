/* INIT/SIPI relay (ipi_relay.h). */
#include "guest_memory.h"
#include "ipi_relay.h"

#include "../apic/apic.h"
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "init_sipi_rules.h"
#include "mmio_decode.h"

#include <hv/cpu.h>

#define RELAY_SIPI_VALID 0x100u

static struct vcpu *vcpu_by_apic_id(struct hv *hv, uint32_t apic_id)
{
	for (unsigned i = 0; i < hv->cpu_count; i++)
		if (hv->vcpus[i]->apic_id == apic_id && hv->vcpus[i]->virtualized)
			return hv->vcpus[i];
	return NULL;
}

static void relay_to(struct vcpu *from, struct vcpu *to, const struct apic_ipi *ipi)
{
	if (ipi->delivery == APIC_DELIVERY_INIT) {
		/* INIT resets the logical addressing too (§11.4.7.3): a later
		 * logical IPI must not find the old LDR. */
		__atomic_store_n(&to->relay_ldr, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&to->relay_dfr, 0xffffffffu, __ATOMIC_RELEASE);
		__atomic_store_n(&to->relay_sipi, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&to->relay_init, 1, __ATOMIC_RELEASE);
		apic_send_nmi(to->apic_id); /* makes it exit, wherever it is (itself included) */
		log_printf("CPU %u: INIT for CPU %u relayed\n", from->index, to->index);
	} else if (__atomic_load_n(&to->relay_init, __ATOMIC_SEQ_CST) ||
		   __atomic_load_n(&to->relay_waiting, __ATOMIC_SEQ_CST)) {
		/* INIT first: the target sets waiting before it drops INIT. */
		__atomic_store_n(&to->relay_sipi, RELAY_SIPI_VALID | ipi->vector, __ATOMIC_RELEASE);
	} /* a SIPI to a running processor is ignored, as on hardware */
}

static struct apic_target target_of(enum apic_mode mode, const struct vcpu *to)
{
	if (mode == APIC_MODE_X2APIC)
		return (struct apic_target){ to->apic_id, apic_x2apic_ldr(to->apic_id), 0 };
	return (struct apic_target){ to->apic_id, __atomic_load_n(&to->relay_ldr, __ATOMIC_ACQUIRE),
				     __atomic_load_n(&to->relay_dfr, __ATOMIC_ACQUIRE) };
}

/* An ICR value the guest wrote (xAPIC: both halves; x2APIC: WRMSR 0x830):
 * INIT and SIPI for virtualized processors are relayed, whatever the
 * destination mode or shorthand; all else goes to the real APIC. Returns
 * true when nothing is left to send. */
static bool relay_icr(struct vcpu *v, enum apic_mode mode, uint64_t icr)
{
	struct apic_ipi ipi = apic_icr_decode(mode, icr);
	if (ipi.delivery != APIC_DELIVERY_INIT && ipi.delivery != APIC_DELIVERY_STARTUP)
		return false;
	if (ipi.delivery == APIC_DELIVERY_INIT && !(icr & APIC_ICR_LEVEL_ASSERT))
		return true; /* INIT level de-assert: nothing to do on P6 and later */
	if (!apic_init_sipi_shorthand_valid(ipi.shorthand)) {
		log_printf("CPU %u: %s with the shorthand \"%s\" dropped: invalid for INIT and SIPI "
			   "(SDM Vol. 3A 11.6.1)\n", v->index, ipi.delivery == APIC_DELIVERY_INIT ? "INIT" : "SIPI",
			   ipi.shorthand == APIC_DEST_SELF ? "self" : "all including self");
		return true;
	}
	struct hv *hv = v->hv;
	bool physical_one = ipi.shorthand == APIC_DEST_NO_SHORTHAND && !ipi.logical &&
			    ipi.destination != (mode == APIC_MODE_X2APIC ? 0xffffffffu : 0xffu);
	if (physical_one && !vcpu_by_apic_id(hv, ipi.destination))
		return false; /* not one of ours: the real IPI */
	for (unsigned i = 0; i < hv->cpu_count; i++) {
		struct vcpu *to = hv->vcpus[i];
		struct apic_target t = target_of(mode, to);
		if (to->virtualized && apic_ipi_reaches(mode, &ipi, v->apic_id, &t))
			relay_to(v, to, &ipi);
	}
	return true;
}

bool ipi_relay_apic_write(struct exit_ctx *ctx, uint64_t gpa, enum exit_action *action)
{
	struct vcpu *v = ctx->vcpu;
	struct hv *hv = v->hv;
	if (!hv->apic_relay_page || (gpa & ~0xfffull) != hv->apic_relay_page)
		return false;
	uint8_t code[15];
	size_t n = guest_code_at_rip(hv, code);
	struct mmio_store st;
	if (!mmio_decode_store32(code, n, &st)) {
		log_printf("APIC write at RIP 0x%llx: instruction %02x %02x %02x %02x not decoded (ipi_relay)\n",
			   (unsigned long long)vmcs_read(VMCS_GUEST_RIP), code[0], code[1], code[2], code[3]);
		*action = EXIT_STOP;
		return true;
	}
	uint32_t value = st.immediate ? st.imm : (uint32_t)guest_gpr_read(ctx, st.reg);
	unsigned offset = (unsigned)(gpa & 0xffc);
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)hv->apic_relay_page;
	ctx->sub_kind = offset; /* the APIC register, in the statistics */
	if (offset == APIC_REG_LDR)
		__atomic_store_n(&v->relay_ldr, value, __ATOMIC_RELEASE);
	else if (offset == APIC_REG_DFR)
		__atomic_store_n(&v->relay_dfr, value, __ATOMIC_RELEASE);
	bool sent = offset == APIC_REG_ICR_LOW &&
		    relay_icr(v, APIC_MODE_XAPIC, (uint64_t)apic[APIC_REG_ICR_HIGH / 4] << 32 | value);
	if (!sent)
		apic[offset / 4] = value;
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + st.length);
	*action = EXIT_RESUME;
	return true;
}

bool ipi_relay_wrmsr(struct exit_ctx *ctx, uint32_t index, uint64_t value)
{
	if (!ctx->vcpu->hv->apic_relay_page || index != X2APIC_MSR(APIC_REG_ICR_LOW))
		return false;
	ctx->sub_kind = index;
	if (!relay_icr(ctx->vcpu, APIC_MODE_X2APIC, value))
		wrmsr(index, value); /* one 64-bit write sends (§11.12.9) */
	return true;
}

void ipi_relay_msr_bitmap(const struct hv *hv, uint8_t bitmap[4096])
{
	/* Writes to the low MSR range start at byte 2048 (SDM Vol. 3C §25.6.9). */
	uint32_t icr = X2APIC_MSR(APIC_REG_ICR_LOW);
	if (hv->apic_relay_page)
		bitmap[2048 + icr / 8] |= (uint8_t)(1u << (icr % 8));
}

void ipi_relay_wait_sipi(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	/* Waiting before the INIT flag drops: a sender that looks in between
	 * must see one of them, or its SIPI would be lost (it was: the SIPI
	 * came while this CPU printed the line below). */
	__atomic_store_n(&v->relay_waiting, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->relay_init, 0, __ATOMIC_SEQ_CST);
	/* INIT discards whatever event the exit interrupted or was to inject. */
	ctx->event_injected = true;
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, 0);
	/* Wait-for-SIPI, here in root mode: the processor does nothing else
	 * until the SIPI comes, as on hardware; a new INIT restarts the wait. */
	uint32_t sipi;
	while (!((sipi = __atomic_load_n(&v->relay_sipi, __ATOMIC_ACQUIRE)) & RELAY_SIPI_VALID))
		cpu_pause();
	__atomic_store_n(&v->relay_sipi, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&v->relay_init, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&v->relay_waiting, 0, __ATOMIC_RELEASE);
	struct init_sipi_caps caps = { .wait_for_sipi = v->hv->caps.wait_for_sipi, .relay = v->hv->apic_relay_page != 0 };
	if (init_sipi_next(SIPI_WAIT_ROOT, IS_RELAYED_SIPI, &caps).action != IS_START)
		return; /* not reached: a relayed SIPI always ends this wait */
	/* The NMI of an INIT relayed while we waited here (it restarted the
	 * wait) hit root mode: it is that INIT's, which discards pending events
	 * like the first; left set, it would reach the started AP as an NMI. */
	v->host_nmi_pending = 0;
	init_discard_events(v); /* as for a real INIT */
	sipi_start(ctx, (uint8_t)sipi);
	stats_record(&v->stats, EXIT_REASON_SIPI, (uint8_t)sipi, 0, 0, 0);
}

bool ipi_relay_take_init(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (!__atomic_load_n(&v->relay_init, __ATOMIC_ACQUIRE))
		return false;
	log_printf("CPU %u: INIT (relayed): waiting for SIPI\n", v->index);
	/* The statistics count this exit as the INIT it carried (its cost runs
	 * to the entry after the SIPI), the SIPI as one more, costless. */
	ctx->reason = EXIT_REASON_INIT;
	ctx->sub_kind = STATS_NO_SUB;
	v->wait_for_sipi = false; /* a relayed INIT always waits here (init_sipi_rules.h) */
	ipi_relay_wait_sipi(ctx);
	return true;
}
