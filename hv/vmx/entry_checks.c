/* VM-entry checks on VMX controls and host state (SDM Vol. 3C §27.2, Dec
 * 2022 ed.; see entry_checks.h). Guest state is in entry_checks_guest.c.
 *
 * Not checked, with the reason:
 *  - anything in memory: the VTPR byte against the TPR threshold, MSR-load
 *    area contents, the VMCS link pointer's target (the checker sees only
 *    the image, never guest or host memory);
 *  - fields the hypervisor does not use and VMCS_FIELD_LIST lacks: posted-
 *    interrupt vector and descriptor, PML address, VM-function controls,
 *    VMREAD/VMWRITE bitmaps, #VE information address, CET/PKRS/BNDCFGS/
 *    RTIT state, tertiary controls;
 *  - IA32_PERF_GLOBAL_CTRL reserved bits: they depend on CPUID leaf 0xA,
 *    which the snapshot does not carry. */
#include "entry_checks.h"

#include "../lib/fmt.h"

#include <stdarg.h>

#define BIT(n) (1ull << (n))

bool entry_check_fail(struct entry_check_ctx *c, const char *fmt, ...)
{
	if (c->buf && c->cap) {
		va_list ap;
		va_start(ap, fmt);
		fmt_vformat(c->buf, c->cap, fmt, ap);
		va_end(ap);
	}
	return false;
}

int entry_check_bad_pat_byte(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (unsigned)(pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return i;
	}
	return -1;
}

bool entry_check_msr_fields(struct entry_check_ctx *c, enum entry_check_side side, bool load_pat, bool load_efer)
{
	static const struct msr_fields {
		const char *who;
		enum vmcs_field sysenter_esp, sysenter_eip, pat, efer;
	} sides[] = {
		[EC_HOST] = { "host", VMCS_HOST_IA32_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_EIP, VMCS_HOST_IA32_PAT,
			      VMCS_HOST_IA32_EFER },
		[EC_GUEST] = { "guest", VMCS_GUEST_IA32_SYSENTER_ESP, VMCS_GUEST_IA32_SYSENTER_EIP, VMCS_GUEST_IA32_PAT,
			       VMCS_GUEST_IA32_EFER },
	};
	const struct msr_fields *s = &sides[side];
	uint64_t esp = ec_get(c, s->sysenter_esp), eip = ec_get(c, s->sysenter_eip);
	if (!ec_canonical(esp))
		return entry_check_fail(c, "%s SYSENTER_ESP 0x%llx is not canonical", s->who, (unsigned long long)esp);
	if (!ec_canonical(eip))
		return entry_check_fail(c, "%s SYSENTER_EIP 0x%llx is not canonical", s->who, (unsigned long long)eip);
	if (load_pat) {
		uint64_t pat = ec_get(c, s->pat);
		int i = entry_check_bad_pat_byte(pat);
		if (i >= 0)
			return entry_check_fail(c, "%s PAT 0x%llx entry %d has invalid memory type %u", s->who,
						(unsigned long long)pat, i, (unsigned)(pat >> (8 * i)) & 0xff);
	}
	/* "Bits reserved in the IA32_EFER MSR must be 0." */
	uint64_t efer = ec_get(c, s->efer);
	if (load_efer && (efer & ~EC_EFER_VALID))
		return entry_check_fail(c, "%s EFER 0x%llx sets reserved bits", s->who, (unsigned long long)efer);
	return true;
}

/* SDM Vol. 3D §A.3-§A.5: "bits 31:0 indicate the allowed 0-settings ... if
 * bit X is 1 in the MSR, the control must be 1"; "bits 63:32 indicate the
 * allowed 1-settings ... if bit 32+X is 0, the control must be 0". */
static bool check_allowed(struct entry_check_ctx *c, const char *name, uint32_t v, uint64_t cap)
{
	uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);
	if (v & ~allowed1)
		return entry_check_fail(c, "%s 0x%x set bits the CPU does not allow (allowed-1 0x%x)", name, v,
					allowed1);
	if (~v & allowed0)
		return entry_check_fail(c, "%s 0x%x clear bits the CPU requires (allowed-0 0x%x)", name, v,
					allowed0);
	return true;
}

