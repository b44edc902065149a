/* Composes the VMCS for launch in place: guest state = this processor's
 * current state (so that after VMLAUNCH execution continues in non-root
 * mode as if the call had returned), host state = the hypervisor's own
 * tables, controls adjusted from the TRUE capability MSRs. The result is a
 * struct vmcs_image, checked in software before any VMWRITE. */
#include "vmcs_compose.h"

#include "../exits/exits.h"
#include "segment.h"

#include <hv/cpu.h>
#include <hv/msr.h>

/* Control bits (SDM Vol. 3C §25.6-25.8). */
#define PIN_EXTERNAL_INTERRUPT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_ACTIVATE_PREEMPTION_TIMER (1u << 6)
#define EXIT_SAVE_PREEMPTION_TIMER (1u << 22)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_ACTIVATE_SECONDARY (1u << 31)
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define EXIT_HOST_ADDRESS_SPACE_SIZE (1u << 9)
#define EXIT_ACK_INTERRUPT_ON_EXIT (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_IA32E_MODE_GUEST (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)
#define EFER_LMA (1ull << 10)

struct required_controls {
	const char *name;
	uint64_t cap;
	uint32_t required, optional;
	enum vmcs_field field;
};

static uint16_t read_selector(int which)
{
	uint16_t s = 0;
	switch (which) {
	case 0: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
	case 1: __asm__ volatile("mov %%cs, %0" : "=r"(s)); break;
	case 2: __asm__ volatile("mov %%ss, %0" : "=r"(s)); break;
	case 3: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
	case 4: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
	case 5: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
	case 6: __asm__ volatile("sldt %0" : "=r"(s)); break;
	default: __asm__ volatile("str %0" : "=r"(s)); break;
	}
	return s;
}

struct __attribute__((packed)) descriptor_table_register {
	uint16_t limit;
	uint64_t base;
};

/* Guest segment fields in the order of read_selector(). */
static const enum vmcs_field guest_segment_fields[8][4] = {
	{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_ACCESS_RIGHTS },
	{ VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_ACCESS_RIGHTS },
	{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_ACCESS_RIGHTS },
	{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_ACCESS_RIGHTS },
	{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_ACCESS_RIGHTS },
	{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_ACCESS_RIGHTS },
	{ VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_ACCESS_RIGHTS },
	{ VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_ACCESS_RIGHTS },
};

