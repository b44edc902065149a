/* Turning VMX on for this processor and launching it, in place, as a
 * guest (SDM Vol. 3C §24.7 "Enabling and entering VMX operation", §25.11.3
 * "Initializing a VMCS"). */
#include "vmx_setup.h"

#include "../lib/log.h"
#include "entry_checks.h"
#include "vmcs_compose.h"
#include "vmcs_diag.h"
#include "vmx_errors.h"
#include "vmx_ops.h"

#include <hv/cpu.h>
#include <hv/msr.h>

enum vmx_result vmx_launch_in_place(uint64_t guest_rsp_encoding, uint64_t guest_rip_encoding);

/* Test images replace this (test/hooks/): the shipped one changes nothing. */
__attribute__((weak)) void vmx_launch_image_hook(struct vmcs_image *img) { (void)img; }

static void report_vmfail(const char *what, enum vmx_result r)
{
	if (r == VMX_FAIL_INVALID) {
		log_printf("%s failed: VMfailInvalid (no valid current VMCS / bad region)\n", what);
	} else {
		uint64_t err = vmcs_read(VMCS_VM_INSTRUCTION_ERROR);
		log_printf("%s failed: VM-instruction error %llu: %s\n", what, (unsigned long long)err,
			   vmx_instruction_error_text(err));
	}
}

/* Writes every composed field; a failure names the field and its value
 * (vmcs_write recorded the VM-instruction error: vmcs_diag.c). */
static enum hv_status write_image(const struct vmcs_image *img, unsigned cpu)
{
	for (unsigned f = 0; f < VMCS_FIELD_COUNT; f++) {
		if (!img->set[f])
			continue;
		if (vmcs_write((enum vmcs_field)f, img->value[f]) != VMX_SUCCEED) {
			log_printf("VMWRITE %s (0x%04x) = 0x%llx refused\n", vmcs_field_table[f].name,
				   vmcs_field_table[f].encoding, (unsigned long long)img->value[f]);
			vmcs_write_failure_report(cpu);
			return HV_ERR_VMX;
		}
	}
	/* Nothing else may have failed quietly before VMLAUNCH. */
	return vmcs_write_failure_report(cpu) ? HV_ERR_VMX : HV_OK;
}

/* Where this vCPU's host structures are: the VMCS's host-state area and
 * the bitmaps' addresses. The exit stub finds the vcpu pointer at
 * HOST_RSP; the host NMI stub sets the flag at GS:0 (vmx_entry.asm). */
static void vcpu_layout(struct vcpu *v, uint64_t host_rip, struct vmcs_layout *l)
{
	uint64_t *top = (uint64_t *)(v->host_stack + sizeof(v->host_stack) - 16);
	top[0] = (uint64_t)(uintptr_t)v;
	*l = (struct vmcs_layout){
		.host_cr3 = v->hv->host_cr3,
		.host_rip = host_rip,
		.host_rsp = (uint64_t)(uintptr_t)top,
		.host_gs_base = (uint64_t)(uintptr_t)&v->host_nmi_pending,
		.host_tr_base = (uint64_t)(uintptr_t)&v->host_tss,
		.host_gdtr_base = (uint64_t)(uintptr_t)v->host_gdt,
		.host_idtr_base = (uint64_t)(uintptr_t)v->host_idt,
		.host_cs = HOST_SELECTOR_CS,
		.host_ds = HOST_SELECTOR_DS,
		.host_tr = HOST_SELECTOR_TR,
		.msr_bitmap = (uint64_t)(uintptr_t)v->msr_bitmap,
		.io_bitmap_a = (uint64_t)(uintptr_t)v->io_bitmaps,
		.io_bitmap_b = (uint64_t)(uintptr_t)v->io_bitmaps + 4096,
		.eptp = v->hv->eptp,
		.vpid = (uint16_t)(1 + v->index),
	};
}

