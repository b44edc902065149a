/* External interrupts, NMIs and exceptions (SDM Vol. 3C §27.6, §28.2.2-4,
 * §26.7). Interrupts are acknowledged on exit and reinjected when the guest
 * can take them, else kept pending with interrupt-window exiting on: none is
 * lost or delivered twice. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exit_reasons.h"
#include "exits.h"
#include "ipi_relay.h"

#include <hv/cpu.h>

#define RFLAGS_IF (1ull << 9)

/* The controls are cached in the vcpu (set at launch), so toggling a
 * window costs a VMWRITE only when it changes. */
static void set_proc_control(struct vcpu *v, uint32_t bit, bool on)
{
	uint32_t n = on ? (v->proc_controls | bit) : (v->proc_controls & ~bit);
	if (n != v->proc_controls) {
		v->proc_controls = n;
		vmcs_write(VMCS_PROC_BASED_CONTROLS, n);
	}
}

static void pend_interrupt(struct vcpu *v, uint8_t vector) { v->pending_interrupts[vector >> 6] |= 1ull << (vector & 63); }

/* Highest pending vector first: the local APIC's priority is by vector
 * class (SDM Vol. 3A §11.8.3). Returns -1 when none is pending. */
static int highest_pending(const struct vcpu *v)
{
	for (int w = 3; w >= 0; w--)
		if (v->pending_interrupts[w])
			return w * 64 + 63 - __builtin_clzll(v->pending_interrupts[w]);
	return -1;
}

enum exit_action handle_external_interrupt(struct exit_ctx *ctx)
{
	/* "Acknowledge interrupt on exit" is on: the vector is in the exit
	 * interruption information and the local APIC has it in service. */
	struct interruption_info ii = decode_interruption_info((uint32_t)vmcs_read(VMCS_VMEXIT_INTERRUPTION_INFO));
	if (ii.valid) {
		pend_interrupt(ctx->vcpu, ii.vector);
		ctx->sub_kind = ii.vector;
	}
	return EXIT_RESUME;
}

enum exit_action handle_interrupt_window(struct exit_ctx *ctx)
{
	(void)ctx; /* delivery happens in deliver_pending_events */
	return EXIT_RESUME;
}

enum exit_action handle_nmi_window(struct exit_ctx *ctx)
{
	(void)ctx;
	return EXIT_RESUME;
}

/* An NMI that causes a VM exit leaves NMIs blocked in VMX root operation
 * until the next IRET (SDM Vol. 3C §25.3 and §33.2's guidance on NMI
 * exiting); VM entry does not unblock them. An IRET to the next
 * instruction, on our own stack and selectors, does. */
static void nmi_unblock(void)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 : [ss] "i"(HOST_SELECTOR_DS), [cs] "i"(HOST_SELECTOR_CS)
			 : "rax", "memory", "cc");
}

enum exit_action handle_exception_nmi(struct exit_ctx *ctx)
{
	struct interruption_info ii = decode_interruption_info((uint32_t)vmcs_read(VMCS_VMEXIT_INTERRUPTION_INFO));
	ctx->sub_kind = ii.vector;
	if (ii.type == INTR_TYPE_NMI) {
		nmi_unblock();
		if (!ipi_relay_take_init(ctx)) /* else the NMI carried a relayed INIT */
			ctx->vcpu->guest_nmi_pending = true;
		return EXIT_RESUME;
	}
	/* An exception in the exception bitmap: reflect it into the guest as
	 * it happened (SDM Vol. 3C §27.6.1). For #PF the faulting address goes
	 * to the guest's CR2, which VM entry does not load: write it here. */
	if (ii.vector == 14)
		__asm__ volatile("mov %0, %%cr2" ::"r"(exit_qualification(ctx)));
	uint32_t error = ii.has_error_code ? (uint32_t)vmcs_read(VMCS_VMEXIT_INTERRUPTION_ERROR_CODE) : 0;
	if (ii.type == INTR_TYPE_SOFTWARE_EXCEPTION || ii.type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION) {
		/* INT3/INTO: re-deliver with the instruction length so the
		 * return address is past the instruction. */
		vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(ii.vector, ii.type, false));
		vmcs_write(VMCS_VMENTRY_INSTRUCTION_LENGTH, vmcs_read(VMCS_VMEXIT_INSTRUCTION_LENGTH));
		ctx->event_injected = true;
	} else {
		inject_exception(ctx, ii.vector, ii.has_error_code, error);
	}
	return EXIT_RESUME;
}

/* An exit during event delivery leaves the event in the IDT-vectoring
 * field; it must be delivered again (SDM Vol. 3C §28.2.4, §27.6). */
static bool reinject_interrupted_event(struct exit_ctx *ctx)
{
	if (exit_never_during_delivery(ctx->reason))
		return false;
	struct interruption_info ii = decode_interruption_info((uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO));
	if (!ii.valid)
		return false;
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(ii.vector, ii.type, ii.has_error_code));
	if (ii.has_error_code)
		vmcs_write(VMCS_VMENTRY_EXCEPTION_ERROR_CODE, vmcs_read(VMCS_IDT_VECTORING_ERROR_CODE));
	if (ii.type == INTR_TYPE_SOFTWARE_INTERRUPT || ii.type == INTR_TYPE_SOFTWARE_EXCEPTION ||
	    ii.type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION)
		vmcs_write(VMCS_VMENTRY_INSTRUCTION_LENGTH, vmcs_read(VMCS_VMEXIT_INSTRUCTION_LENGTH));
	return true;
}

void deliver_pending_events(struct exit_ctx *ctx)
{
	struct vcpu *v = ctx->vcpu;
	if (v->host_nmi_pending) { /* an NMI hit while we ran in root mode */
		v->host_nmi_pending = 0;
		if (!ipi_relay_take_init(ctx))
			v->guest_nmi_pending = true;
	}
	/* An event the handler injected wins over an interrupted delivery only
	 * when the handler emulated a fault of its own; otherwise the
	 * interrupted event goes first. */
	bool busy = ctx->event_injected || reinject_interrupted_event(ctx);
	int vector = highest_pending(v);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE);
	uint64_t activity = vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
	bool wait_for_sipi = activity == ACTIVITY_WAIT_FOR_SIPI;

	if (v->guest_nmi_pending && !busy && !wait_for_sipi &&
	    !(intr & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_STI))) {
		vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO, encode_interruption_info(2, INTR_TYPE_NMI, false));
		v->guest_nmi_pending = false;
		busy = true;
	}
	set_proc_control(v, PROC_NMI_WINDOW_EXITING, v->guest_nmi_pending);

	if (vector >= 0 && !busy && !wait_for_sipi && (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO,
			   encode_interruption_info((uint8_t)vector, INTR_TYPE_EXTERNAL, false));
		v->pending_interrupts[vector >> 6] &= ~(1ull << (vector & 63));
		/* Delivery wakes a HLTed guest (SDM Vol. 3C §27.7.1 does this
		 * for injected external interrupts). */
		vector = highest_pending(v);
	}
	set_proc_control(v, PROC_INTERRUPT_WINDOW_EXITING, vector >= 0);
}