static void compose_guest(struct vmcs_image *img, const struct launch_state *ls)
{
	struct descriptor_table_register gdtr, idtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	uint64_t efer = rdmsr(MSR_IA32_EFER);
	bool ia32e = efer & EFER_LMA;
	for (int i = 0; i < 8; i++) {
		struct segment s;
		segment_from_gdt((const uint8_t *)(uintptr_t)gdtr.base, gdtr.limit, read_selector(i), ia32e, &s);
		if (i == 7 && (s.ar & SEGMENT_AR_UNUSABLE)) {
			/* Firmware without a TSS (OVMF loads no TR): VM entry needs
			 * a usable busy TSS (SDM Vol. 3C §27.3.1.2); this one is
			 * never used unless the guest switches tasks, and it loads
			 * its own TR before it could. */
			s = (struct segment){ .selector = 0, .base = 0, .limit = 0x67, .ar = 0x8b };
		}
		vmcs_image_put(img, guest_segment_fields[i][0], s.selector);
		vmcs_image_put(img, guest_segment_fields[i][1], s.base);
		vmcs_image_put(img, guest_segment_fields[i][2], s.limit);
		vmcs_image_put(img, guest_segment_fields[i][3], s.ar);
	}
	/* 64-bit FS/GS bases live in MSRs, not in the descriptors. */
	vmcs_image_put(img, VMCS_GUEST_FS_BASE, rdmsr(MSR_IA32_FS_BASE));
	vmcs_image_put(img, VMCS_GUEST_GS_BASE, ls->gs_base);
	vmcs_image_put(img, VMCS_GUEST_GDTR_BASE, gdtr.base);
	vmcs_image_put(img, VMCS_GUEST_GDTR_LIMIT, gdtr.limit);
	vmcs_image_put(img, VMCS_GUEST_IDTR_BASE, idtr.base);
	vmcs_image_put(img, VMCS_GUEST_IDTR_LIMIT, idtr.limit);
	vmcs_image_put(img, VMCS_GUEST_CR0, ls->cr0);
	vmcs_image_put(img, VMCS_GUEST_CR3, read_cr3());
	vmcs_image_put(img, VMCS_GUEST_CR4, ls->cr4);
	uint64_t dr7;
	__asm__ volatile("mov %%dr7, %0" : "=r"(dr7));
	vmcs_image_put(img, VMCS_GUEST_DR7, dr7);
	vmcs_image_put(img, VMCS_GUEST_RFLAGS, ls->rflags);
	/* RSP and RIP are written by vmx_launch_in_place itself. */
	vmcs_image_put(img, VMCS_GUEST_IA32_DEBUGCTL, rdmsr(MSR_IA32_DEBUGCTL));
	vmcs_image_put(img, VMCS_GUEST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_image_put(img, VMCS_GUEST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_image_put(img, VMCS_GUEST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_image_put(img, VMCS_GUEST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_image_put(img, VMCS_GUEST_IA32_EFER, efer);
	vmcs_image_put(img, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_image_put(img, VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_image_put(img, VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_image_put(img, VMCS_VMCS_LINK_POINTER, ~0ull);
}

static void compose_host(struct vmcs_image *img, struct vcpu *v, const struct launch_state *ls)
{
	vmcs_image_put(img, VMCS_HOST_CR0, ls->cr0);
	vmcs_image_put(img, VMCS_HOST_CR3, v->hv->host_cr3);
	vmcs_image_put(img, VMCS_HOST_CR4, ls->cr4);
	vmcs_image_put(img, VMCS_HOST_CS_SELECTOR, HOST_SELECTOR_CS);
	vmcs_image_put(img, VMCS_HOST_SS_SELECTOR, HOST_SELECTOR_DS);
	vmcs_image_put(img, VMCS_HOST_DS_SELECTOR, HOST_SELECTOR_DS);
	vmcs_image_put(img, VMCS_HOST_ES_SELECTOR, HOST_SELECTOR_DS);
	vmcs_image_put(img, VMCS_HOST_FS_SELECTOR, 0);
	vmcs_image_put(img, VMCS_HOST_GS_SELECTOR, 0);
	vmcs_image_put(img, VMCS_HOST_TR_SELECTOR, HOST_SELECTOR_TR);
	vmcs_image_put(img, VMCS_HOST_FS_BASE, 0);
	/* The host NMI stub sets the flag at GS:0 (vmx_entry.asm). */
	vmcs_image_put(img, VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)&v->host_nmi_pending);
	vmcs_image_put(img, VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&v->host_tss);
	vmcs_image_put(img, VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)v->host_gdt);
	vmcs_image_put(img, VMCS_HOST_IDTR_BASE, (uint64_t)(uintptr_t)v->host_idt);
	vmcs_image_put(img, VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmcs_image_put(img, VMCS_HOST_IA32_SYSENTER_ESP, 0);
	vmcs_image_put(img, VMCS_HOST_IA32_SYSENTER_EIP, 0);
	vmcs_image_put(img, VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_image_put(img, VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	/* The exit stub finds the vcpu pointer at HOST_RSP. */
	uint64_t *top = (uint64_t *)(v->host_stack + sizeof(v->host_stack) - 16);
	top[0] = (uint64_t)(uintptr_t)v;
	vmcs_image_put(img, VMCS_HOST_RSP, (uint64_t)(uintptr_t)top);
	vmcs_image_put(img, VMCS_HOST_RIP, ls->host_rip);
}

enum hv_status vmcs_compose(struct vmcs_image *img, struct vcpu *v, const struct launch_state *ls,
			    char *why, size_t why_cap)
{
	struct hv *hv = v->hv;
	const struct vmx_msr_snapshot *m = &hv->msrs;
	*img = (struct vmcs_image){ 0 };
	bool ia32e = rdmsr(MSR_IA32_EFER) & EFER_LMA;
	struct required_controls ctls[] = {
		{ "pin-based", m->pinbased, PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0,
		  VMCS_PIN_BASED_CONTROLS },
		{ "processor-based", m->procbased, PROC_USE_MSR_BITMAPS | PROC_USE_IO_BITMAPS | PROC_ACTIVATE_SECONDARY, 0,
		  VMCS_PROC_BASED_CONTROLS },
		{ "secondary processor-based", m->procbased2,
		  SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID | SECONDARY_UNRESTRICTED_GUEST,
		  /* Without these the guest's RDTSCP/INVPCID/XSAVES would #UD. */
		  SECONDARY_ENABLE_RDTSCP | SECONDARY_ENABLE_INVPCID | SECONDARY_ENABLE_XSAVES,
		  VMCS_SECONDARY_PROC_BASED_CONTROLS },
		{ "VM-exit", m->exit,
		  EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDRESS_SPACE_SIZE | EXIT_ACK_INTERRUPT_ON_EXIT | EXIT_SAVE_PAT |
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
	if (hv->preemption_timer_reload) {
		/* Saved on exit so that it keeps counting across exits. */
		img->value[VMCS_PIN_BASED_CONTROLS] |= PIN_ACTIVATE_PREEMPTION_TIMER;
		img->value[VMCS_VMEXIT_CONTROLS] |=
			vmx_adjust_controls(m->exit, EXIT_SAVE_PREEMPTION_TIMER, NULL) & EXIT_SAVE_PREEMPTION_TIMER;
		vmcs_image_put(img, VMCS_VMX_PREEMPTION_TIMER_VALUE, hv->preemption_timer_reload);
	}
	vmcs_image_put(img, VMCS_EXCEPTION_BITMAP, hv->config.exception_bitmap);
	vmcs_image_put(img, VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_image_put(img, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_image_put(img, VMCS_CR3_TARGET_COUNT, 0);
	vmcs_image_put(img, VMCS_VMEXIT_MSR_STORE_COUNT, 0);
	vmcs_image_put(img, VMCS_VMEXIT_MSR_LOAD_COUNT, 0);
	vmcs_image_put(img, VMCS_VMENTRY_MSR_LOAD_COUNT, 0);
	vmcs_image_put(img, VMCS_VMENTRY_INTERRUPTION_INFO, 0);
	vmcs_image_put(img, VMCS_MSR_BITMAP, (uint64_t)(uintptr_t)v->msr_bitmap);
	vmcs_image_put(img, VMCS_IO_BITMAP_A, (uint64_t)(uintptr_t)v->io_bitmaps);
	vmcs_image_put(img, VMCS_IO_BITMAP_B, (uint64_t)(uintptr_t)v->io_bitmaps + 4096);
	vmcs_image_put(img, VMCS_EPT_POINTER, hv->eptp);
	vmcs_image_put(img, VMCS_VPID, 1 + v->index);
	/* CR0/CR4 bits that VMX fixes belong to the host: the guest reads its
	 * own values from the shadows, and writes to them exit (cr.c). With
	 * unrestricted guest, PE and PG are the guest's. */
	uint64_t cr0_owned = (m->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | (~m->cr0_fixed1 & 0xffffffffull);
	uint64_t cr4_owned = m->cr4_fixed0 | ~m->cr4_fixed1;
	vmcs_image_put(img, VMCS_CR0_GUEST_HOST_MASK, cr0_owned);
	vmcs_image_put(img, VMCS_CR4_GUEST_HOST_MASK, cr4_owned);
	vmcs_image_put(img, VMCS_CR0_READ_SHADOW, ls->guest_cr0_view);
	vmcs_image_put(img, VMCS_CR4_READ_SHADOW, ls->guest_cr4_view);
	compose_guest(img, ls);
	compose_host(img, v, ls);
	return HV_OK;
}
