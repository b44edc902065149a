/* The one table of basic exit reasons (SDM Vol. 3D, Appendix C):
 * X(number, name, handler). It generates enum exit_reason, the names used
 * by diagnostics and statistics, and the dispatch table (dispatch.c). A
 * NULL handler sends the exit to the default handler, which names it and
 * stops the guest. */
#ifndef HV_EXIT_REASONS_H
#define HV_EXIT_REASONS_H

#define EXIT_REASON_LIST(X)                                                     \
	X(0, EXCEPTION_NMI, handle_exception_nmi)                               \
	X(1, EXTERNAL_INTERRUPT, handle_external_interrupt)                     \
	X(2, TRIPLE_FAULT, handle_triple_fault)                                 \
	X(3, INIT, handle_init)                                                 \
	X(4, SIPI, handle_sipi)                                                 \
	X(5, IO_SMI, NULL)                                                      \
	X(6, OTHER_SMI, NULL)                                                   \
	X(7, INTERRUPT_WINDOW, handle_interrupt_window)                         \
	X(8, NMI_WINDOW, handle_nmi_window)                                     \
	X(9, TASK_SWITCH, NULL)                                                 \
	X(10, CPUID, handle_cpuid)                                              \
	X(11, GETSEC, handle_getsec)                                            \
	X(12, HLT, handle_hlt)                                                  \
	X(13, INVD, handle_invd)                                                \
	X(14, INVLPG, NULL)                                                     \
	X(15, RDPMC, NULL)                                                      \
	X(16, RDTSC, NULL)                                                      \
	X(17, RSM, NULL)                                                        \
	X(18, VMCALL, handle_vmcall)                                            \
	X(19, VMCLEAR, handle_vmx_instruction)                                  \
	X(20, VMLAUNCH, handle_vmx_instruction)                                 \
	X(21, VMPTRLD, handle_vmx_instruction)                                  \
	X(22, VMPTRST, handle_vmx_instruction)                                  \
	X(23, VMREAD, handle_vmx_instruction)                                   \
	X(24, VMRESUME, handle_vmx_instruction)                                 \
	X(25, VMWRITE, handle_vmx_instruction)                                  \
	X(26, VMXOFF, handle_vmx_instruction)                                   \
	X(27, VMXON, handle_vmx_instruction)                                    \
	X(28, CR_ACCESS, handle_cr_access)                                      \
	X(29, DR_ACCESS, NULL)                                                  \
	X(30, IO_INSTRUCTION, handle_io_instruction)                                             \
	X(31, RDMSR, handle_rdmsr)                                              \
	X(32, WRMSR, handle_wrmsr)                                              \
	X(33, ENTRY_FAILURE_GUEST_STATE, NULL)                                  \
	X(34, ENTRY_FAILURE_MSR_LOADING, NULL)                                  \
	X(36, MWAIT, handle_mwait)                                              \
	X(37, MONITOR_TRAP_FLAG, NULL)                                          \
	X(39, MONITOR, NULL)                                                    \
	X(40, PAUSE, NULL)                                                      \
	X(41, ENTRY_FAILURE_MACHINE_CHECK, NULL)                                \
	X(43, TPR_BELOW_THRESHOLD, NULL)                                        \
	X(44, APIC_ACCESS, NULL)                                                \
	X(45, VIRTUALIZED_EOI, NULL)                                            \
	X(46, GDTR_IDTR_ACCESS, NULL)                                           \
	X(47, LDTR_TR_ACCESS, NULL)                                             \
	X(48, EPT_VIOLATION, handle_ept_violation)                              \
	X(49, EPT_MISCONFIG, handle_ept_misconfig)                              \
	X(50, INVEPT, handle_vmx_instruction)                                   \
	X(51, RDTSCP, NULL)                                                     \
	X(52, PREEMPTION_TIMER, handle_preemption_timer)                                           \
	X(53, INVVPID, handle_vmx_instruction)                                  \
	X(54, WBINVD, NULL)                                                     \
	X(55, XSETBV, handle_xsetbv)                                            \
	X(56, APIC_WRITE, NULL)                                                 \
	X(57, RDRAND, NULL)                                                     \
	X(58, INVPCID, NULL)                                                    \
	X(59, VMFUNC, handle_vmx_instruction)                                   \
	X(60, ENCLS, NULL)                                                      \
	X(61, RDSEED, NULL)                                                     \
	X(62, PML_FULL, NULL)                                                   \
	X(63, XSAVES, NULL)                                                     \
	X(64, XRSTORS, NULL)                                                    \
	X(66, SPP, NULL)                                                        \
	X(67, UMWAIT, NULL)                                                     \
	X(68, TPAUSE, NULL)                                                     \
	X(69, LOADIWKEY, NULL)

enum exit_reason {
#define X(n, name, handler) EXIT_REASON_##name = n,
	EXIT_REASON_LIST(X)
#undef X
	EXIT_REASON_MAX = 70 /* size of per-reason arrays */
};

/* "CPUID", "EPT_VIOLATION", ...; "unknown" outside the table. */
const char *exit_reason_name(unsigned reason);

#endif
