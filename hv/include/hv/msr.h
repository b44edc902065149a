/* Architectural MSR indices used by the hypervisor (SDM Vol. 4, Table 2-2). */
#ifndef HV_MSR_H
#define HV_MSR_H

#define MSR_IA32_FEATURE_CONTROL      0x03a
#define MSR_IA32_BIOS_UPDT_TRIG       0x079
#define MSR_IA32_MTRRCAP              0x0fe
#define MSR_IA32_SMRR_PHYSBASE        0x1f2
#define MSR_IA32_SMRR_PHYSMASK        0x1f3
#define MSR_IA32_MTRR_PHYSBASE0       0x200
#define MSR_IA32_MTRR_FIX64K_00000    0x250
#define MSR_IA32_MTRR_FIX16K_80000    0x258
#define MSR_IA32_MTRR_FIX16K_A0000    0x259
#define MSR_IA32_MTRR_FIX4K_C0000     0x268
#define MSR_IA32_PAT                  0x277
#define MSR_IA32_MTRR_DEF_TYPE        0x2ff
#define MSR_IA32_VMX_BASIC            0x480
#define MSR_IA32_VMX_PINBASED_CTLS    0x481
#define MSR_IA32_VMX_PROCBASED_CTLS   0x482
#define MSR_IA32_VMX_EXIT_CTLS        0x483
#define MSR_IA32_VMX_ENTRY_CTLS       0x484
#define MSR_IA32_VMX_MISC             0x485
#define MSR_IA32_VMX_CR0_FIXED0       0x486
#define MSR_IA32_VMX_CR0_FIXED1       0x487
#define MSR_IA32_VMX_CR4_FIXED0       0x488
#define MSR_IA32_VMX_CR4_FIXED1       0x489
#define MSR_IA32_VMX_VMCS_ENUM        0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP     0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS   0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x490
#define MSR_IA32_VMX_VMFUNC           0x491
#define MSR_IA32_VMX_PROCBASED_CTLS3  0x492
#define MSR_IA32_VMX_EXIT_CTLS2       0x493
#define MSR_IA32_EFER                 0xc0000080
#define MSR_IA32_FS_BASE              0xc0000100
#define MSR_IA32_GS_BASE              0xc0000101
#define MSR_IA32_SYSENTER_CS          0x174
#define MSR_IA32_SYSENTER_ESP         0x175
#define MSR_IA32_SYSENTER_EIP         0x176
#define MSR_IA32_DEBUGCTL             0x1d9
/* Intel PT (SDM Vol. 4 Table 2-2). */
#define MSR_IA32_RTIT_OUTPUT_BASE      0x560
#define MSR_IA32_RTIT_OUTPUT_MASK_PTRS 0x561
#define MSR_IA32_RTIT_CTL              0x570
#define MSR_IA32_RTIT_STATUS           0x571
#define MSR_IA32_RTIT_CR3_MATCH        0x572
#define MSR_IA32_RTIT_ADDR0_A          0x580
#define MSR_IA32_RTIT_ADDR3_B          0x587

/* IA32_FEATURE_CONTROL bits (SDM Vol. 3C §24.7). */
#define FEATURE_CONTROL_LOCK             (1ull << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX   (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX  (1ull << 2)

#endif
