/* EPT violations and misconfigurations (exit reasons 48, 49).
 * The whole physical address space is identity-mapped except the
 * hypervisor's own memory, which has no access at all. The map is built
 * at start-up as far as the memory map and 4 GB go (all of it with 1 GB
 * pages); beyond, each 1 GB region is mapped on its first violation (a
 * 64-bit BAR far above RAM), up to 2^MAXPHYADDR. A guest touching the
 * hypervisor's memory, or an address no processor can reach, gets #GP(0),
 * as if the access were not allowed by the platform: the hypervisor keeps
 * running, counts it, and logs the first few. */
#include "../lib/log.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"
#include "init_sipi.h"
#include "mmio_reset.h"

#include <hv/cpu.h>

#define EPT_VIOLATIONS_LOGGED 8

static bool ept_map_on_demand(struct vcpu *v, uint64_t gpa)
{
	struct hv *hv = v->hv;
	/* One CPU at a time changes the tables; the others fault on the
	 * same region, wait here, then find it mapped. */
	spin_lock(&hv->ept_lock);
	unsigned before = hv->ept.tables;
	int r = ept_map_region(&hv->ept, &hv->mtrrs, gpa, hv->caps.ept_1gb);
	unsigned tables = hv->ept.tables;
	spin_unlock(&hv->ept_lock);
	if (r > 0)
		log_printf("EPT: 1 GB region at 0x%llx mapped on first access from CPU %u (%u more tables, %u in all)\n",
			   (unsigned long long)(gpa & ~((1ull << 30) - 1)), v->index, tables - before, tables);
	else if (r < 0 && tables != before)
		log_printf("EPT: no memory left to map GPA 0x%llx on demand\n", (unsigned long long)gpa);
	return r > 0;
}

enum exit_action handle_ept_violation(struct exit_ctx *ctx)
{
	struct ept_violation e = decode_ept_violation(exit_qualification(ctx));
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	struct vcpu *v = ctx->vcpu;
	struct hv *hv = v->hv;
	enum exit_action relayed;
	if (e.write && ipi_relay_apic_write(ctx, gpa, &relayed))
		return relayed;
	if (e.write && mmio_reset_write(ctx, gpa, &relayed))
		return relayed;
	bool ours = gpa >= hv->arena_base && gpa < hv->arena_base + hv->arena_size;
	if (!ours && ept_map_on_demand(v, gpa))
		return EXIT_RESUME; /* the access is retried and now succeeds */
	if (++v->ept_violations <= EPT_VIOLATIONS_LOGGED)
		log_printf("EPT violation: GPA 0x%llx linear 0x%llx (%s) %s%s%s, entry allowed %s%s%s%s at RIP 0x%llx: %s\n",
			   (unsigned long long)gpa,
			   (unsigned long long)(e.linear_address_valid ? vmcs_read(VMCS_GUEST_LINEAR_ADDRESS) : 0),
			   !e.linear_address_valid ? "no linear address" : e.during_translation ? "guest page walk" : "access",
			   e.read ? "read" : "", e.write ? "write" : "", e.fetch ? "fetch" : "",
			   e.readable ? "r" : "-", e.writable ? "w" : "-", e.executable ? "x" : "-",
			   exit_qualification(ctx) & (1u << 12) ? " (NMI unblocked by IRET)" : "",
			   (unsigned long long)vmcs_read(VMCS_GUEST_RIP),
			   ours ? "hypervisor memory, #GP(0) to the guest" : "outside the mapped space, #GP(0) to the guest");
	/* SDM Vol. 3C §28.2.3: if the violation interrupted an IRET that
	 * unblocked NMIs, blocking must be restored before re-entry. */
	if (e.nmi_unblocking_due_to_iret && !(exit_idt_vectoring_info(ctx) & INTR_INFO_VALID))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY_STATE) | INTERRUPTIBILITY_NMI);
	inject_gp0(ctx);
	return EXIT_RESUME;
}

/* A misconfigured EPT entry is our bug, never the guest's. */
enum exit_action handle_ept_misconfig(struct exit_ctx *ctx)
{
	log_printf("EPT misconfiguration at GPA 0x%llx: the hypervisor's EPT tables are wrong\n",
		   (unsigned long long)vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS));
	return EXIT_STOP;
}
