/* CPUID (exit reason 10, unconditional in VMX non-root operation).
 * Real values pass through, except: what the CPUID gates hide (VMX, SMX,
 * Intel PT, and each instruction whose VMX control this processor does not
 * allow: cpuid_gates.h), the hypervisor-present bit is set
 * (CPUID.1:ECX[31]=1, through the same filter, unless hv.cfg says
 * cpuid_hypervisor_bit = off), and leaves 0x40000000.. describe us. */
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "hypercall.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>

#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_7_ECX_OSPKE (1u << 4)

/* Bits the CPU computes from the current CR4 (SDM Vol. 2A, CPUID): in root
 * mode that is the host's CR4, so recompute them from the guest's. */
static uint32_t cr4_bit(uint64_t cr4, uint64_t bit, uint32_t value, uint32_t mask)
{
	return (cr4 & bit) ? (value | mask) : (value & ~mask);
}

/* The leaves the hypervisor answers or changes: out of line, so that the
 * others (CPUID's hot path) pay no frame for them. */
__attribute__((noinline)) static struct cpuid_regs cpuid_adjusted(struct exit_ctx *ctx, uint32_t leaf,
								  uint32_t subleaf)
{
	struct cpuid_regs c;
	if (leaf >= HV_CPUID_LEAF_BASE && leaf <= HV_CPUID_LEAF_BASE + 0xff) {
		c = hv_cpuid_leaf(leaf);
	} else {
		c = cpuid_count(leaf, subleaf);
		if (cpuid_filter_touches(leaf)) {
			uint32_t regs[4] = { c.eax, c.ebx, c.ecx, c.edx };
			cpuid_filter_apply(&ctx->vcpu->hv->cpuid, leaf, subleaf, regs);
			c = (struct cpuid_regs){ regs[0], regs[1], regs[2], regs[3] };
		}
		if (leaf == 1) {
			c.ecx = cr4_bit(vmcs_read(VMCS_GUEST_CR4), CR4_OSXSAVE, c.ecx, CPUID_1_ECX_OSXSAVE);
		} else if (leaf == 7 && subleaf == 0) {
			c.ecx = cr4_bit(vmcs_read(VMCS_GUEST_CR4), CR4_PKE, c.ecx, CPUID_7_ECX_OSPKE);
		}
	}
	return c;
}

enum exit_action handle_cpuid(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint32_t leaf = (uint32_t)r->rax, subleaf = (uint32_t)r->rcx;
	ctx->sub_kind = leaf;
	/* Leaves 1 and 7 are among those the filter touches. */
	if ((leaf >= HV_CPUID_LEAF_BASE && leaf <= HV_CPUID_LEAF_BASE + 0xff) || cpuid_filter_touches(leaf)) {
		struct cpuid_regs c = cpuid_adjusted(ctx, leaf, subleaf);
		r->rax = c.eax, r->rbx = c.ebx, r->rcx = c.ecx, r->rdx = c.edx;
		return EXIT_SKIP_INSTRUCTION;
	}
	/* CPUID zero-extends into the 64-bit registers: stored as they are. */
	uint64_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
	r->rax = a, r->rbx = b, r->rcx = c, r->rdx = d;
	return EXIT_SKIP_INSTRUCTION;
}
