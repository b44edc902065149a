/* VMX capabilities: a snapshot of the capability MSRs taken once, decoded
 * into named facts (SDM Vol. 3D, Appendix A). Pure: the snapshot is filled
 * by vmx_detect.c and by unit-test fixtures alike. */
#ifndef HV_VMX_CAPS_H
#define HV_VMX_CAPS_H

#include <hv/arch_bits.h>
#include <stdbool.h>
#include <stdint.h>

struct vmx_msr_snapshot {
	uint64_t basic;
	uint64_t pinbased, procbased, exit, entry;  /* TRUE_* when basic bit 55 */
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t procbased2;   /* 0 when the CPU has no secondary controls */
	uint64_t ept_vpid_cap; /* 0 when neither EPT nor VPID can be enabled */
};

struct vmx_caps {
	uint32_t revision_id;    /* VMX_BASIC bits 30:0 */
	uint32_t vmcs_size;      /* bits 44:32 */
	uint8_t vmcs_memtype;    /* bits 53:50; 6 = write-back */
	bool addr_width_32;      /* bit 48: VMXON/VMCS addresses limited to 4 GB */
	bool true_ctls;          /* bit 55: TRUE_*_CTLS MSRs exist */
	bool secondary_ctls;     /* procbased allowed-1 bit 31 */
	bool ept, vpid, unrestricted_guest;
	bool preemption_timer;
	uint8_t preemption_timer_shift; /* VMX_MISC bits 4:0: TSC >> shift */
	bool ept_walk4, ept_wb, ept_uc, ept_2mb, ept_1gb, ept_ad;
	bool invept, invept_single, invept_all;
	bool invvpid, invvpid_addr, invvpid_single, invvpid_all, invvpid_single_globals;
	/* Controls and states the hypervisor switches at run time: each is
	 * used only where allowed (SDM Vol. 3D §A.3.1, §A.3.2, §A.6). */
	bool virtual_nmis;       /* pin-based allowed-1 bit 5 */
	bool interrupt_window;   /* primary allowed-1 bit 2 */
	bool nmi_window;         /* primary allowed-1 bit 22 (needs virtual NMIs) */
	bool hlt_exiting;        /* primary allowed-1 bit 7 */
	bool mwait_exiting;      /* primary allowed-1 bit 10 */
	bool activity_hlt;       /* VMX_MISC bit 6: activity state 1 */
	bool activity_shutdown;  /* VMX_MISC bit 7: activity state 2 */
	bool wait_for_sipi;      /* VMX_MISC bit 8: activity state 3 */
	bool pt_in_vmx;          /* VMX_MISC bit 14: Intel PT may trace in VMX operation */
};

/* Secondary processor-based control bits (SDM Vol. 3C §25.6.2, Table 25-7). */

void vmx_caps_decode(const struct vmx_msr_snapshot *msrs, struct vmx_caps *caps);

/* What the hypervisor needs and this processor lacks, every item named
 * ("TRUE capability MSRs (VMX_BASIC bit 55), EPT, ..."), written to buf.
 * Returns the number of items missing: 0 means usable. Controls are
 * checked against their allowed settings again when the VMCS is composed
 * (vmcs_compose.c), which names any required control bit missing. */
unsigned vmx_caps_missing(const struct vmx_caps *caps, char *buf, unsigned cap);

/* A VMX control field's value from its capability MSR (SDM Vol. 3D §A.3):
 * bits 31:0 are allowed-0 settings (a 1 there must be 1), bits 63:32 are
 * allowed-1 settings (a 0 there must be 0). Returns the controls actually
 * used; *missing gets the wanted bits the CPU does not allow. */
uint32_t vmx_adjust_controls(uint64_t cap_msr, uint32_t wanted, uint32_t *missing);

/* CR0/CR4 as VMX requires them (SDM Vol. 3D §A.7, §A.8): bits set in FIXED0
 * must be 1, bits clear in FIXED1 must be 0. unrestricted relaxes CR0.PE
 * and CR0.PG (SDM Vol. 3C §27.3.1.1, Dec 2022 ed.) for the guest. */
uint64_t vmx_fix_cr0(const struct vmx_msr_snapshot *msrs, uint64_t cr0, bool unrestricted);
uint64_t vmx_fix_cr4(const struct vmx_msr_snapshot *msrs, uint64_t cr4);

#endif
