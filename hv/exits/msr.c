/* RDMSR/WRMSR (exit reasons 31, 32). The MSR bitmap (vmx_setup.c) makes
 * only the MSRs we care about exit (msr_policy.h has the whole policy);
 * MSRs outside the bitmap's two ranges always exit (SDM Vol. 3C §26.1.3).
 * We protect IA32_FEATURE_CONTROL and the VMX capability MSRs (VMX is
 * hidden from the guest), fault Intel PT's MSRs (hidden), make the EPT
 * follow MTRR writes, ignore microcode updates, and raise #GP for MSR
 * indices no processor implements. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "init_sipi.h"
#include "msr_policy.h"

#include <hv/cpu.h>
#include <hv/msr.h>

enum exit_action handle_rdmsr(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint32_t index = (uint32_t)r->rcx;
	uint64_t value;
	ctx->sub_kind = index;
	switch (msr_policy(index)) {
	case MSR_FEATURE_CONTROL_VIEW:
		/* Locked, VMX off: what a processor without VMX shows. */
		value = (rdmsr(MSR_IA32_FEATURE_CONTROL) & ~(FEATURE_CONTROL_VMX_INSIDE_SMX |
							       FEATURE_CONTROL_VMX_OUTSIDE_SMX)) |
			FEATURE_CONTROL_LOCK;
		break;
	default:
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	r->rax = (uint32_t)value;
	r->rdx = value >> 32;
	return EXIT_SKIP_INSTRUCTION;
}

#define MTRR_WRITES_LOGGED 4

/* SDM Vol. 3C §29.3.7.2: with EPT the MTRRs no longer give guest accesses
 * their memory type, the EPT does. The processor's MTRRs take the value
 * too (the hypervisor's own accesses, and what the guest reads back), the
 * snapshot and the EPT follow, and every processor drops the translations
 * it cached with the old types: this one now, the others at their next
 * exit (ept_flush_pending, dispatch.c). The host's page tables are split
 * where a large page now spans two types (host_paging.c), and each
 * processor reloads its host CR3 with the INVEPT. An OS changes MTRRs on every
 * processor in turn (SDM Vol. 3A §12.11.8), so each takes its own exit. */
static enum exit_action write_mtrr(struct exit_ctx *ctx, uint32_t index, uint64_t value)
{
	struct vcpu *v = ctx->vcpu;
	struct hv *hv = v->hv;
	spin_lock(&hv->ept_lock);
	struct mtrr_snapshot next = hv->mtrrs;
	bool ok = mtrr_is_msr(&next, index) && mtrr_write(&next, index, value);
	int changed = 0;
	if (ok) {
		wrmsr(index, value);
		hv->mtrrs = next;
		changed = ept_refresh_types(&hv->ept, &hv->mtrrs);
		/* The host's own large pages must not span two types either. */
		if (host_paging_refresh(&hv->host_paging, &hv->mtrrs) > 0)
			write_cr3(read_cr3());
		for (unsigned i = 0; i < hv->cpu_count; i++)
			if (hv->vcpus[i] != v)
				__atomic_store_n(&hv->vcpus[i]->ept_flush_pending, 1, __ATOMIC_RELEASE);
		invept(INVEPT_ALL_CONTEXT, 0);
	}
	spin_unlock(&hv->ept_lock);
	if (!ok) {
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
	if (++v->mtrr_writes <= MTRR_WRITES_LOGGED)
		log_printf("CPU %u: MTRR 0x%x <- 0x%llx: EPT memory types follow (%d %s changed)%s\n", v->index, index,
			   (unsigned long long)value, changed < 0 ? 0 : changed, changed == 1 ? "entry" : "entries",
			   changed < 0 ? "; out of table memory: some large pages made UC" : "");
	return EXIT_SKIP_INSTRUCTION;
}

enum exit_action handle_wrmsr(struct exit_ctx *ctx)
{
	struct guest_regs *r = ctx->regs;
	uint32_t index = (uint32_t)r->rcx;
	uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
	ctx->sub_kind = index;
	if (ipi_relay_wrmsr(ctx, index, value)) /* the x2APIC ICR, ipi_relay = on */
		return EXIT_SKIP_INSTRUCTION;
	switch (msr_policy(index)) {
	case MSR_MTRR:
		return write_mtrr(ctx, index, value);
	case MSR_MICROCODE_UPDATE:
		if (!ctx->vcpu->microcode_update_reported) {
			ctx->vcpu->microcode_update_reported = true;
			log_printf("CPU %u: guest microcode update (WRMSR IA32_BIOS_UPDT_TRIG) ignored: load microcode "
				   "through the firmware or before the hypervisor\n", ctx->vcpu->index);
		}
		return EXIT_SKIP_INSTRUCTION;
	default:
		/* Every other MSR that exits on write is one the guest may not
		 * change (locked feature control, read-only VMX MSRs, hidden
		 * features) or does not exist. */
		inject_gp0(ctx);
		return EXIT_RESUME;
	}
}
