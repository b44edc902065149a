/* VMCS composition for launch in place, as a pure function of what was
 * read once: the capability snapshot, the CPUID facts and the firmware's
 * CPU state (cpu_state.h), plus the addresses of what the host built for
 * this processor (struct vmcs_layout). No privileged instruction: unit
 * tests compose for capability sets measured on real processors and run
 * the VM-entry checker on the result. */
#ifndef HV_VMCS_COMPOSE_H
#define HV_VMCS_COMPOSE_H

#include "cpu_state.h"
#include "cpuid_gates.h"
#include "vmcs_fields.h"
#include "vmx_caps.h"

#include <hv/status.h>
#include <stddef.h>

/* Where this processor's host-side structures are (physical = virtual). */
struct vmcs_layout {
	uint64_t host_cr3, host_rip, host_rsp, host_gs_base;
	uint64_t host_tr_base, host_gdtr_base, host_idtr_base;
	uint16_t host_cs, host_ds, host_tr;
	uint64_t msr_bitmap, io_bitmap_a, io_bitmap_b;
	uint64_t eptp;
	uint16_t vpid;
};

struct compose_input {
	const struct vmx_msr_snapshot *msrs;
	const struct cpu_features *features;
	const struct cpu_state *guest;     /* the firmware's state: the guest continues from it */
	const struct cpuid_filter *cpuid;  /* secondary controls the CPUID gates turn on */
	const struct vmcs_layout *layout;
	uint32_t exception_bitmap;
	uint32_t preemption_timer_reload;  /* 0: no periodic exits */
	/* hv.cfg external_interrupts = guest: no external-interrupt exiting
	 * and no "acknowledge interrupt on exit"; the processor delivers
	 * every external interrupt to the guest through its IDT, as without
	 * us. NMI exiting stays (host NMIs, the INIT relay's kick). */
	bool interrupts_to_guest;
};

/* CR0/CR4 while VMX is on in this processor: the firmware's values within
 * the fixed bits (SDM Vol. 3D §A.7-A.8), CR4.VMXE set. The guest keeps
 * seeing the firmware's values through the read shadows. */
uint64_t launch_cr0(const struct vmx_msr_snapshot *msrs, uint64_t firmware_cr0);
uint64_t launch_cr4(const struct vmx_msr_snapshot *msrs, uint64_t firmware_cr4);

/* The host's CR0 and CR4, chosen, not inherited: protected mode, paging,
 * NE/WP/MP/ET; PAE (4-level paging: the host page tables are ours, host.c),
 * MCE (without it a machine check in root mode shuts the processor down),
 * OSFXSR/OSXMMEXCPT, OSXSAVE when the processor has XSAVE (the XSETBV
 * handler executes XSETBV in VMX root operation), VMXE. Nothing else: no
 * LA57, PCIDE, CET, PKE or PKS, whatever the firmware ran with. */
uint64_t host_cr0(const struct vmx_msr_snapshot *msrs);
uint64_t host_cr4(const struct vmx_msr_snapshot *msrs, const struct cpu_features *features);

/* On HV_ERR_UNSUPPORTED, why says which required control is missing. */
enum hv_status vmcs_compose(struct vmcs_image *img, const struct compose_input *in, char *why, size_t why_cap);

#endif
