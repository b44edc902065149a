/* VMCALL (exit reason 18) and our CPUID leaves: the only ways a guest can
 * learn of us (hypercall.h). */
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "../stats/dump.h"
#include "hypercall.h"

static uint32_t sig_word(unsigned i)
{
	const char *s = HV_CPUID_SIGNATURE;
	return (uint32_t)(uint8_t)s[4 * i] | (uint32_t)(uint8_t)s[4 * i + 1] << 8 |
	       (uint32_t)(uint8_t)s[4 * i + 2] << 16 | (uint32_t)(uint8_t)s[4 * i + 3] << 24;
}

static uint32_t hv_version(void)
{
	/* HV_VERSION is "major.minor.patch". */
	const char *v = HV_VERSION;
	uint32_t parts[3] = { 0 }, i = 0;
	for (; *v && i < 3; v++) {
		if (*v == '.')
			i++;
		else if (*v >= '0' && *v <= '9')
			parts[i] = parts[i] * 10 + (uint32_t)(*v - '0');
	}
	return parts[0] << 16 | parts[1] << 8 | parts[2];
}

struct cpuid_regs hv_cpuid_leaf(uint32_t leaf)
{
	struct cpuid_regs c = { 0, 0, 0, 0 };
	if (leaf == HV_CPUID_LEAF_BASE) {
		c.eax = HV_CPUID_MAX_LEAF;
		c.ebx = sig_word(0);
		c.ecx = sig_word(1);
		c.edx = sig_word(2);
	} else if (leaf == HV_CPUID_LEAF_BASE + 1) {
		c.eax = hv_version();
		c.ebx = HV_INTERFACE_VERSION;
	}
	return c;
}

enum exit_action handle_vmcall(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	/* Ring 3 must not reach the hypervisor: VMCALL there is #UD, as on a
	 * machine without a hypervisor. */
	if (guest_cpl() != 0) {
		inject_ud(ctx);
		return EXIT_RESUME;
	}
	switch (r->rax) {
	case HV_CALL_PING:
		r->rbx = sig_word(0);
		r->rcx = sig_word(1);
		r->rdx = sig_word(2);
		r->rax = 0;
		break;
	case HV_CALL_VERSION:
		r->rbx = HV_INTERFACE_VERSION;
		r->rcx = hv_version();
		r->rax = 0;
		break;
	case HV_CALL_PRINT_STATS:
		stats_request_dump(ctx->vcpu, "request");
		r->rax = 0;
		break;
	case HV_CALL_RESET_STATS:
		stats_request_reset(ctx->vcpu);
		ctx->not_counted = true;
		r->rax = 0;
		break;
	default:
		r->rax = HV_CALL_UNKNOWN_FUNCTION;
		break;
	}
	return EXIT_SKIP_INSTRUCTION;
}
