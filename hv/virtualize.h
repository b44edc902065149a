#ifndef HV_VIRTUALIZE_H
#define HV_VIRTUALIZE_H

#include "lib/config.h"
#include "vmx/vmx_caps.h"

#include <hv/status.h>

/* Virtualizes the processor we run on. HV_OK: we continue as the guest.
 * Otherwise nothing is left half-done and the log says why. */
enum hv_status hv_virtualize(const struct hv_config *config, const struct vmx_msr_snapshot *msrs,
			     const struct vmx_caps *caps);

#endif