/* A page the processor reads: "bits 11:0 of the address must be 0; the
 * address must not set any bits beyond the processor's physical-address
 * width" (SDM Vol. 3C §27.2.1.1). */
static bool check_page(struct entry_check_ctx *c, const char *what, enum vmcs_field f)
{
	uint64_t a = ec_get(c, f);
	if (a & 0xfff)
		return entry_check_fail(c, "%s 0x%llx is not 4 KB aligned", what, (unsigned long long)a);
	if (!ec_phys_ok(c, a))
		return entry_check_fail(c, "%s 0x%llx is beyond the %u-bit physical-address width", what,
					(unsigned long long)a, c->maxphyaddr);
	return true;
}

/* MSR-store/load areas (§27.2.1.2, §27.2.1.3): with a nonzero count, the
 * address is 16-byte aligned and the area's last byte is within the
 * physical-address width. The count above 512 * (VMX_MISC[27:25] + 1) is
 * not a VM-entry check, but "undefined processor behavior may result"
 * (SDM Vol. 3D §A.6), so it is refused too. */
static bool check_msr_area(struct entry_check_ctx *c, const char *what, enum vmcs_field count_f,
			   enum vmcs_field addr_f)
{
	uint32_t n = ec_get32(c, count_f);
	uint64_t a = ec_get(c, addr_f);
	uint32_t max = 512u * ((uint32_t)((c->msrs->misc >> 25) & 7) + 1);
	if (!n)
		return true;
	if (a & 0xf)
		return entry_check_fail(c, "%s address 0x%llx is not 16-byte aligned", what, (unsigned long long)a);
	if (!ec_phys_ok(c, a) || !ec_phys_ok(c, a + (uint64_t)n * 16 - 1))
		return entry_check_fail(c, "%s at 0x%llx with %u entries ends beyond the %u-bit physical-address width",
					what, (unsigned long long)a, n, c->maxphyaddr);
	if (n > max)
		return entry_check_fail(c, "%s count %u exceeds the %u the CPU supports (VMX_MISC bits 27:25)", what, n,
					max);
	return true;
}

/* SDM Vol. 3C §27.2.1.1: the EPT pointer, when "enable EPT" is 1. */
static bool check_eptp(struct entry_check_ctx *c)
{
	uint64_t eptp = ec_get(c, VMCS_EPT_POINTER), cap = c->msrs->ept_vpid_cap;
	unsigned long long e = eptp;
	unsigned type = eptp & 7, walk = (eptp >> 3) & 7;
	/* "The EPT memory type (bits 2:0) must be a value supported by the
	 * processor": UC if EPT_VPID_CAP bit 8, WB if bit 14 (§A.10). */
	if (!((type == 0 && (cap & BIT(8))) || (type == 6 && (cap & BIT(14)))))
		return entry_check_fail(c, "EPTP 0x%llx memory type %u is not supported (EPT_VPID_CAP 0x%llx)", e,
					type, (unsigned long long)cap);
	/* "Bits 5:3 (1 less than the EPT page-walk length) must indicate a
	 * supported page-walk length": 4 levels (bit 6), 5 levels (bit 7). */
	if (!((walk == 3 && (cap & BIT(6))) || (walk == 4 && (cap & BIT(7)))))
		return entry_check_fail(c, "EPTP 0x%llx page-walk length field %u is not supported (3 = 4 levels)",
					e, walk);
	/* "Bit 6 ... must be 0 if bit 21 of IA32_VMX_EPT_VPID_CAP is 0." */
	if ((eptp & BIT(6)) && !(cap & BIT(21)))
		return entry_check_fail(c, "EPTP 0x%llx enables accessed/dirty flags, which the CPU does not support",
					e);
	/* "Reserved bits 11:7 and 63:N ... must all be 0." */
	if (eptp & 0xf80)
		return entry_check_fail(c, "EPTP 0x%llx sets reserved bits 11:7", e);
	if (!ec_phys_ok(c, eptp))
		return entry_check_fail(c, "EPTP 0x%llx is beyond the %u-bit physical-address width", e,
					c->maxphyaddr);
	return true;
}