enum hv_status vmx_virtualize_this_cpu(struct vcpu *v, uint64_t host_rip)
{
	struct hv *hv = v->hv;
	uint64_t rflags;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(rflags)::"memory");
	/* GS points at this vCPU while we set it up, as it will in every exit
	 * (HOST_GS_BASE): vmcs_read/vmcs_write count there. The guest gets
	 * its own GS base back from the VMCS at VMLAUNCH, or from undo_cr. */
	uint64_t gs_base = rdmsr(MSR_IA32_GS_BASE);
	/* Everything the VMCS depends on, read once, before we change it. */
	static struct cpu_state firmware; /* one processor at a time */
	cpu_state_read(&firmware, rflags, gs_base);
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)(uintptr_t)&v->host_nmi_pending);
	/* VMXON needs CR0/CR4 within the fixed bits and CR4.VMXE (SDM Vol. 3C
	 * §24.8); the guest keeps seeing its own values via the shadows. */
	write_cr0(launch_cr0(&hv->msrs, firmware.cr0));
	write_cr4(launch_cr4(&hv->msrs, firmware.cr4));

	*(uint32_t *)v->vmxon_region = hv->caps.revision_id;
	*(uint32_t *)v->vmcs_region = hv->caps.revision_id;
	v->vmxon_phys = (uint64_t)(uintptr_t)v->vmxon_region;
	v->vmcs_phys = (uint64_t)(uintptr_t)v->vmcs_region;

	enum hv_status st = HV_ERR_VMX;
	enum vmx_result r = vmxon(v->vmxon_phys);
	if (r != VMX_SUCCEED) {
		log_printf("VMXON failed on CPU %u (%s)\n", v->index,
			   r == VMX_FAIL_INVALID ? "VMfailInvalid: bad VMXON region or CR0/CR4" : "VMfailValid");
		goto undo_cr;
	}
	if ((r = vmclear(v->vmcs_phys)) != VMX_SUCCEED || (r = vmptrld(v->vmcs_phys)) != VMX_SUCCEED) {
		report_vmfail("VMCLEAR/VMPTRLD", r);
		goto vmxoff;
	}
	static struct vmcs_image img; /* 2 KB+: not on the firmware's stack */
	char why[160];
	struct vmcs_layout layout;
	vcpu_layout(v, host_rip, &layout);
	struct compose_input in = {
		.msrs = &hv->msrs,
		.features = &hv->features,
		.guest = &firmware,
		.cpuid = &hv->cpuid,
		.layout = &layout,
		.exception_bitmap = hv->config.exception_bitmap,
		.preemption_timer_reload = hv->preemption_timer_reload,
		.interrupts_to_guest = hv->config.interrupts_to_guest,
	};
	st = vmcs_compose(&img, &in, why, sizeof(why));
	if (st != HV_OK) {
		log_printf("cannot virtualize CPU %u: %s\n", v->index, why);
		goto vmxoff;
	}
	vmx_launch_image_hook(&img);
	struct entry_check_env env = { .msrs = &hv->msrs, .maxphyaddr = hv->maxphyaddr };
	const char *failed = vmentry_check(&img, &env, why, sizeof(why));
	if (failed) {
		log_printf("VM-entry check failed on CPU %u: %s\n", v->index, failed);
		st = HV_ERR_INVALID;
		goto vmxoff;
	}
	if ((st = write_image(&img, v->index)) != HV_OK)
		goto vmxoff;
	v->proc_controls = (uint32_t)vmcs_image_get(&img, VMCS_PROC_BASED_CONTROLS);
	v->pin_controls = (uint32_t)vmcs_image_get(&img, VMCS_PIN_BASED_CONTROLS);
	v->vmreads = v->vmwrites = 0; /* the exit path's per-exit counters (dispatch.c) */
	invept(INVEPT_ALL_CONTEXT, 0);
	invvpid(INVVPID_ALL_CONTEXT, 0, 0);
	log_printf("CPU %u: VMXON, VMCS loaded and checked; VMLAUNCH\n", v->index);
	r = vmx_launch_in_place(vmcs_field_table[VMCS_GUEST_RSP].encoding, vmcs_field_table[VMCS_GUEST_RIP].encoding);
	if (r == VMX_SUCCEED) {
		/* We are the guest now; RFLAGS (IF included) came from the VMCS. */
		return HV_OK;
	}
	report_vmfail("VMLAUNCH", r);
	st = HV_ERR_VMX;
vmxoff:
	__asm__ volatile("vmxoff" ::: "cc", "memory");
undo_cr:
	wrmsr(MSR_IA32_GS_BASE, gs_base);
	write_cr4(firmware.cr4);
	write_cr0(firmware.cr0);
	__asm__ volatile("push %0; popfq" ::"r"(rflags) : "memory", "cc");
	return st;
}
