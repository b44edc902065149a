/* Compile-time checks of vmx_ops.h (test/unit/vmcs_width_check.sh builds
 * this with each case on its own; only GOOD may compile). */
#include "hv/vmx/vmx_ops.h"

enum vmx_result vmcs_write_failed(enum vmcs_field f) { return f ? VMX_FAIL_VALID : VMX_FAIL_INVALID; }

uint64_t probe(uint64_t runtime_value);
uint64_t probe(uint64_t runtime_value)
{
#if defined(GOOD)
	vmcs_write(VMCS_GUEST_CS_SELECTOR, 0xffff);      /* fits 16 bits */
	vmcs_write(VMCS_GUEST_CS_LIMIT, 0xffffffffu);    /* fits 32 bits */
	vmcs_write(VMCS_GUEST_CS_SELECTOR, runtime_value); /* not constant: not checked */
	return vmcs_read16(VMCS_GUEST_CS_SELECTOR) + vmcs_read32(VMCS_EXIT_REASON) + vmcs_read64(VMCS_EPT_POINTER);
#elif defined(WIDE_CONSTANT)
	(void)runtime_value;
	vmcs_write(VMCS_GUEST_CS_SELECTOR, 0x10000); /* 17 bits into a 16-bit field */
	return 0;
#elif defined(WRONG_TYPED_READ)
	(void)runtime_value;
	return vmcs_read32(VMCS_GUEST_CR0); /* natural width, not 32-bit */
#endif
}