/* SDM Vol. 3C §27.2.1.1, VM-execution control fields. */
static bool check_exec_controls(struct entry_check_ctx *c)
{
	const struct vmx_msr_snapshot *m = c->msrs;
	if (!check_allowed(c, "pin-based controls", c->pin, m->pinbased) ||
	    !check_allowed(c, "processor-based controls", c->proc, m->procbased))
		return false;
	/* "If the 'activate secondary controls' ... is 1, reserved bits in the
	 * secondary ... controls must be cleared"; otherwise not checked. */
	if ((c->proc & PROC_ACTIVATE_SECONDARY) &&
	    !check_allowed(c, "secondary processor-based controls", c->proc2, m->procbased2))
		return false;
	uint32_t n = ec_get32(c, VMCS_CR3_TARGET_COUNT);
	if (n > 4) /* "The CR3-target count must not be greater than 4." */
		return entry_check_fail(c, "CR3-target count %u exceeds 4", n);
	if (c->proc & PROC_USE_IO_BITMAPS) {
		if (!check_page(c, "I/O bitmap A address", VMCS_IO_BITMAP_A) ||
		    !check_page(c, "I/O bitmap B address", VMCS_IO_BITMAP_B))
			return false;
	}
	if ((c->proc & PROC_USE_MSR_BITMAPS) && !check_page(c, "MSR bitmap address", VMCS_MSR_BITMAP))
		return false;
	if (c->proc & PROC_USE_TPR_SHADOW) {
		if (!check_page(c, "virtual-APIC page address", VMCS_VIRTUAL_APIC_PAGE_ADDR))
			return false;
		uint32_t tpr = ec_get32(c, VMCS_TPR_THRESHOLD);
		/* "If 'virtual-interrupt delivery' is 0, bits 31:4 of the TPR
		 * threshold field must be 0." */
		if (!(c->proc2 & SECONDARY_VIRTUAL_INTERRUPT_DELIVERY) && (tpr & ~0xfu))
			return entry_check_fail(c, "TPR threshold 0x%x sets bits 31:4", tpr);
	} else if (c->proc2 & (SECONDARY_VIRTUALIZE_X2APIC | SECONDARY_APIC_REGISTER_VIRTUALIZATION | SECONDARY_VIRTUAL_INTERRUPT_DELIVERY)) {
		/* "If 'use TPR shadow' is 0, the following ... must also be 0:
		 * 'virtualize x2APIC mode', 'APIC-register virtualization', and
		 * 'virtual-interrupt delivery'." */
		return entry_check_fail(c, "secondary controls 0x%x virtualize the APIC without \"use TPR shadow\"",
					c->proc2);
	}
	if ((c->pin & PIN_VIRTUAL_NMIS) && !(c->pin & PIN_NMI_EXITING))
		return entry_check_fail(c, "\"virtual NMIs\" requires \"NMI exiting\"");
	if ((c->proc & PROC_NMI_WINDOW_EXITING) && !(c->pin & PIN_VIRTUAL_NMIS))
		return entry_check_fail(c, "\"NMI-window exiting\" requires \"virtual NMIs\"");
	if ((c->proc2 & SECONDARY_VIRTUALIZE_APIC_ACCESSES) && !check_page(c, "APIC-access address", VMCS_APIC_ACCESS_ADDR))
		return false;
	if ((c->proc2 & SECONDARY_VIRTUALIZE_X2APIC) && (c->proc2 & SECONDARY_VIRTUALIZE_APIC_ACCESSES))
		return entry_check_fail(c, "\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" are both 1");
	if ((c->proc2 & SECONDARY_VIRTUAL_INTERRUPT_DELIVERY) && !(c->pin & PIN_EXTERNAL_INTERRUPT_EXITING))
		return entry_check_fail(c, "\"virtual-interrupt delivery\" requires \"external-interrupt exiting\"");
	if (c->pin & PIN_POSTED_INTERRUPTS) {
		if (!(c->proc2 & SECONDARY_VIRTUAL_INTERRUPT_DELIVERY))
			return entry_check_fail(c, "\"process posted interrupts\" requires "
						   "\"virtual-interrupt delivery\"");
		if (!(c->exit & EXIT_ACK_INTERRUPT_ON_EXIT))
			return entry_check_fail(c, "\"process posted interrupts\" requires "
						   "\"acknowledge interrupt on exit\"");
	}
	/* "If the 'enable VPID' ... is 1, the value of the VPID ... must not be
	 * 0000H": VPID 0 is the one VMX root operation uses. */
	if ((c->proc2 & SECONDARY_ENABLE_VPID) && (uint16_t)ec_get(c, VMCS_VPID) == 0)
		return entry_check_fail(c, "\"enable VPID\" is 1 with VPID 0");
	if ((c->proc2 & SECONDARY_ENABLE_EPT) && !check_eptp(c))
		return false;
	if (!(c->proc2 & SECONDARY_ENABLE_EPT)) {
		static const struct {
			uint32_t bit;
			const char *name;
		} need_ept[] = {
			{ SECONDARY_ENABLE_PML, "enable PML" },
			{ SECONDARY_UNRESTRICTED_GUEST, "unrestricted guest" },
			{ SECONDARY_MODE_BASED_EPT_EXECUTE, "mode-based execute control for EPT" },
			{ SECONDARY_SUBPAGE_WRITE_PERMISSIONS, "sub-page write permissions for EPT" },
		};
		for (size_t i = 0; i < sizeof(need_ept) / sizeof(need_ept[0]); i++)
			if (c->proc2 & need_ept[i].bit)
				return entry_check_fail(c, "\"%s\" requires \"enable EPT\"", need_ept[i].name);
	}
	return true;
}

/* SDM Vol. 3C §27.2.1.2, VM-exit control fields. */
static bool check_exit_controls(struct entry_check_ctx *c)
{
	if (!check_allowed(c, "VM-exit controls", c->exit, c->msrs->exit))
		return false;
	/* "If 'activate VMX-preemption timer' is 0, 'save VMX-preemption timer
	 * value' must also be 0." */
	if ((c->exit & EXIT_SAVE_PREEMPTION_TIMER) && !(c->pin & PIN_ACTIVATE_PREEMPTION_TIMER))
		return entry_check_fail(c, "\"save VMX-preemption timer value\" requires "
					   "\"activate VMX-preemption timer\"");
	return check_msr_area(c, "VM-exit MSR-store", VMCS_VMEXIT_MSR_STORE_COUNT, VMCS_VMEXIT_MSR_STORE_ADDR) &&
	       check_msr_area(c, "VM-exit MSR-load", VMCS_VMEXIT_MSR_LOAD_COUNT, VMCS_VMEXIT_MSR_LOAD_ADDR);
}

/* Vectors that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP
 * (SDM Vol. 3A §6.15; #CP since CET). */
static bool vector_has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/* SDM Vol. 3C §27.2.1.3, event injection, when the valid bit is 1. */
static bool check_injection(struct entry_check_ctx *c, uint32_t info)
{
	unsigned type = INTR_INFO_TYPE(info), vec = INTR_INFO_VECTOR(info);
	bool mtf = (c->msrs->procbased >> 32) & PROC_MONITOR_TRAP_FLAG;
	/* "Value 1 is reserved on all logical processors; value 7 (other
	 * event) is reserved on [those without] 'monitor trap flag'." */
	if (type == 1 || (type == INTR_TYPE_OTHER && !mtf))
		return entry_check_fail(c, "VM-entry interruption info 0x%x has reserved type %u", info, type);
	if (type == INTR_TYPE_NMI && vec != 2)
		return entry_check_fail(c, "VM-entry interruption info 0x%x injects an NMI with vector %u (must be 2)",
					info, vec);
	if (type == INTR_TYPE_HARDWARE_EXCEPTION && vec > 31)
		return entry_check_fail(c, "VM-entry interruption info 0x%x injects hardware exception "
					   "vector %u (> 31)", info, vec);
	if (type == INTR_TYPE_OTHER && vec != 0)
		return entry_check_fail(c, "VM-entry interruption info 0x%x has type 7 with vector %u (must be 0)",
					info, vec);
	/* The error code goes with a hardware exception in protected mode
	 * ("'unrestricted guest' is 0 or bit 0 in the CR0 field is 1") and,
	 * unless IA32_VMX_BASIC bit 56 lifts the rule, exactly with the
	 * vectors that push one. */
	bool has_ec = info & INTR_INFO_ERROR_CODE;
	bool prot = !(c->proc2 & SECONDARY_UNRESTRICTED_GUEST) || (ec_get(c, VMCS_GUEST_CR0) & CR0_PE);
	if (has_ec && (!prot || type != INTR_TYPE_HARDWARE_EXCEPTION))
		return entry_check_fail(c, "VM-entry interruption info 0x%x delivers an error code with type %u%s",
					info, type, prot ? "" : " to a real-mode guest");
	if (prot && type == INTR_TYPE_HARDWARE_EXCEPTION && !(c->msrs->basic & BIT(56)) && has_ec != vector_has_error_code(vec))
		return entry_check_fail(c, "VM-entry interruption info 0x%x %s an error code for vector %u", info,
					has_ec ? "delivers" : "lacks", vec);
	if (info & 0x7ffff000u) /* "Reserved bits 30:12 must be 0." */
		return entry_check_fail(c, "VM-entry interruption info 0x%x sets reserved bits 30:12", info);
	uint32_t ec = ec_get32(c, VMCS_VMENTRY_EXCEPTION_ERROR_CODE);
	if (has_ec && (ec & 0xffff0000u))
		return entry_check_fail(c, "VM-entry exception error code 0x%x sets bits 31:16", ec);
	/* Software interrupts and exceptions: "the VM-entry instruction-length
	 * field must be in the range 0-15. A VM-entry instruction length of 0
	 * is allowed only if IA32_VMX_MISC[30] is read as 1". */
	if (type == INTR_TYPE_SOFTWARE_INTERRUPT || type == INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION || type == INTR_TYPE_SOFTWARE_EXCEPTION) {
		uint32_t len = ec_get32(c, VMCS_VMENTRY_INSTRUCTION_LENGTH);
		if (len > 15 || (len == 0 && !(c->msrs->misc & BIT(30))))
			return entry_check_fail(c, "VM-entry instruction length %u is not allowed for event type %u",
						len, type);
	}
	return true;
}

/* SDM Vol. 3C §27.2.1.3, VM-entry control fields. */
static bool check_entry_controls(struct entry_check_ctx *c)
{
	if (!check_allowed(c, "VM-entry controls", c->entry, c->msrs->entry))
		return false;
	uint32_t info = ec_get32(c, VMCS_VMENTRY_INTERRUPTION_INFO);
	if ((info & INTR_INFO_VALID) && !check_injection(c, info))
		return false;
	if (!check_msr_area(c, "VM-entry MSR-load", VMCS_VMENTRY_MSR_LOAD_COUNT, VMCS_VMENTRY_MSR_LOAD_ADDR))
		return false;
	/* "'entry to SMM' and 'deactivate dual-monitor treatment' ... must be 0
	 * outside SMM"; the hypervisor never runs in SMM. */
	if (c->entry & (ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR))
		return entry_check_fail(c, "VM-entry controls 0x%x set SMM-only controls (bits 10, 11) outside SMM",
					c->entry);
	return true;
}

/* CR0/CR4 against FIXED0 (bits that must be 1) and FIXED1 (bits that may be
 * 1): SDM Vol. 3D §A.7, §A.8. */
bool entry_check_fixed(struct entry_check_ctx *c, const char *name, uint64_t v, uint64_t fixed0,
			uint64_t fixed1)
{
	if (~v & fixed0)
		return entry_check_fail(c, "%s 0x%llx clears bits 0x%llx that the CPU requires", name,
					(unsigned long long)v, (unsigned long long)(~v & fixed0));
	if (v & ~fixed1)
		return entry_check_fail(c, "%s 0x%llx sets bits 0x%llx that the CPU does not allow", name,
					(unsigned long long)v, (unsigned long long)(v & ~fixed1));
	return true;
}

/* SDM Vol. 3C §27.2.2, host control registers and MSRs. */
static bool check_host_regs(struct entry_check_ctx *c)
{
	const struct vmx_msr_snapshot *m = c->msrs;
	uint64_t cr0 = ec_get(c, VMCS_HOST_CR0), cr4 = ec_get(c, VMCS_HOST_CR4), cr3 = ec_get(c, VMCS_HOST_CR3);
	if (!entry_check_fixed(c, "host CR0", cr0, m->cr0_fixed0, m->cr0_fixed1) ||
	    !entry_check_fixed(c, "host CR4", cr4, m->cr4_fixed0, m->cr4_fixed1))
		return false;
	if ((cr4 & CR4_CET) && !(cr0 & CR0_WP))
		return entry_check_fail(c, "host CR4.CET=1 requires CR0.WP=1");
	if (!ec_phys_ok(c, cr3))
		return entry_check_fail(c, "host CR3 0x%llx is beyond the %u-bit physical-address width",
					(unsigned long long)cr3, c->maxphyaddr);
	if (!entry_check_msr_fields(c, EC_HOST, c->exit & EXIT_LOAD_PAT, c->exit & EXIT_LOAD_EFER))
		return false;
	if (c->exit & EXIT_LOAD_EFER) {
		/* "Bit 10 (LMA) [and] bit 8 (LME) must each be the same as the
		 * 'host address-space size' VM-exit control." */
		uint64_t efer = ec_get(c, VMCS_HOST_IA32_EFER);
		unsigned host64 = !!(c->exit & EXIT_HOST_ADDRESS_SPACE_SIZE);
		if (!!(efer & EFER_LMA) != host64)
			return entry_check_fail(c, "host EFER.LMA=%u does not match host address-space size=%u",
						!!(efer & EFER_LMA), host64);
		if (!!(efer & EFER_LME) != host64)
			return entry_check_fail(c, "host EFER.LME=%u does not match host address-space size=%u",
						!!(efer & EFER_LME), host64);
	}
	return true;
}

/* SDM Vol. 3C §27.2.2, host segment and descriptor-table registers. */
static bool check_host_segments(struct entry_check_ctx *c)
{
	static const struct {
		enum vmcs_field f;
		const char *name;
	} sel[] = {
		{ VMCS_HOST_ES_SELECTOR, "ES" }, { VMCS_HOST_CS_SELECTOR, "CS" }, { VMCS_HOST_SS_SELECTOR, "SS" },
		{ VMCS_HOST_DS_SELECTOR, "DS" }, { VMCS_HOST_FS_SELECTOR, "FS" }, { VMCS_HOST_GS_SELECTOR, "GS" },
		{ VMCS_HOST_TR_SELECTOR, "TR" },
	};
	static const struct {
		enum vmcs_field f;
		const char *name;
	} base[] = {
		{ VMCS_HOST_FS_BASE, "FS" },     { VMCS_HOST_GS_BASE, "GS" },     { VMCS_HOST_GDTR_BASE, "GDTR" },
		{ VMCS_HOST_IDTR_BASE, "IDTR" }, { VMCS_HOST_TR_BASE, "TR" },
	};
	/* "the RPL (bits 1:0) and the TI flag (bit 2) must be 0": VM exit loads
	 * the host selectors without reading any descriptor. */
	for (size_t i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		unsigned s = (uint16_t)ec_get(c, sel[i].f);
		if (s & 7)
			return entry_check_fail(c, "host %s selector 0x%x has RPL or TI set", sel[i].name, s);
	}
	if ((uint16_t)ec_get(c, VMCS_HOST_CS_SELECTOR) == 0)
		return entry_check_fail(c, "host CS selector is 0");
	if ((uint16_t)ec_get(c, VMCS_HOST_TR_SELECTOR) == 0)
		return entry_check_fail(c, "host TR selector is 0");
	if (!(c->exit & EXIT_HOST_ADDRESS_SPACE_SIZE) && (uint16_t)ec_get(c, VMCS_HOST_SS_SELECTOR) == 0)
		return entry_check_fail(c, "host SS selector is 0 with host address-space size=0");
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		uint64_t b = ec_get(c, base[i].f);
		if (!ec_canonical(b))
			return entry_check_fail(c, "host %s base 0x%llx is not canonical", base[i].name,
						(unsigned long long)b);
	}
	return true;
}

