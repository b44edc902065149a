/* Instructions that exit unconditionally and need little: GETSEC, INVD,
 * the VMX instructions, XSETBV (SDM Vol. 3C §26.1.2). */
#include "../vmx/vmx_ops.h"
#include "exits.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>

/* SMX is not offered to the guest (CR4.SMXE cannot be set in its view). */
enum exit_action handle_getsec(struct exit_ctx *ctx)
{
	inject_ud(ctx);
	return EXIT_RESUME;
}

/* INVD would drop dirty cache lines the hypervisor owns too: write them
 * back instead (what KVM does). */
enum exit_action handle_invd(struct exit_ctx *ctx)
{
	(void)ctx;
	__asm__ volatile("wbinvd" ::: "memory");
	return EXIT_SKIP_INSTRUCTION;
}

/* VMX is hidden from the guest (CPUID.1:ECX.VMX=0, CR4.VMXE=0 in its view):
 * every VMX instruction is #UD, as on a processor without VMX. */
enum exit_action handle_vmx_instruction(struct exit_ctx *ctx)
{
	inject_ud(ctx);
	return EXIT_RESUME;
}


/* XSETBV: validate as the processor would (SDM Vol. 2D, XSETBV "Protected
 * Mode Exceptions"), then load XCR0 for the guest. */
enum exit_action handle_xsetbv(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
	struct cpuid_regs d = cpuid_count(0xd, 0);
	uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
	bool bad = guest_cpl() != 0 || (uint32_t)r->rcx != 0 || !(value & XCR0_X87) || (value & ~supported) ||
		   ((value & XCR0_AVX) && !(value & XCR0_SSE)) ||
		   (!!(value & XCR0_BNDREG) != !!(value & XCR0_BNDCSR)) ||
		   ((value & XCR0_AVX512) && ((value & XCR0_AVX512) != XCR0_AVX512 || !(value & XCR0_AVX))) ||
		   /* AMX state all or none, or our own XSETBV would fault. */
		   ((value & XCR0_AMX) && (value & XCR0_AMX) != XCR0_AMX);
	if (bad) {
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	/* XSETBV needs CR4.OSXSAVE in the host too; HOST_CR4 restores CR4 on
	 * the next exit. */
	write_cr4(read_cr4() | CR4_OSXSAVE);
	__asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
	return EXIT_SKIP_INSTRUCTION;
}
