/* CONFIG_ADDRESS (0xcf8) accesses on the shortest exit path
 * (pci_config_io.h): decoded from the exit qualification straight to the
 * port, no I/O policy walk. */
#include "pci_config_io.h"

#include "../lib/log.h"
#include "exits.h"
#include "../stats/counters.h"

#include <hv/cpu.h>

/* Exit qualification for I/O (SDM Vol. 3C Table 28-5): bits 2:0 size - 1,
 * bit 3 direction (1 = IN), bit 4 string, bits 31:16 port. */
#define IO_QUAL_MATCH_MASK 0xffff0017ull
#define IO_QUAL_DWORD_AT_CF8 (((uint64_t)PCI_CONFIG_ADDRESS_PORT << 16) | 3)
#define IO_QUAL_IN (1ull << 3)

bool pci_config_address_exit(struct exit_ctx *ctx, uint64_t qual)
{
	if ((qual & IO_QUAL_MATCH_MASK) != IO_QUAL_DWORD_AT_CF8 || !ctx->vcpu->hv->pci_config_fast)
		return false;
	bool in = qual & IO_QUAL_IN;
	ctx->sub_kind = stats_sub_key_port(PCI_CONFIG_ADDRESS_PORT, in);
	if (in) /* IN EAX zero-extends into RAX */
		ctx->regs->rax = inl(PCI_CONFIG_ADDRESS_PORT);
	else
		outl(PCI_CONFIG_ADDRESS_PORT, (uint32_t)ctx->regs->rax);
	return true;
}

void pci_config_io_start_up(struct hv *hv)
{
	hv->pci_config_fast = pci_config_address_plain(&hv->acpi);
	if (!hv->pci_config_fast)
		log_printf("PCI: an ACPI register shares port 0xcf8: its dword accesses take the I/O policy's path\n");
}