/* SDM Vol. 3C §27.2.3, address-space size. "If the logical processor is in
 * IA-32e mode ... the 'host address-space size' VM-exit control must be
 * 1". hv.efi always runs in IA-32e mode (UEFI x64), so the rules for a
 * 32-bit host (no IA-32e mode guest, CR4.PCIDE=0, RIP below 4 GB) never
 * apply. */
static bool check_host_address_space(struct entry_check_ctx *c)
{
	if (!(c->exit & EXIT_HOST_ADDRESS_SPACE_SIZE))
		return entry_check_fail(c, "host address-space size=0, but the hypervisor runs in IA-32e mode");
	if (!(ec_get(c, VMCS_HOST_CR4) & CR4_PAE))
		return entry_check_fail(c, "host address-space size=1 requires host CR4.PAE=1");
	uint64_t rip = ec_get(c, VMCS_HOST_RIP);
	if (!ec_canonical(rip))
		return entry_check_fail(c, "host RIP 0x%llx is not canonical", (unsigned long long)rip);
	return true;
}

const char *vmentry_check(const struct vmcs_image *img, const struct entry_check_env *env, char *buf,
			  size_t cap)
{
	static const char no_buffer[] = "VM-entry check failed (no message buffer)";
	static const char no_input[] = "VM-entry check: no VMCS image or capability snapshot";
	if (!img || !env || !env->msrs)
		return no_input;
	struct entry_check_ctx c = {
		.img = img,
		.msrs = env->msrs,
		/* SDM Vol. 3A §4.1.4: without CPUID 0x80000008, MAXPHYADDR is 36. */
		.maxphyaddr = env->maxphyaddr ? env->maxphyaddr : 36,
		.buf = buf,
		.cap = cap,
		.pin = (uint32_t)vmcs_image_get(img, VMCS_PIN_BASED_CONTROLS),
		.proc = (uint32_t)vmcs_image_get(img, VMCS_PROC_BASED_CONTROLS),
		.exit = (uint32_t)vmcs_image_get(img, VMCS_VMEXIT_CONTROLS),
		.entry = (uint32_t)vmcs_image_get(img, VMCS_VMENTRY_CONTROLS),
	};
	if (c.proc & PROC_ACTIVATE_SECONDARY)
		c.proc2 = (uint32_t)vmcs_image_get(img, VMCS_SECONDARY_PROC_BASED_CONTROLS);
	if (check_exec_controls(&c) && check_exit_controls(&c) && check_entry_controls(&c) &&
	    check_host_regs(&c) && check_host_segments(&c) && check_host_address_space(&c) &&
	    entry_check_guest(&c))
		return NULL;
	return buf && cap ? buf : no_buffer;
}
