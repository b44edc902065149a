#include "guest_memory.h"

#include "../vmx/vmx_ops.h"
#include "guest_page_walk.h"
#include "mmio_decode.h"

bool guest_memory_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const struct hv *hv = ctx;
	if (gpa + len < gpa || (gpa < hv->arena_base + hv->arena_size && gpa + len > hv->arena_base))
		return false; /* never through our own memory */
	const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)gpa;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = src[i];
	return true;
}

size_t guest_code_at_rip(struct hv *hv, uint8_t code[15])
{
	uint64_t rip = vmcs_read(VMCS_GUEST_RIP), cr0 = vmcs_read(VMCS_GUEST_CR0),
		 cr4 = vmcs_read(VMCS_GUEST_CR4), efer = vmcs_read(VMCS_GUEST_IA32_EFER), cr3 = vmcs_read(VMCS_GUEST_CR3);
	size_t got = 0;
	while (got < 15) {
		uint64_t gpa, linear = rip + got;
		if (!guest_linear_to_phys(cr0, cr4, efer, cr3, linear, guest_memory_read, hv, &gpa))
			break;
		size_t chunk = 4096 - (linear & 4095);
		if (chunk > 15 - got)
			chunk = 15 - got;
		if (!guest_memory_read(hv, gpa, code + got, chunk))
			break;
		got += chunk;
	}
	return got;
}
