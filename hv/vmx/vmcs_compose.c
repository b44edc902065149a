/* Composes the VMCS for launch in place: guest state = the firmware's
 * state as read before launch (so that after VMLAUNCH execution continues
 * in non-root mode as if the call had returned), host state = the
 * hypervisor's own tables, controls adjusted from the TRUE capability MSRs.
 * The result is a struct vmcs_image, checked in software before any
 * VMWRITE. Pure (vmcs_compose.h). */
#include "vmcs_compose.h"

#include "../lib/fmt.h"

#include <hv/arch_bits.h>


uint64_t launch_cr0(const struct vmx_msr_snapshot *msrs, uint64_t firmware_cr0)
{
	return vmx_fix_cr0(msrs, firmware_cr0, false);
}

uint64_t launch_cr4(const struct vmx_msr_snapshot *msrs, uint64_t firmware_cr4)
{
	return vmx_fix_cr4(msrs, firmware_cr4) | CR4_VMXE;
}

uint64_t host_cr0(const struct vmx_msr_snapshot *msrs)
{
	return vmx_fix_cr0(msrs, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG, false);
}

uint64_t host_cr4(const struct vmx_msr_snapshot *msrs, const struct cpu_features *features)
{
	uint64_t cr4 = CR4_PAE | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_VMXE;
	if (features->words.w[CPUID_WORD_LEAF1_ECX] & CPUID_1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	return vmx_fix_cr4(msrs, cr4);
}

struct required_controls {
	const char *name;
	uint64_t cap;
	uint32_t required, optional;
	enum vmcs_field field;
};

/* Guest-state fields that take the firmware's value as read (cpu_state.c),
 * X(field, struct cpu_state member). 64-bit FS/GS bases live in MSRs, not
 * in the descriptors. Not here: CR0 and CR4 (within VMX's fixed bits,
 * launch_cr0/launch_cr4), RSP and RIP (vmx_launch_in_place writes them). */
#define GUEST_FROM_FIRMWARE(X)                                                                        \
	X(VMCS_GUEST_FS_BASE, fs_base) X(VMCS_GUEST_GS_BASE, gs_base)                                  \
	X(VMCS_GUEST_GDTR_BASE, gdtr_base) X(VMCS_GUEST_GDTR_LIMIT, gdtr_limit)                        \
	X(VMCS_GUEST_IDTR_BASE, idtr_base) X(VMCS_GUEST_IDTR_LIMIT, idtr_limit)                        \
	X(VMCS_GUEST_CR3, cr3) X(VMCS_GUEST_DR7, dr7) X(VMCS_GUEST_RFLAGS, rflags)                     \
	X(VMCS_GUEST_IA32_DEBUGCTL, debugctl) X(VMCS_GUEST_IA32_PAT, pat) X(VMCS_GUEST_IA32_EFER, efer) \
	X(VMCS_GUEST_IA32_SYSENTER_CS, sysenter_cs) X(VMCS_GUEST_IA32_SYSENTER_ESP, sysenter_esp)      \
	X(VMCS_GUEST_IA32_SYSENTER_EIP, sysenter_eip)

/* Fields that hold where this processor's host structures are,
 * X(field, struct vmcs_layout member). SS, DS and ES share the host's
 * data selector. */
#define FROM_LAYOUT(X)                                                                                 \
	X(VMCS_HOST_CR3, host_cr3) X(VMCS_HOST_RSP, host_rsp) X(VMCS_HOST_RIP, host_rip)                \
	X(VMCS_HOST_CS_SELECTOR, host_cs) X(VMCS_HOST_SS_SELECTOR, host_ds)                             \
	X(VMCS_HOST_DS_SELECTOR, host_ds) X(VMCS_HOST_ES_SELECTOR, host_ds) X(VMCS_HOST_TR_SELECTOR, host_tr) \
	X(VMCS_HOST_TR_BASE, host_tr_base) X(VMCS_HOST_GS_BASE, host_gs_base)                           \
	X(VMCS_HOST_GDTR_BASE, host_gdtr_base) X(VMCS_HOST_IDTR_BASE, host_idtr_base)                   \
	X(VMCS_MSR_BITMAP, msr_bitmap) X(VMCS_IO_BITMAP_A, io_bitmap_a) X(VMCS_IO_BITMAP_B, io_bitmap_b) \
	X(VMCS_EPT_POINTER, eptp) X(VMCS_VPID, vpid)

/* Fields that are 0 at launch, written like every other field the launch
 * depends on (the VMCS is not assumed to start zeroed). */
static const enum vmcs_field zero_at_launch[] = {
	/* The host uses no FS or GS selector, FS base or SYSENTER. */
	VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR, VMCS_HOST_FS_BASE, VMCS_HOST_IA32_SYSENTER_CS,
	VMCS_HOST_IA32_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_EIP,
	/* No page-fault filter, no CR3-target values, no MSR lists, no event
	 * to inject. */
	VMCS_PAGE_FAULT_ERROR_CODE_MASK, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, VMCS_CR3_TARGET_COUNT,
	VMCS_VMEXIT_MSR_STORE_COUNT, VMCS_VMEXIT_MSR_LOAD_COUNT, VMCS_VMENTRY_MSR_LOAD_COUNT,
	VMCS_VMENTRY_INTERRUPTION_INFO,
	/* The guest continues unblocked, no debug exception pending. */
	VMCS_GUEST_INTERRUPTIBILITY_STATE, VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS,
};

static void compose_guest(struct vmcs_image *img, const struct compose_input *in)
{
	const struct cpu_state *g = in->guest;
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		struct segment s = g->seg[i];
		if (i == SEG_TR && (s.ar & SEGMENT_AR_UNUSABLE)) {
			/* Firmware without a TSS (OVMF loads no TR): VM entry needs
			 * a usable busy TSS (SDM Vol. 3C §27.3.1.2); this one is
			 * never used unless the guest switches tasks, and it loads
			 * its own TR before it could. */
			s = (struct segment){ .selector = 0, .base = 0, .limit = 0x67, .ar = 0x8b };
		}
		const struct vmcs_segment_fields *f = &vmcs_guest_segments[i];
		vmcs_image_put(img, f->selector, s.selector);
		vmcs_image_put(img, f->base, s.base);
		vmcs_image_put(img, f->limit, s.limit);
		vmcs_image_put(img, f->access_rights, s.ar);
	}
#define PUT_GUEST(field, member) vmcs_image_put(img, field, g->member);
	GUEST_FROM_FIRMWARE(PUT_GUEST)
#undef PUT_GUEST
	vmcs_image_put(img, VMCS_GUEST_CR0, launch_cr0(in->msrs, g->cr0));
	vmcs_image_put(img, VMCS_GUEST_CR4, launch_cr4(in->msrs, g->cr4));
	vmcs_image_put(img, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_image_put(img, VMCS_VMCS_LINK_POINTER, ~0ull);
}

static void compose_host(struct vmcs_image *img, const struct compose_input *in)
{
	vmcs_image_put(img, VMCS_HOST_CR0, host_cr0(in->msrs));
	vmcs_image_put(img, VMCS_HOST_CR4, host_cr4(in->msrs, in->features));
	/* The firmware's EFER (long mode, NXE, SCE) and PAT (its memory types
	 * for our identity map) serve the host too. */
	vmcs_image_put(img, VMCS_HOST_IA32_EFER, in->guest->efer);
	vmcs_image_put(img, VMCS_HOST_IA32_PAT, in->guest->pat);
}

enum hv_status vmcs_compose(struct vmcs_image *img, const struct compose_input *in, char *why, size_t why_cap)
{
	const struct vmx_msr_snapshot *m = in->msrs;
	*img = (struct vmcs_image){ 0 };
	bool ia32e = in->guest->efer & EFER_LMA;
	/* Interrupts left to the guest: neither exiting nor acknowledging
	 * (SDM Vol. 3C §25.6.1, §25.7.1); the hypervisor then never sees one. */
	uint32_t interrupt_exiting = in->interrupts_to_guest ? 0 : PIN_EXTERNAL_INTERRUPT_EXITING;
	uint32_t ack_on_exit = in->interrupts_to_guest ? 0 : EXIT_ACK_INTERRUPT_ON_EXIT;
	struct required_controls ctls[] = {
		{ "pin-based", m->pinbased, interrupt_exiting | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0,
		  VMCS_PIN_BASED_CONTROLS },
		{ "processor-based", m->procbased, PROC_USE_MSR_BITMAPS | PROC_USE_IO_BITMAPS | PROC_ACTIVATE_SECONDARY, 0,
		  VMCS_PROC_BASED_CONTROLS },
		/* The optional secondary controls are those the CPUID gates
		 * chose (cpuid_gates.h): each is allowed, or its feature hidden. */
		{ "secondary processor-based", m->procbased2,
		  SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID | SECONDARY_UNRESTRICTED_GUEST, in->cpuid->secondary,
		  VMCS_SECONDARY_PROC_BASED_CONTROLS },
		{ "VM-exit", m->exit,
		  EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDRESS_SPACE_SIZE | ack_on_exit | EXIT_SAVE_PAT |
			  EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		  0, VMCS_VMEXIT_CONTROLS },
		{ "VM-entry", m->entry,
		  ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER | (ia32e ? ENTRY_IA32E_MODE_GUEST : 0), 0,
		  VMCS_VMENTRY_CONTROLS },
	};
	for (unsigned i = 0; i < sizeof(ctls) / sizeof(ctls[0]); i++) {
		uint32_t missing;
		uint32_t value = vmx_adjust_controls(ctls[i].cap, ctls[i].required, &missing);
		if (missing) {
			fmt_format(why, why_cap, "%s controls: required bits 0x%x not allowed (allowed-1 0x%x)",
				   ctls[i].name, missing, (uint32_t)(ctls[i].cap >> 32));
			return HV_ERR_UNSUPPORTED;
		}
		value |= vmx_adjust_controls(ctls[i].cap, ctls[i].optional, NULL) & ctls[i].optional;
		vmcs_image_put(img, ctls[i].field, value);
	}
	if (in->preemption_timer_reload) {
		/* Saved on exit so that it keeps counting across exits. */
		img->value[VMCS_PIN_BASED_CONTROLS] |= PIN_ACTIVATE_PREEMPTION_TIMER;
		img->value[VMCS_VMEXIT_CONTROLS] |=
			vmx_adjust_controls(m->exit, EXIT_SAVE_PREEMPTION_TIMER, NULL) & EXIT_SAVE_PREEMPTION_TIMER;
		vmcs_image_put(img, VMCS_VMX_PREEMPTION_TIMER_VALUE, in->preemption_timer_reload);
	}
	/* With "enable XSAVES/XRSTORS" on, XSAVES and XRSTORS exit for every
	 * bit of IA32_XSS set in this bitmap (SDM Vol. 3C §26.1.3); none
	 * should. VMCLEAR does not clear it: write it. */
	if (img->value[VMCS_SECONDARY_PROC_BASED_CONTROLS] & SECONDARY_ENABLE_XSAVES)
		vmcs_image_put(img, VMCS_XSS_EXIT_BITMAP, 0);
	vmcs_image_put(img, VMCS_EXCEPTION_BITMAP, in->exception_bitmap);
	const struct vmcs_layout *l = in->layout;
#define PUT_LAYOUT(field, member) vmcs_image_put(img, field, l->member);
	FROM_LAYOUT(PUT_LAYOUT)
#undef PUT_LAYOUT
	for (unsigned i = 0; i < sizeof(zero_at_launch) / sizeof(zero_at_launch[0]); i++)
		vmcs_image_put(img, zero_at_launch[i], 0);
	/* CR0/CR4 bits that VMX fixes belong to the host: the guest reads its
	 * own values from the shadows, and writes to them exit (cr.c). With
	 * unrestricted guest, PE and PG are the guest's. */
	uint64_t cr0_owned = (m->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | (~m->cr0_fixed1 & 0xffffffffull);
	uint64_t cr4_owned = m->cr4_fixed0 | ~m->cr4_fixed1;
	vmcs_image_put(img, VMCS_CR0_GUEST_HOST_MASK, cr0_owned);
	vmcs_image_put(img, VMCS_CR4_GUEST_HOST_MASK, cr4_owned);
	vmcs_image_put(img, VMCS_CR0_READ_SHADOW, in->guest->cr0);
	vmcs_image_put(img, VMCS_CR4_READ_SHADOW, in->guest->cr4);
	compose_guest(img, in);
	compose_host(img, in);
	return HV_OK;
}
