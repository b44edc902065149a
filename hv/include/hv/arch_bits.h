/* Architectural bits, each defined once: control registers, EFER, RFLAGS,
 * XCR0 (SDM Vol. 3A §2.5, §2.2.1, §2.3, §13.3), the VMX controls (Vol. 3C
 * §25.6-25.8) and the guest activity and interruptibility states (§25.4.2).
 * Names follow the SDM. Pure: the hypervisor and the host unit tests
 * share it. */
#ifndef HV_ARCH_BITS_H
#define HV_ARCH_BITS_H

/* CR0 */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

/* CR4 */
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_LA57 (1ull << 12)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_PKE (1ull << 22)
#define CR4_CET (1ull << 23)

/* IA32_EFER */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* RFLAGS */
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_VM (1ull << 17)

/* XCR0 state components */
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_BNDREG (1ull << 3)
#define XCR0_BNDCSR (1ull << 4)
#define XCR0_AVX512 (7ull << 5)  /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_AMX (3ull << 17)    /* XTILECFG, XTILEDATA */

/* Pin-based VM-execution controls (§25.6.1) */
#define PIN_EXTERNAL_INTERRUPT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_ACTIVATE_PREEMPTION_TIMER (1u << 6)
#define PIN_POSTED_INTERRUPTS (1u << 7)

/* Primary processor-based VM-execution controls (§25.6.2) */
#define PROC_INTERRUPT_WINDOW_EXITING (1u << 2)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_MWAIT_EXITING (1u << 10)
#define PROC_USE_TPR_SHADOW (1u << 21)
#define PROC_NMI_WINDOW_EXITING (1u << 22)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_MONITOR_TRAP_FLAG (1u << 27)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_ACTIVATE_SECONDARY (1u << 31)

/* Secondary processor-based VM-execution controls (§25.6.2) */
#define SECONDARY_VIRTUALIZE_APIC_ACCESSES (1u << 0)
#define SECONDARY_ENABLE_EPT (1u << 1)
#define SECONDARY_ENABLE_RDTSCP (1u << 3)
#define SECONDARY_VIRTUALIZE_X2APIC (1u << 4)
#define SECONDARY_ENABLE_VPID (1u << 5)
#define SECONDARY_UNRESTRICTED_GUEST (1u << 7)
#define SECONDARY_APIC_REGISTER_VIRTUALIZATION (1u << 8)
#define SECONDARY_VIRTUAL_INTERRUPT_DELIVERY (1u << 9)
#define SECONDARY_ENABLE_PCONFIG (1u << 11)
#define SECONDARY_ENABLE_INVPCID (1u << 12)
#define SECONDARY_VMCS_SHADOWING (1u << 14)
#define SECONDARY_ENABLE_PML (1u << 17)
#define SECONDARY_ENABLE_XSAVES (1u << 20)
#define SECONDARY_MODE_BASED_EPT_EXECUTE (1u << 22)
#define SECONDARY_SUBPAGE_WRITE_PERMISSIONS (1u << 23)
#define SECONDARY_ENABLE_USER_WAIT_PAUSE (1u << 26)

/* VM-exit controls (§25.7.1) */
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define EXIT_HOST_ADDRESS_SPACE_SIZE (1u << 9)
#define EXIT_ACK_INTERRUPT_ON_EXIT (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER (1u << 22)

/* VM-entry controls (§25.8.1) */
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_IA32E_MODE_GUEST (1u << 9)
#define ENTRY_TO_SMM (1u << 10)
#define ENTRY_DEACTIVATE_DUAL_MONITOR (1u << 11)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Interruption-information format: exit, IDT-vectoring and entry fields
 * (§25.8.3, §25.9.2) */
enum interruption_type {
	INTR_TYPE_EXTERNAL = 0,
	INTR_TYPE_NMI = 2,
	INTR_TYPE_HARDWARE_EXCEPTION = 3,
	INTR_TYPE_SOFTWARE_INTERRUPT = 4,
	INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION = 5,
	INTR_TYPE_SOFTWARE_EXCEPTION = 6,
	INTR_TYPE_OTHER = 7,
};
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCKING (1u << 12)
#define INTR_INFO_TYPE(info) (((info) >> 8) & 7u)
#define INTR_INFO_VECTOR(info) ((info) & 0xffu)

/* Guest interruptibility state (§25.4.2, Table 25-3) */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_SMI (1u << 2)
#define INTERRUPTIBILITY_NMI (1u << 3)
#define INTERRUPTIBILITY_ENCLAVE (1u << 4)

/* Guest activity state (§25.4.2) */
enum activity_state { ACTIVITY_ACTIVE = 0, ACTIVITY_HLT = 1, ACTIVITY_SHUTDOWN = 2, ACTIVITY_WAIT_FOR_SIPI = 3 };

#endif
