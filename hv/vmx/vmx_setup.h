#ifndef HV_VMX_SETUP_H
#define HV_VMX_SETUP_H

#include "vcpu.h"

#include <hv/status.h>

/* VMXON on this processor, compose and check the VMCS, VMLAUNCH in place.
 * Returns HV_OK in VMX non-root mode (the caller is now the guest); on
 * failure VMX is off again, the processor as before, and the log says why. */
enum hv_status vmx_virtualize_this_cpu(struct vcpu *v, uint64_t host_rip);

/* Called with the composed VMCS image before the VM-entry checks. The
 * shipped hypervisor's does nothing; a test image links its own
 * (test/hooks/broken_guest_state.c). */
void vmx_launch_image_hook(struct vmcs_image *img);

#endif
