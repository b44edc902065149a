/* The guest-visible interface: CPUID leaves 0x40000000.. and VMCALL.
 * Documented in README.md ("Guest interface"). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/cpu.h>
#include <stdint.h>

#define HV_CPUID_LEAF_BASE 0x40000000u
#define HV_CPUID_MAX_LEAF 0x40000001u
#define HV_CPUID_SIGNATURE "VTxEptHvisor" /* EBX, ECX, EDX of leaf 0x40000000 */
#define HV_INTERFACE_VERSION 1u

/* VMCALL: function number in RAX, arguments in RBX, RCX, RDX; status back
 * in RAX (0 = success). Ring 0 only: from CPL > 0 it raises #UD. */
enum hv_call {
	HV_CALL_PING = 0,        /* RBX,RCX,RDX <- signature, RAX <- 0 */
	HV_CALL_VERSION = 1,     /* RBX <- interface version, RCX <- hv version (major<<16|minor<<8|patch) */
	HV_CALL_PRINT_STATS = 2, /* prints the exit statistics on the hypervisor's serial port */
	HV_CALL_RESET_STATS = 3, /* zeroes this CPU's exit statistics (benchmarks measure from here) */
};
#define HV_CALL_UNKNOWN_FUNCTION ((uint64_t)-1)

struct cpuid_regs hv_cpuid_leaf(uint32_t leaf);

#endif
