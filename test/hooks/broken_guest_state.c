/* Test image only (CMakeLists.txt: hv_broken_guest_state): breaks one
 * guest-state field before the software VM-entry checks, so a boot test
 * proves the checker names the failed check. Overrides the weak hook in
 * hv/vmx/vmx_setup.c; never linked into hv.efi. */
#include "../../hv/lib/log.h"
#include "../../hv/vmx/vmx_setup.h"

#include <hv/arch_bits.h>

void vmx_launch_image_hook(struct vmcs_image *img)
{
	/* Paging on with protection off, which VM entry rejects (SDM Vol. 3C
	 * §27.3.1.1). */
	log_printf("test build: guest CR0.PE cleared on purpose before the VM-entry checks\n");
	vmcs_image_put(img, VMCS_GUEST_CR0, vmcs_image_get(img, VMCS_GUEST_CR0) & ~CR0_PE);
}
