#ifndef HV_VMCS_COMPOSE_H
#define HV_VMCS_COMPOSE_H

#include "../lib/fmt.h"
#include "vcpu.h"
#include "vmcs_fields.h"

#include <hv/status.h>

/* What vmx_setup.c decided before composing. */
struct launch_state {
	uint64_t cr0, cr4;               /* as VMX needs them (fixed bits, VMXE) */
	uint64_t guest_cr0_view, guest_cr4_view; /* what the guest had: the read shadows */
	uint64_t rflags;                 /* the guest's RFLAGS at the call */
	uint64_t gs_base;                /* the guest's IA32_GS_BASE (ours points at the vCPU meanwhile) */
	uint64_t host_rip;               /* vmx_exit_stub in the host's image copy */
};

/* On HV_ERR_UNSUPPORTED, why says which required control is missing. */
enum hv_status vmcs_compose(struct vmcs_image *img, struct vcpu *v, const struct launch_state *ls,
			    char *why, size_t why_cap);

#endif
