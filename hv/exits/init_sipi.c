/* INIT and SIPI, native and relayed (init_sipi.h): exit reasons 3 and 4,
 * the INIT/SIPI relay of ipi_relay = on, and the wait for a SIPI in the
 * hypervisor. The decisions are init_sipi_rules.c's (pure, unit-tested);
 * which processors an IPI addresses is apic.c's (apic_ipi_reaches).
 *
 * INIT puts the processor in the wait-for-SIPI activity state; SIPI starts
 * it in real mode at vector << 12 with the architectural INIT state (SDM
 * Vol. 3A §10.1.1, Table 10-1; unrestricted guest lets the guest run real
 * mode directly). Where the wait happens, in that state or in the
 * hypervisor (no wait-for-SIPI support, or ipi_relay = on), is
 * init_sipi_rules.h's call. Both are idempotent: an INIT while waiting
 * changes nothing, a SIPI when not waiting is ignored. Whether the CPU waits
 * for a SIPI is kept here, in the vCPU, not read back from the VMCS: Bochs
 * 2.7 saves activity state 0 (active) and "blocking by SMI" in the SIPI exit
 * of a processor that was waiting for it (seen: INIT exit, entry with
 * wait-for-SIPI, SIPI exit with activity 0, interruptibility 4). */
#include "init_sipi.h"

#include "../apic/apic.h"
#include "../lib/log.h"
#include "../vmx/segment.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "guest_memory.h"
#include "init_sipi_rules.h"
#include "mmio_decode.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>

/* relay_sipi: the vector, valid once this bit is set (the sender's release). */
#define RELAY_SIPI_VALID 0x100u

static void init_discard_events(struct vcpu *v)
{
	v->pending_interrupts[0] = v->pending_interrupts[1] = 0;
	v->pending_interrupts[2] = v->pending_interrupts[3] = 0;
	v->guest_nmi_pending = false;
}

/* The segment registers after INIT (SDM Vol. 3A §10.1.1, Table 10-1), in
 * vmcs_guest_segments' order ES CS SS DS FS GS LDTR TR: real-mode limits,
 * data read/write and code execute/read (accessed), an LDT, and TR a busy
 * TSS, as VM entry requires (SDM Vol. 3C §27.3.1.2). CS's selector is the
 * SIPI vector's page; the others are 0. */
static const uint32_t init_segment_access_rights[VMCS_GUEST_SEGMENT_COUNT] = { 0x93, 0x9b, 0x93, 0x93,
									       0x93, 0x93, 0x82, 0x8b };

static void init_segments(uint16_t cs_selector)
{
	for (unsigned i = 0; i < VMCS_GUEST_SEGMENT_COUNT; i++) {
		const struct vmcs_segment_fields *f = &vmcs_guest_segments[i];
		uint16_t selector = f->selector == VMCS_GUEST_CS_SELECTOR ? cs_selector : 0;
		vmcs_write(f->selector, selector);
		vmcs_write(f->base, (uint64_t)selector << 4);
		vmcs_write(f->limit, 0xffff);
		vmcs_write(f->access_rights, init_segment_access_rights[i]);
	}
}

/* The architectural state after INIT, started at vector << 12 in real mode. */
static void sipi_start(struct exit_ctx *ctx, uint8_t vector)
{
	struct hv *hv = ctx->vcpu->hv;
	struct guest_regs *r = ctx->regs;
	*r = (struct guest_regs){ 0 };
	r->rdx = cpuid(1).eax; /* family/model/stepping, as after INIT */
	uint64_t cr0 = 0x60000010; /* CD, NW, ET */
	vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_fix_cr0(&hv->msrs, cr0, true));
	vmcs_write(VMCS_CR4_READ_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_fix_cr4(&hv->msrs, 0));
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write(VMCS_VMENTRY_CONTROLS, vmcs_read(VMCS_VMENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E_MODE_GUEST);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	init_segments((uint16_t)(vector << 8));
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	ctx->vcpu->sipi_started = true;
	ctx->vcpu->sipi_cs_base = (uint64_t)vector << 12;
	invvpid(INVVPID_SINGLE_CONTEXT, (uint16_t)vmcs_read(VMCS_VPID), 0);
	log_printf("CPU %u: SIPI vector 0x%02x: starting at %04x:0000 in real mode\n", ctx->vcpu->index, vector,
		   vector << 8);
}

