/* CPUID (exit reason 10, unconditional in VMX non-root operation).
 * Real values pass through, except: VMX is hidden (CPUID.1:ECX[5]=0), the
 * hypervisor-present bit is set (CPUID.1:ECX[31]=1), and leaves
 * 0x40000000.. describe us. */
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "hypercall.h"

#include <hv/cpu.h>

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

enum exit_action handle_cpuid(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint32_t leaf = (uint32_t)r->rax, subleaf = (uint32_t)r->rcx;
	struct cpuid_regs c;
	if (leaf >= HV_CPUID_LEAF_BASE && leaf <= HV_CPUID_LEAF_BASE + 0xff) {
		c = hv_cpuid_leaf(leaf);
	} else {
		c = cpuid_count(leaf, subleaf);
		if (leaf == 1) {
			c.ecx &= ~CPUID_1_ECX_VMX;
			c.ecx |= CPUID_1_ECX_HYPERVISOR;
		}
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
	return EXIT_SKIP_INSTRUCTION;
}
