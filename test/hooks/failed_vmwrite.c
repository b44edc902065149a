/* Test image only (CMakeLists.txt: hv_failed_vmwrite): clears the current
 * VMCS just before write_image, so that its VMWRITEs fail (VMfailInvalid,
 * SDM Vol. 3C §31.3) on every processor, and a boot test proves that a
 * failed VMWRITE is named and stops the launch. Overrides the weak hook in
 * hv/vmx/vmx_setup.c; never linked into hv.efi. */
#include "../../hv/lib/log.h"
#include "../../hv/vmx/vmx_ops.h"
#include "../../hv/vmx/vmx_setup.h"

void vmx_launch_image_hook(struct vmcs_image *img)
{
	(void)img;
	uint64_t current;
	__asm__ volatile("vmptrst %0" : "=m"(current)::"memory");
	log_printf("test build: the current VMCS cleared on purpose before the VMWRITEs\n");
	vmclear(current);
}
