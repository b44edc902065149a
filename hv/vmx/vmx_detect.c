#include "vmx_detect.h"

#include "../lib/log.h"

#include <hv/cpu.h>
#include <hv/msr.h>
#include <stddef.h>

#define CPUID_1_ECX_VMX (1u << 5)

static void read_snapshot(struct vmx_msr_snapshot *m)
{
	*m = (struct vmx_msr_snapshot){ 0 };
	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	/* SDM Vol. 3D §A.2: with VMX_BASIC bit 55 set, the TRUE_* MSRs give the
	 * real allowed-0 settings of the default1 controls. */
	bool true_ctls = m->basic & (1ull << 55);
	m->pinbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* These two MSRs exist only when the controls that need them may be 1;
	 * reading them otherwise raises #GP (SDM Vol. 3D §A.3.3, §A.10). */
	if (m->procbased & (1ull << (32 + 31))) {
		m->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		uint32_t allowed1 = (uint32_t)(m->procbased2 >> 32);
		if (allowed1 & (SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID))
			m->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
}

static const char *yes(bool b) { return b ? "yes" : "no"; }

static void report(const struct vmx_msr_snapshot *m, const struct vmx_caps *c)
{
	log_printf("VMX_BASIC=0x%016llx revision=0x%x vmcs_size=%u memtype=%s true_ctls=%s\n",
		   (unsigned long long)m->basic, c->revision_id, c->vmcs_size,
		   c->vmcs_memtype == 6 ? "WB" : "UC", yes(c->true_ctls));
	log_printf("controls: pin=0x%016llx proc=0x%016llx proc2=0x%016llx\n", (unsigned long long)m->pinbased,
		   (unsigned long long)m->procbased, (unsigned long long)m->procbased2);
	log_printf("controls: exit=0x%016llx entry=0x%016llx misc=0x%016llx\n", (unsigned long long)m->exit,
		   (unsigned long long)m->entry, (unsigned long long)m->misc);
	log_printf("EPT_VPID_CAP=0x%016llx\n", (unsigned long long)m->ept_vpid_cap);
	log_printf("EPT: %s (4-level=%s WB=%s 2MB=%s 1GB=%s A/D=%s INVEPT single=%s all=%s)\n", yes(c->ept),
		   yes(c->ept_walk4), yes(c->ept_wb), yes(c->ept_2mb), yes(c->ept_1gb), yes(c->ept_ad),
		   yes(c->invept_single), yes(c->invept_all));
	log_printf("VPID: %s (INVVPID=%s address=%s single=%s all=%s)\n", yes(c->vpid), yes(c->invvpid),
		   yes(c->invvpid_addr), yes(c->invvpid_single), yes(c->invvpid_all));
	log_printf("unrestricted guest: %s; preemption timer: %s (TSC>>%u); wait-for-SIPI: %s\n",
		   yes(c->unrestricted_guest), yes(c->preemption_timer), c->preemption_timer_shift,
		   yes(c->wait_for_sipi));
}

/* SDM Vol. 3C §24.7: VMXON needs IA32_FEATURE_CONTROL locked with
 * "enable VMX outside SMX" set. Firmware normally locks it; OVMF leaves it
 * 0 (unlocked), and then we may set it ourselves. */
enum hv_status vmx_feature_control(bool report)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	bool locked = fc & FEATURE_CONTROL_LOCK;
	bool vmx_on = fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	if (report)
		log_printf("IA32_FEATURE_CONTROL=0x%llx (lock=%u, VMX outside SMX=%u)\n", (unsigned long long)fc,
			   locked, vmx_on);
	if (locked && !vmx_on) {
		log_printf("VMX unavailable: IA32_FEATURE_CONTROL is locked with VMX disabled; "
			   "turn on Intel Virtualization Technology (VT-x) in the firmware setup\n");
		return HV_ERR_UNSUPPORTED;
	}
	if (!locked) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		if (report)
			log_printf("IA32_FEATURE_CONTROL was unlocked: set lock and VMX outside SMX (now 0x%llx)\n",
			   (unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
	}
	return HV_OK;
}

enum hv_status vmx_detect(struct vmx_msr_snapshot *msrs, struct vmx_caps *caps)
{
	struct cpuid_regs v = cpuid(0);
	char vendor[13];
	*(uint32_t *)&vendor[0] = v.ebx;
	*(uint32_t *)&vendor[4] = v.edx;
	*(uint32_t *)&vendor[8] = v.ecx;
	vendor[12] = '\0';
	uint32_t ecx = cpuid(1).ecx;
	log_printf("CPU vendor %s, CPUID.1:ECX=0x%08x, VMX=%u\n", vendor, ecx, !!(ecx & CPUID_1_ECX_VMX));
	if (!(ecx & CPUID_1_ECX_VMX)) {
		log_printf("VMX unavailable: CPUID.1:ECX.VMX[bit 5]=0: this processor (or emulator) "
			   "does not offer Intel VT-x\n");
		return HV_ERR_UNSUPPORTED;
	}
	enum hv_status st = vmx_feature_control(true);
	if (st != HV_OK)
		return st;
	read_snapshot(msrs);
	vmx_caps_decode(msrs, caps);
	report(msrs, caps);
	char missing[256];
	unsigned n = vmx_caps_missing(caps, missing, sizeof(missing));
	if (n) {
		log_printf("VMX unusable: this processor lacks %s, which the hypervisor needs\n", missing);
		return HV_ERR_UNSUPPORTED;
	}
	log_printf("VMX usable: all required features present\n");
	return HV_OK;
}