/* ---- the relay (ipi_relay = on) ---- */

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

/* After an INIT: waits in the hypervisor until a relayed SIPI comes for
 * this vCPU, then starts it at the SIPI's vector (init_sipi_rules.h). */
static void wait_sipi_in_root(struct exit_ctx *ctx)
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

bool init_sipi_take_pending(struct exit_ctx *ctx)
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
	wait_sipi_in_root(ctx);
	return true;
}

enum exit_action handle_init(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	/* Bochs 2.7 never clears the INIT latch when an INIT causes a VM exit
	 * (cpu/event.cc): the next entry into an active guest exits with INIT
	 * again, before the SIPI-started processor ran one instruction. Real
	 * processors consume the INIT. Ignoring it does not help: every entry
	 * exits again at once (seen 20 times in a row). Say so once; then
	 * behave as for any INIT (wait-for-SIPI masks the latch in Bochs). */
	if (v->sipi_started && vmcs_read(VMCS_GUEST_RIP) == 0 && vmcs_read(VMCS_GUEST_CS_BASE) == v->sipi_cs_base &&
	    !v->stale_init_reported) {
		v->stale_init_reported = true;
		log_printf("CPU %u: INIT again before the processor the SIPI started ran an instruction "
			   "(an INIT latch that stayed set: Bochs 2.7 does this, hardware does not)\n", v->index);
	}
	v->sipi_started = false;
	struct init_sipi_caps caps = { .wait_for_sipi = v->hv->caps.wait_for_sipi, .relay = v->hv->apic_relay_page != 0 };
	struct init_sipi_step step =
		init_sipi_next(v->wait_for_sipi ? SIPI_WAIT_ACTIVITY : SIPI_NOT_WAITING, IS_INIT_EXIT, &caps);
	/* INIT resets the processor: no blocking of any kind is left, nothing
	 * to inject. VM entry also insists (SDM Vol. 3C §27.3.1.5): blocking by
	 * SMI must be 0 outside SMM (Bochs 2.7 reports bit 2 set in the INIT
	 * exit), and no event may be injected into wait-for-SIPI. */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, 0);
	ctx->event_injected = false;
	init_discard_events(v);
	if (step.action == IS_WAIT_IN_ROOT) {
		v->wait_for_sipi = false;
		if (step.sipi_unreachable)
			log_printf("CPU %u: INIT: this processor has no wait-for-SIPI activity state (IA32_VMX_MISC[8]=0) "
				   "and ipi_relay is off: no SIPI can reach it; it waits in the hypervisor "
				   "(set ipi_relay = on)\n", v->index);
		else
			log_printf("CPU %u: INIT: waiting for SIPI in the hypervisor (%s)\n", v->index,
				   caps.relay ? "ipi_relay" : "no wait-for-SIPI activity state");
		wait_sipi_in_root(ctx);
		return EXIT_RESUME;
	}
	if (!v->wait_for_sipi)
		log_printf("CPU %u: INIT: waiting for SIPI\n", v->index);
	v->wait_for_sipi = step.next == SIPI_WAIT_ACTIVITY;
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_FOR_SIPI);
	return EXIT_RESUME;
}

enum exit_action handle_sipi(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	struct init_sipi_caps caps = { .wait_for_sipi = v->hv->caps.wait_for_sipi, .relay = v->hv->apic_relay_page != 0 };
	struct init_sipi_step step =
		init_sipi_next(v->wait_for_sipi ? SIPI_WAIT_ACTIVITY : SIPI_NOT_WAITING, IS_SIPI_EXIT, &caps);
	if (step.action != IS_START)
		return EXIT_RESUME; /* a second SIPI is ignored, as on hardware */
	v->wait_for_sipi = false;
	ctx->sub_kind = (uint8_t)exit_qualification(ctx);
	sipi_start(ctx, (uint8_t)exit_qualification(ctx));
	return EXIT_RESUME;
}
