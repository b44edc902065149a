/* The one table of basic exit reasons (SDM Vol. 3D, Appendix C):
 * X(number, name, handler, during_delivery). It generates enum exit_reason,
 * EXIT_REASON_MAX, the names used by diagnostics and statistics
 * (exit_reasons.c), the dispatch table (dispatch.c) and the set of exits
 * that may leave valid IDT-vectoring information. A NULL handler sends the
 * exit to the default handler, which names it and stops the guest.
 *
 * during_delivery is 1 when the exit can happen while an event is being
 * delivered through the IDT (SDM Vol. 3C §28.2.4: exceptions, EPT
 * violations, task switches, APIC accesses, ...). Exits at an instruction
 * boundary or on an instruction (0) never leave valid IDT-vectoring
 * information, so event delivery skips that VMREAD for them. */
#ifndef HV_EXIT_REASONS_H
#define HV_EXIT_REASONS_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_REASON_LIST(X)                                                     \
	X(0, EXCEPTION_NMI, handle_exception_nmi, 1)                           \
	X(1, EXTERNAL_INTERRUPT, handle_external_interrupt, 0)                 \
	X(2, TRIPLE_FAULT, handle_triple_fault, 0)                             \
	X(3, INIT, handle_init, 0)                                             \
	X(4, SIPI, handle_sipi, 0)                                             \
	X(5, IO_SMI, NULL, 1)                                                  \
	X(6, OTHER_SMI, NULL, 1)                                               \
	X(7, INTERRUPT_WINDOW, handle_interrupt_window, 0)                     \
	X(8, NMI_WINDOW, handle_nmi_window, 0)                                 \
	X(9, TASK_SWITCH, NULL, 1)                                             \
	X(10, CPUID, handle_cpuid, 0)                                          \
	X(11, GETSEC, handle_getsec, 0)                                        \
	X(12, HLT, handle_hlt, 0)                                              \
	X(13, INVD, handle_invd, 0)                                            \
	X(14, INVLPG, NULL, 0)                                                 \
	X(15, RDPMC, NULL, 0)                                                  \
	X(16, RDTSC, NULL, 0)                                                  \
	X(17, RSM, NULL, 1)                                                    \
	X(18, VMCALL, handle_vmcall, 0)                                        \
	X(19, VMCLEAR, handle_vmx_instruction, 0)                              \
	X(20, VMLAUNCH, handle_vmx_instruction, 0)                             \
	X(21, VMPTRLD, handle_vmx_instruction, 0)                              \
	X(22, VMPTRST, handle_vmx_instruction, 0)                              \
	X(23, VMREAD, handle_vmx_instruction, 0)                               \
	X(24, VMRESUME, handle_vmx_instruction, 0)                             \
	X(25, VMWRITE, handle_vmx_instruction, 0)                              \
	X(26, VMXOFF, handle_vmx_instruction, 0)                               \
	X(27, VMXON, handle_vmx_instruction, 0)                                \
	X(28, CR_ACCESS, handle_cr_access, 0)                                  \
	X(29, DR_ACCESS, NULL, 0)                                              \
	X(30, IO_INSTRUCTION, handle_io_instruction, 0)                        \
	X(31, RDMSR, handle_rdmsr, 0)                                          \
	X(32, WRMSR, handle_wrmsr, 0)                                          \
	X(33, ENTRY_FAILURE_GUEST_STATE, NULL, 1)                              \
	X(34, ENTRY_FAILURE_MSR_LOADING, NULL, 1)                              \
	X(36, MWAIT, handle_mwait, 0)                                          \
	X(37, MONITOR_TRAP_FLAG, NULL, 1)                                      \
	X(39, MONITOR, NULL, 0)                                                \
	X(40, PAUSE, NULL, 0)                                                  \
	X(41, ENTRY_FAILURE_MACHINE_CHECK, NULL, 1)                            \
	X(43, TPR_BELOW_THRESHOLD, NULL, 1)                                    \
	X(44, APIC_ACCESS, NULL, 1)                                            \
	X(45, VIRTUALIZED_EOI, NULL, 1)                                        \
	X(46, GDTR_IDTR_ACCESS, NULL, 1)                                       \
	X(47, LDTR_TR_ACCESS, NULL, 1)                                         \
	X(48, EPT_VIOLATION, handle_ept_violation, 1)                          \
	X(49, EPT_MISCONFIG, handle_ept_misconfig, 1)                          \
	X(50, INVEPT, handle_vmx_instruction, 0)                               \
	X(51, RDTSCP, NULL, 0)                                                 \
	X(52, PREEMPTION_TIMER, handle_preemption_timer, 0)                    \
	X(53, INVVPID, handle_vmx_instruction, 0)                              \
	X(54, WBINVD, NULL, 0)                                                 \
	X(55, XSETBV, handle_xsetbv, 0)                                        \
	X(56, APIC_WRITE, NULL, 1)                                             \
	X(57, RDRAND, NULL, 0)                                                 \
	X(58, INVPCID, NULL, 0)                                                \
	X(59, VMFUNC, handle_vmx_instruction, 0)                               \
	X(60, ENCLS, NULL, 0)                                                  \
	X(61, RDSEED, NULL, 0)                                                 \
	X(62, PML_FULL, NULL, 1)                                               \
	X(63, XSAVES, NULL, 0)                                                 \
	X(64, XRSTORS, NULL, 0)                                                \
	X(66, SPP, NULL, 1)                                                    \
	X(67, UMWAIT, NULL, 0)                                                 \
	X(68, TPAUSE, NULL, 0)                                                 \
	X(69, LOADIWKEY, NULL, 0)

enum exit_reason {
#define X(n, name, handler, during_delivery) EXIT_REASON_##name = n,
	EXIT_REASON_LIST(X)
#undef X
};

/* One past the highest reason in the table: the size of per-reason arrays. */
union exit_reason_span {
#define X(n, name, handler, during_delivery) char name[(n) + 1];
	EXIT_REASON_LIST(X)
#undef X
};
#define EXIT_REASON_MAX ((unsigned)sizeof(union exit_reason_span))

/* Bit r of the pair: reason r never happens during event delivery. */
#define EXIT_NEVER_DURING_DELIVERY_LOW(n, name, handler, during_delivery)                                        \
	| ((uint64_t)((n) < 64 && !(during_delivery)) << ((n) & 63))
#define EXIT_NEVER_DURING_DELIVERY_HIGH(n, name, handler, during_delivery)                                       \
	| ((uint64_t)((n) >= 64 && !(during_delivery)) << ((n) & 63))
#define EXITS_NEVER_DURING_DELIVERY_0_63 (0 EXIT_REASON_LIST(EXIT_NEVER_DURING_DELIVERY_LOW))
#define EXITS_NEVER_DURING_DELIVERY_64_127 (0 EXIT_REASON_LIST(EXIT_NEVER_DURING_DELIVERY_HIGH))
_Static_assert(EXIT_REASON_MAX <= 128, "two words cover the exit-reason table");

static inline bool exit_never_during_delivery(unsigned reason)
{
	if (reason < 64)
		return (EXITS_NEVER_DURING_DELIVERY_0_63 >> reason) & 1;
	return reason < 128 && ((EXITS_NEVER_DURING_DELIVERY_64_127 >> (reason & 63)) & 1);
}

/* "CPUID", "EPT_VIOLATION", ...; "unknown" outside the table. */
const char *exit_reason_name(unsigned reason);

#endif
