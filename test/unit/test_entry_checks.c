/* VM-entry checks (SDM Vol. 3C §27.2-§27.3, Dec 2022 ed.): a valid 64-bit
 * image as UEFI firmware leaves the processor, then one broken field per
 * rule with the exact message expected, then valid real-mode (unrestricted
 * guest), 32-bit, virtual-8086 and ring-3 images. Capability MSRs: the
 * Bochs 2.7 fixture (cpu model=tigerlake). */
#include "hv/vmx/entry_checks.h"
#include "unit.h"

#define BIT(n) (1ull << (n))

static struct vmx_msr_snapshot bochs(void)
{
	struct vmx_msr_snapshot m = { 0 };
	m.basic = 0x01d8100000000004ull;
	m.pinbased = 0x0000007f00000016ull;
	m.procbased = 0xfff9fffe04006172ull;
	m.procbased2 = 0x02977fff00000000ull;
	m.exit = 0x107fffff00036dfbull;
	m.entry = 0x0010ffff000011fbull;
	m.misc = 0x00000000600401e0ull;
	m.ept_vpid_cap = 0x00000f0106b34141ull;
	m.cr0_fixed0 = 0x80000021ull;
	m.cr0_fixed1 = 0xffffffffull;
	m.cr4_fixed0 = 0x2000ull;
	m.cr4_fixed1 = 0x3727ffull;
	return m;
}

/* Controls of the valid 64-bit image: allowed-0 bits plus MSR bitmaps and
 * secondary controls; EPT and VPID; host address-space size and load EFER;
 * load debug controls, IA-32e mode guest and load EFER. */
#define PIN0   0x16u
#define PROC0  0x94006172u
#define PROC2  0x22u
#define UG     0x80u
#define EXIT0  0x236ffbu
#define ENTRY0 0x93ffu
#define IA32E  0x200u

static void put_seg(struct vmcs_image *img, enum vmcs_field sel, uint16_t s, uint64_t base, uint32_t limit,
		    uint32_t ar)
{
	/* Selector, base, limit and access rights are each a separate run of
	 * the field list, in the order ES CS SS DS FS GS LDTR TR. */
	unsigned i = sel - VMCS_GUEST_ES_SELECTOR;
	vmcs_image_put(img, sel, s);
	vmcs_image_put(img, (enum vmcs_field)(VMCS_GUEST_ES_BASE + i), base);
	vmcs_image_put(img, (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + i), limit);
	vmcs_image_put(img, (enum vmcs_field)(VMCS_GUEST_ES_ACCESS_RIGHTS + i), ar);
}

/* What OVMF leaves: long mode, flat segments, CS 0x38, no LDT; TR made a
 * busy 64-bit TSS because VM entry requires one. The host is hv.efi. */
static void valid64(struct vmcs_image *img)
{
	*img = (struct vmcs_image){ 0 };
	vmcs_image_put(img, VMCS_PIN_BASED_CONTROLS, PIN0);
	vmcs_image_put(img, VMCS_PROC_BASED_CONTROLS, PROC0);
	vmcs_image_put(img, VMCS_SECONDARY_PROC_BASED_CONTROLS, PROC2);
	vmcs_image_put(img, VMCS_VMEXIT_CONTROLS, EXIT0);
	vmcs_image_put(img, VMCS_VMENTRY_CONTROLS, ENTRY0);
	vmcs_image_put(img, VMCS_MSR_BITMAP, 0x2000000);
	vmcs_image_put(img, VMCS_VPID, 1);
	vmcs_image_put(img, VMCS_EPT_POINTER, 0x1000001e); /* WB, 4 levels */
	vmcs_image_put(img, VMCS_HOST_CR0, 0x80010033);
	vmcs_image_put(img, VMCS_HOST_CR3, 0x3000000);
	vmcs_image_put(img, VMCS_HOST_CR4, 0x2668);
	vmcs_image_put(img, VMCS_HOST_IA32_EFER, 0xd00);
	vmcs_image_put(img, VMCS_HOST_CS_SELECTOR, 0x38);
	vmcs_image_put(img, VMCS_HOST_SS_SELECTOR, 0x30);
	vmcs_image_put(img, VMCS_HOST_DS_SELECTOR, 0x30);
	vmcs_image_put(img, VMCS_HOST_ES_SELECTOR, 0x30);
	vmcs_image_put(img, VMCS_HOST_FS_SELECTOR, 0x30);
	vmcs_image_put(img, VMCS_HOST_GS_SELECTOR, 0x30);
	vmcs_image_put(img, VMCS_HOST_TR_SELECTOR, 0x40);
	vmcs_image_put(img, VMCS_HOST_TR_BASE, 0x3f000000);
	vmcs_image_put(img, VMCS_HOST_GDTR_BASE, 0x3f001000);
	vmcs_image_put(img, VMCS_HOST_IDTR_BASE, 0x3f002000);
	vmcs_image_put(img, VMCS_HOST_GS_BASE, 0xffff800000000000ull);
	vmcs_image_put(img, VMCS_HOST_RSP, 0x3f010000);
	vmcs_image_put(img, VMCS_HOST_RIP, 0x3e000000);
	vmcs_image_put(img, VMCS_GUEST_CR0, 0x80010033);
	vmcs_image_put(img, VMCS_GUEST_CR3, 0x7fc01000);
	vmcs_image_put(img, VMCS_GUEST_CR4, 0x2668);
	vmcs_image_put(img, VMCS_GUEST_IA32_EFER, 0xd00);
	vmcs_image_put(img, VMCS_GUEST_DR7, 0x400);
	put_seg(img, VMCS_GUEST_CS_SELECTOR, 0x38, 0, 0xffffffff, 0xa09b);
	put_seg(img, VMCS_GUEST_SS_SELECTOR, 0x30, 0, 0xffffffff, 0xc093);
	put_seg(img, VMCS_GUEST_DS_SELECTOR, 0x30, 0, 0xffffffff, 0xc093);
	put_seg(img, VMCS_GUEST_ES_SELECTOR, 0x30, 0, 0xffffffff, 0xc093);
	put_seg(img, VMCS_GUEST_FS_SELECTOR, 0x30, 0, 0xffffffff, 0xc093);
	put_seg(img, VMCS_GUEST_GS_SELECTOR, 0x30, 0, 0xffffffff, 0xc093);
	put_seg(img, VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, 0x10000);
	put_seg(img, VMCS_GUEST_TR_SELECTOR, 0, 0, 0x67, 0x8b);
	vmcs_image_put(img, VMCS_GUEST_GDTR_BASE, 0x7f9ee698);
	vmcs_image_put(img, VMCS_GUEST_GDTR_LIMIT, 0x47);
	vmcs_image_put(img, VMCS_GUEST_IDTR_BASE, 0x7f2f1018);
	vmcs_image_put(img, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	vmcs_image_put(img, VMCS_GUEST_RSP, 0x7fe8f8b8);
	vmcs_image_put(img, VMCS_GUEST_RIP, 0x7e5a1234);
	vmcs_image_put(img, VMCS_GUEST_RFLAGS, 0x2);
	vmcs_image_put(img, VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_image_put(img, VMCS_VMCS_LINK_POINTER, ~0ull);
}

/* Processor reset state under "unrestricted guest" (SDM Vol. 3A §9.1.1):
 * real mode, CS F000:FFF0 with base 0xF0000, waiting for a SIPI as an
 * application processor does. CR0.NE stays 1: CR0_FIXED0 requires it even
 * when PE and PG are relaxed. */
static void valid_real(struct vmcs_image *img)
{
	valid64(img);
	vmcs_image_put(img, VMCS_SECONDARY_PROC_BASED_CONTROLS, PROC2 | UG);
	vmcs_image_put(img, VMCS_VMENTRY_CONTROLS, ENTRY0 & ~IA32E);
	vmcs_image_put(img, VMCS_GUEST_CR0, 0x30);
	vmcs_image_put(img, VMCS_GUEST_CR3, 0);
	vmcs_image_put(img, VMCS_GUEST_CR4, 0x2000);
	vmcs_image_put(img, VMCS_GUEST_IA32_EFER, 0);
	put_seg(img, VMCS_GUEST_CS_SELECTOR, 0xf000, 0xf0000, 0xffff, 0x9b);
	put_seg(img, VMCS_GUEST_SS_SELECTOR, 0, 0, 0xffff, 0x93);
	put_seg(img, VMCS_GUEST_DS_SELECTOR, 0, 0, 0xffff, 0x93);
	put_seg(img, VMCS_GUEST_ES_SELECTOR, 0, 0, 0xffff, 0x93);
	put_seg(img, VMCS_GUEST_FS_SELECTOR, 0, 0, 0xffff, 0x93);
	put_seg(img, VMCS_GUEST_GS_SELECTOR, 0, 0, 0xffff, 0x93);
	put_seg(img, VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	put_seg(img, VMCS_GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x8b);
	vmcs_image_put(img, VMCS_GUEST_GDTR_BASE, 0);
	vmcs_image_put(img, VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_image_put(img, VMCS_GUEST_IDTR_BASE, 0);
	vmcs_image_put(img, VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_image_put(img, VMCS_GUEST_RIP, 0xfff0);
	vmcs_image_put(img, VMCS_GUEST_ACTIVITY_STATE, 3);
}

/* 32-bit protected mode with PAE paging, a busy 32-bit TSS. */
static void valid32(struct vmcs_image *img)
{
	valid64(img);
	vmcs_image_put(img, VMCS_VMENTRY_CONTROLS, ENTRY0 & ~IA32E);
	vmcs_image_put(img, VMCS_GUEST_IA32_EFER, 0x800);
	vmcs_image_put(img, VMCS_GUEST_CS_ACCESS_RIGHTS, 0xc09b);
}

/* Virtual-8086 mode inside the 32-bit guest: 0xF3 segments, 64 KB limits,
 * base = selector << 4. */
static void valid_vm86(struct vmcs_image *img)
{
	valid32(img);
	put_seg(img, VMCS_GUEST_CS_SELECTOR, 0x1000, 0x10000, 0xffff, 0xf3);
	put_seg(img, VMCS_GUEST_SS_SELECTOR, 0x2000, 0x20000, 0xffff, 0xf3);
	put_seg(img, VMCS_GUEST_DS_SELECTOR, 0, 0, 0xffff, 0xf3);
	put_seg(img, VMCS_GUEST_ES_SELECTOR, 0, 0, 0xffff, 0xf3);
	put_seg(img, VMCS_GUEST_FS_SELECTOR, 0, 0, 0xffff, 0xf3);
	put_seg(img, VMCS_GUEST_GS_SELECTOR, 0, 0, 0xffff, 0xf3);
	vmcs_image_put(img, VMCS_GUEST_RIP, 0x100);
	vmcs_image_put(img, VMCS_GUEST_RFLAGS, 0x20002);
}

/* Ring 3 in 64-bit mode: user CS/SS from a Linux-style GDT. */
static void valid_user(struct vmcs_image *img)
{
	valid64(img);
	put_seg(img, VMCS_GUEST_CS_SELECTOR, 0x33, 0, 0xffffffff, 0xa0fb);
	put_seg(img, VMCS_GUEST_SS_SELECTOR, 0x2b, 0, 0xffffffff, 0xc0f3);
	put_seg(img, VMCS_GUEST_DS_SELECTOR, 0x2b, 0, 0xffffffff, 0xc0f3);
	put_seg(img, VMCS_GUEST_ES_SELECTOR, 0x2b, 0, 0xffffffff, 0xc0f3);
}

enum base { B64, BREAL, B32, BVM86, BUSER };

static void build(struct vmcs_image *img, enum base b)
{
	static void (*const builders[])(struct vmcs_image *) = { valid64, valid_real, valid32, valid_vm86,
								  valid_user };
	builders[b](img);
}

static const char *check(const struct vmcs_image *img, const struct vmx_msr_snapshot *m, char *buf, size_t cap)
{
	struct entry_check_env env = { .msrs = m, .maxphyaddr = 40 };
	return vmentry_check(img, &env, buf, cap);
}

struct put {
	enum vmcs_field f;
	uint64_t v;
};

struct breakage {
	int line;
	enum base base;
	const char *expect; /* NULL: the image must pass */
	struct put p[4];
	size_t n;
};

#define P(f, v) { VMCS_##f, (v) }
#define CASE(base, msg, ...)                                                                                   \
	{ __LINE__, base, msg, { __VA_ARGS__ }, sizeof((struct put[]){ __VA_ARGS__ }) / sizeof(struct put) }

/* One rule each, in the module's order; msg is the exact message. */
static const struct breakage cases[] = {
	/* §27.2.1.1 VM-execution control fields */
	CASE(B64, "pin-based controls 0x80000016 set bits the CPU does not allow (allowed-1 0x7f)",
	     P(PIN_BASED_CONTROLS, PIN0 | BIT(31))),
	CASE(B64, "pin-based controls 0x6 clear bits the CPU requires (allowed-0 0x16)", P(PIN_BASED_CONTROLS, 0x6)),
	CASE(B64, "processor-based controls 0x94026172 set bits the CPU does not allow (allowed-1 0xfff9fffe)",
	     P(PROC_BASED_CONTROLS, PROC0 | BIT(17))),
	CASE(B64, "secondary processor-based controls 0x80000022 set bits the CPU does not allow (allowed-1 0x2977fff)",
	     P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(31))),
	/* Secondary controls are ignored while "activate secondary controls"
	 * is 0 (§25.6.2): neither their reserved bits nor EPT/VPID count. */
	CASE(B64, NULL, P(SECONDARY_PROC_BASED_CONTROLS, 0xffffffff), P(PROC_BASED_CONTROLS, PROC0 & ~BIT(31))),
	CASE(B64, "CR3-target count 5 exceeds 4", P(CR3_TARGET_COUNT, 5)),
	CASE(B64, "I/O bitmap A address 0x1000800 is not 4 KB aligned", P(PROC_BASED_CONTROLS, PROC0 | BIT(25)),
	     P(IO_BITMAP_A, 0x1000800)),
	CASE(B64, "I/O bitmap B address 0x10000000000 is beyond the 40-bit physical-address width",
	     P(PROC_BASED_CONTROLS, PROC0 | BIT(25)), P(IO_BITMAP_A, 0x1000000), P(IO_BITMAP_B, BIT(40))),
	CASE(B64, NULL, P(IO_BITMAP_A, 0x123)), /* unused without "use I/O bitmaps" */
	CASE(B64, "MSR bitmap address 0x2000010 is not 4 KB aligned", P(MSR_BITMAP, 0x2000010)),
	CASE(B64, "virtual-APIC page address 0x4000004 is not 4 KB aligned", P(PROC_BASED_CONTROLS, PROC0 | BIT(21)),
	     P(VIRTUAL_APIC_PAGE_ADDR, 0x4000004)),
	CASE(B64, "TPR threshold 0x10 sets bits 31:4", P(PROC_BASED_CONTROLS, PROC0 | BIT(21)),
	     P(VIRTUAL_APIC_PAGE_ADDR, 0x4000000), P(TPR_THRESHOLD, 0x10)),
	CASE(B64, "secondary controls 0x32 virtualize the APIC without \"use TPR shadow\"",
	     P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(4))),
	CASE(B64, "\"virtual NMIs\" requires \"NMI exiting\"", P(PIN_BASED_CONTROLS, PIN0 | BIT(5))),
	CASE(B64, "\"NMI-window exiting\" requires \"virtual NMIs\"", P(PROC_BASED_CONTROLS, PROC0 | BIT(22))),
	CASE(B64, "APIC-access address 0x123 is not 4 KB aligned", P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(0)),
	     P(APIC_ACCESS_ADDR, 0x123)),
	CASE(B64, "\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" are both 1",
	     P(PROC_BASED_CONTROLS, PROC0 | BIT(21)), P(VIRTUAL_APIC_PAGE_ADDR, 0x4000000),
	     P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(0) | BIT(4)), P(APIC_ACCESS_ADDR, 0x5000000)),
	CASE(B64, "\"virtual-interrupt delivery\" requires \"external-interrupt exiting\"",
	     P(PROC_BASED_CONTROLS, PROC0 | BIT(21)), P(VIRTUAL_APIC_PAGE_ADDR, 0x4000000),
	     P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(9))),
	CASE(B64, "\"enable VPID\" is 1 with VPID 0", P(VPID, 0)),
	CASE(B64, "EPTP 0x10000019 memory type 1 is not supported (EPT_VPID_CAP 0xf0106b34141)",
	     P(EPT_POINTER, 0x10000019)),
	CASE(B64, NULL, P(EPT_POINTER, 0x10000018)), /* UC: EPT_VPID_CAP bit 8 */
	CASE(B64, "EPTP 0x10000026 page-walk length field 4 is not supported (3 = 4 levels)",
	     P(EPT_POINTER, 0x10000026)),
	CASE(B64, NULL, P(EPT_POINTER, 0x1000005e)), /* A/D flags: EPT_VPID_CAP bit 21 */
	CASE(B64, "EPTP 0x1000009e sets reserved bits 11:7", P(EPT_POINTER, 0x1000009e)),
	CASE(B64, "EPTP 0x1000000001e is beyond the 40-bit physical-address width", P(EPT_POINTER, 0x1000000001eull)),
	CASE(B64, "\"unrestricted guest\" requires \"enable EPT\"", P(SECONDARY_PROC_BASED_CONTROLS, 0x20 | UG)),
	/* §27.2.1.2 VM-exit control fields */
	CASE(B64, "VM-exit controls 0x80236ffb set bits the CPU does not allow (allowed-1 0x107fffff)",
	     P(VMEXIT_CONTROLS, EXIT0 | BIT(31))),
	CASE(B64, "\"save VMX-preemption timer value\" requires \"activate VMX-preemption timer\"",
	     P(VMEXIT_CONTROLS, EXIT0 | BIT(22))),
	CASE(B64, "VM-exit MSR-store address 0x1008 is not 16-byte aligned", P(VMEXIT_MSR_STORE_COUNT, 1),
	     P(VMEXIT_MSR_STORE_ADDR, 0x1008)),
	CASE(B64, "VM-exit MSR-load at 0xfffffffff0 with 2 entries ends beyond the 40-bit physical-address width",
	     P(VMEXIT_MSR_LOAD_COUNT, 2), P(VMEXIT_MSR_LOAD_ADDR, 0xfffffffff0ull)),
	/* §27.2.1.3 VM-entry control fields */
	CASE(B64, "VM-entry controls 0x93fe clear bits the CPU requires (allowed-0 0x11fb)",
	     P(VMENTRY_CONTROLS, ENTRY0 & ~1u)),
	CASE(B64, "VM-entry interruption info 0x80000100 has reserved type 1",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000100)),
	CASE(B64, "VM-entry interruption info 0x80000203 injects an NMI with vector 3 (must be 2)",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000203)),
	CASE(B64, "VM-entry interruption info 0x80000320 injects hardware exception vector 32 (> 31)",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000320)),
	CASE(B64, "VM-entry interruption info 0x80000701 has type 7 with vector 1 (must be 0)",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000701)),
	CASE(B64, "VM-entry interruption info 0x80000820 delivers an error code with type 0",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000820), P(GUEST_RFLAGS, 0x202)),
	CASE(BREAL, "VM-entry interruption info 0x80000b0d delivers an error code with type 3 to a real-mode guest",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000b0d)),
	/* IA32_VMX_BASIC bit 56 (set in the fixture) lifts the vector rule. */
	CASE(B64, NULL, P(VMENTRY_INTERRUPTION_INFO, 0x8000030d)),
	CASE(B64, "VM-entry interruption info 0x80001020 sets reserved bits 30:12",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80001020)),
	CASE(B64, "VM-entry exception error code 0x10000 sets bits 31:16", P(VMENTRY_INTERRUPTION_INFO, 0x80000b0e),
	     P(VMENTRY_EXCEPTION_ERROR_CODE, 0x10000)),
	CASE(B64, "VM-entry instruction length 16 is not allowed for event type 4",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000480), P(VMENTRY_INSTRUCTION_LENGTH, 16)),
	CASE(B64, NULL, P(VMENTRY_INTERRUPTION_INFO, 0x80000480), P(VMENTRY_INSTRUCTION_LENGTH, 2)),
	CASE(B64, "VM-entry MSR-load count 513 exceeds the 512 the CPU supports (VMX_MISC bits 27:25)",
	     P(VMENTRY_MSR_LOAD_COUNT, 513), P(VMENTRY_MSR_LOAD_ADDR, 0x100000)),
	CASE(B64, "VM-entry controls 0x97ff set SMM-only controls (bits 10, 11) outside SMM",
	     P(VMENTRY_CONTROLS, ENTRY0 | BIT(10))),
	/* §27.2.2 host state */
	CASE(B64, "host CR0 0x80010032 clears bits 0x1 that the CPU requires", P(HOST_CR0, 0x80010032)),
	CASE(B64, "host CR4 0x2e68 sets bits 0x800 that the CPU does not allow", P(HOST_CR4, 0x2e68)),
	CASE(B64, "host CR3 0x10000000000 is beyond the 40-bit physical-address width", P(HOST_CR3, BIT(40))),
	CASE(B64, "host SYSENTER_ESP 0x800000000000 is not canonical", P(HOST_IA32_SYSENTER_ESP, BIT(47))),
	CASE(B64, "host PAT 0x7040600020406 entry 2 has invalid memory type 2",
	     P(VMEXIT_CONTROLS, EXIT0 | BIT(19)), P(HOST_IA32_PAT, 0x0007040600020406ull)),
	CASE(B64, NULL, P(VMEXIT_CONTROLS, EXIT0 | BIT(19)), P(HOST_IA32_PAT, 0x0007040600070406ull)),
	CASE(B64, "host EFER 0xd02 sets reserved bits", P(HOST_IA32_EFER, 0xd02)),
	CASE(B64, "host EFER.LMA=0 does not match host address-space size=1", P(HOST_IA32_EFER, 0x900)),
	CASE(B64, "host EFER.LME=0 does not match host address-space size=1", P(HOST_IA32_EFER, 0xc00)),
	CASE(B64, "host CS selector 0x3b has RPL or TI set", P(HOST_CS_SELECTOR, 0x3b)),
	CASE(B64, "host TR selector 0x44 has RPL or TI set", P(HOST_TR_SELECTOR, 0x44)),
	CASE(B64, "host CS selector is 0", P(HOST_CS_SELECTOR, 0)),
	CASE(B64, "host TR selector is 0", P(HOST_TR_SELECTOR, 0)),
	CASE(B64, NULL, P(HOST_SS_SELECTOR, 0)), /* a 64-bit host may have a null SS */
	CASE(B64, "host SS selector is 0 with host address-space size=0", P(HOST_SS_SELECTOR, 0),
	     P(VMEXIT_CONTROLS, EXIT0 & ~(BIT(9) | BIT(21)))),
	CASE(B64, "host FS base 0x8000000000000000 is not canonical", P(HOST_FS_BASE, BIT(63))),
	CASE(B64, "host GDTR base 0xfff0000000000000 is not canonical", P(HOST_GDTR_BASE, 0xfff0000000000000ull)),
	/* §27.2.3 host address-space size */
	CASE(B64, "host address-space size=0, but the hypervisor runs in IA-32e mode",
	     P(VMEXIT_CONTROLS, EXIT0 & ~(BIT(9) | BIT(21)))),
	CASE(B64, "host address-space size=1 requires host CR4.PAE=1", P(HOST_CR4, 0x2648)),
	CASE(B64, "host RIP 0x800000000000 is not canonical", P(HOST_RIP, BIT(47))),
	/* §27.3.1.1 guest control registers, debug registers, MSRs */
	CASE(B64, "guest CR0 0x80010032 clears bits 0x1 that the CPU requires", P(GUEST_CR0, 0x80010032)),
	CASE(B64, "guest CR0.PG=1 requires CR0.PE=1", P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | UG),
	     P(GUEST_CR0, 0x80010032)),
	CASE(B64, "guest CR0 0x180010033 sets bits 0x100000000 that the CPU does not allow",
	     P(GUEST_CR0, 0x180010033ull)),
	CASE(B64, "guest CR4 0x668 clears bits 0x2000 that the CPU requires", P(GUEST_CR4, 0x668)),
	CASE(B64, "guest DEBUGCTL 0x4 sets reserved bits", P(GUEST_IA32_DEBUGCTL, 0x4)),
	CASE(B64, "IA-32e mode guest requires guest CR0.PG=1", P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | UG),
	     P(GUEST_CR0, 0x10033)),
	CASE(B64, "IA-32e mode guest requires guest CR4.PAE=1", P(GUEST_CR4, 0x2648)),
	CASE(B32, "guest CR4.PCIDE=1 requires IA-32e mode guest", P(GUEST_CR4, 0x22668)),
	CASE(B64, "guest CR3 0x10000000000 is beyond the 40-bit physical-address width", P(GUEST_CR3, BIT(40))),
	CASE(B64, "guest DR7 0x100000400 sets bits 63:32", P(GUEST_DR7, 0x100000400ull)),
	CASE(B64, NULL, P(GUEST_DR7, 0x100000400ull), P(VMENTRY_CONTROLS, ENTRY0 & ~BIT(2))),
	CASE(B64, "guest SYSENTER_EIP 0xffff7fffffffffff is not canonical",
	     P(GUEST_IA32_SYSENTER_EIP, 0xffff7fffffffffffull)),
	CASE(B64, "guest PAT 0x7040600070408 entry 0 has invalid memory type 8", P(VMENTRY_CONTROLS, ENTRY0 | BIT(14)),
	     P(GUEST_IA32_PAT, 0x0007040600070408ull)),
	CASE(B64, "guest EFER 0x4d00 sets reserved bits", P(GUEST_IA32_EFER, 0x4d00)),
	CASE(B64, "guest EFER.LMA=0 does not match IA-32e mode guest=1", P(GUEST_IA32_EFER, 0x900)),
	CASE(B64, "guest EFER.LME=0 differs from EFER.LMA=1 with CR0.PG=1", P(GUEST_IA32_EFER, 0xc00)),
	/* §27.3.1.2 segment registers: selectors, bases */
	CASE(B64, "guest TR selector 0x44 has TI=1", P(GUEST_TR_SELECTOR, 0x44)),
	CASE(B64, "guest LDTR selector 0x4c has TI=1", P(GUEST_LDTR_SELECTOR, 0x4c), P(GUEST_LDTR_ACCESS_RIGHTS, 0x82),
	     P(GUEST_LDTR_LIMIT, 0xffff)),
	CASE(B64, "guest SS.RPL=3 differs from CS.RPL=0", P(GUEST_SS_SELECTOR, 0x33)),
	CASE(B64, "guest TR base 0x800000000000 is not canonical", P(GUEST_TR_BASE, BIT(47))),
	CASE(B64, "guest CS base 0x100000000 sets bits 63:32", P(GUEST_CS_BASE, BIT(32))),
	CASE(B64, "guest DS base 0x100000000 sets bits 63:32", P(GUEST_DS_BASE, BIT(32))),
	CASE(B64, NULL, P(GUEST_DS_BASE, BIT(32)), P(GUEST_DS_ACCESS_RIGHTS, 0x10000)), /* unusable */
	/* access rights */
	CASE(B64, "guest CS type 3 is not an accessed code segment", P(GUEST_CS_ACCESS_RIGHTS, 0xa093)),
	CASE(B64, "guest SS type 1 is not read/write accessed data", P(GUEST_SS_ACCESS_RIGHTS, 0xc091)),
	CASE(B64, "guest DS type 2 is not accessed", P(GUEST_DS_ACCESS_RIGHTS, 0xc092)),
	CASE(B64, "guest ES type 9 is execute-only code", P(GUEST_ES_ACCESS_RIGHTS, 0xc099)),
	CASE(B64, "guest CS access rights 0xa08b: S=0 (system descriptor)", P(GUEST_CS_ACCESS_RIGHTS, 0xa08b)),
	CASE(B64, "guest CS.DPL=3 differs from SS.DPL=0 (non-conforming code)", P(GUEST_CS_ACCESS_RIGHTS, 0xa0fb)),
	CASE(B64, "guest CS.DPL=3 exceeds SS.DPL=0 (conforming code)", P(GUEST_CS_ACCESS_RIGHTS, 0xa0ff)),
	CASE(B64, "guest SS.DPL=3 differs from SS.RPL=0", P(GUEST_CS_ACCESS_RIGHTS, 0xa09f),
	     P(GUEST_SS_ACCESS_RIGHTS, 0xc0f3)),
	CASE(B64, "guest DS.DPL=0 is below DS.RPL=3", P(GUEST_DS_SELECTOR, 0x33)),
	CASE(B64, "guest CS access rights 0xa01b: P=0 (not present)", P(GUEST_CS_ACCESS_RIGHTS, 0xa01b)),
	CASE(B64, "guest GS access rights 0xc013: P=0 (not present)", P(GUEST_GS_ACCESS_RIGHTS, 0xc013)),
	CASE(B64, "guest CS access rights 0xa19b set reserved bits 11:8", P(GUEST_CS_ACCESS_RIGHTS, 0xa19b)),
	CASE(B64, "guest CS limit 0xffff0000 with G=1 must have bits 11:0 all 1", P(GUEST_CS_LIMIT, 0xffff0000)),
	CASE(B64, "guest DS limit 0xffffffff above 0xfffff requires G=1", P(GUEST_DS_ACCESS_RIGHTS, 0x4093)),
	CASE(B64, "guest FS access rights 0x2c093 set reserved bits 31:17", P(GUEST_FS_ACCESS_RIGHTS, 0x2c093)),
	CASE(B64, "guest CS.L=1 and CS.D=1 with IA-32e mode guest", P(GUEST_CS_ACCESS_RIGHTS, 0xe09b)),
	CASE(B64, "guest TR type 3 is not a busy 64-bit TSS (11) with IA-32e mode guest",
	     P(GUEST_TR_ACCESS_RIGHTS, 0x83)),
	CASE(B32, "guest TR type 9 is not a busy TSS (3 or 11)", P(GUEST_TR_ACCESS_RIGHTS, 0x89)),
	CASE(B32, NULL, P(GUEST_TR_ACCESS_RIGHTS, 0x83)), /* busy 16-bit TSS outside IA-32e mode */
	CASE(B64, "guest TR access rights 0x9b: S=1 (must be a system descriptor)", P(GUEST_TR_ACCESS_RIGHTS, 0x9b)),
	CASE(B64, "guest TR is marked unusable", P(GUEST_TR_ACCESS_RIGHTS, 0x1008b)),
	CASE(B64, "guest TR access rights 0xb: P=0 (not present)", P(GUEST_TR_ACCESS_RIGHTS, 0xb)),
	CASE(B64, "guest TR limit 0x67 with G=1 must have bits 11:0 all 1", P(GUEST_TR_ACCESS_RIGHTS, 0x808b)),
	CASE(B64, "guest LDTR type 3 is not an LDT (2)", P(GUEST_LDTR_ACCESS_RIGHTS, 0x83)),
	CASE(B64, "guest LDTR access rights 0x92: S=1 (must be a system descriptor)",
	     P(GUEST_LDTR_ACCESS_RIGHTS, 0x92)),
	CASE(B64, NULL, P(GUEST_LDTR_SELECTOR, 0x48), P(GUEST_LDTR_ACCESS_RIGHTS, 0x82), P(GUEST_LDTR_LIMIT, 0xffff)),
	/* unrestricted real mode */
	CASE(BREAL, NULL, P(GUEST_CS_ACCESS_RIGHTS, 0x93)), /* CS type 3 allowed */
	CASE(BREAL, "guest CS type 3 requires CS.DPL=0 (is 3)", P(GUEST_CS_ACCESS_RIGHTS, 0xf3)),
	CASE(BREAL, "guest SS.DPL=3 must be 0 with CS type 3 or CR0.PE=0", P(GUEST_CS_ACCESS_RIGHTS, 0x93),
	     P(GUEST_SS_ACCESS_RIGHTS, 0xf3)),
	CASE(BREAL, "guest CR0 0x10 clears bits 0x20 that the CPU requires", P(GUEST_CR0, 0x10)),
	/* virtual-8086 mode */
	CASE(BVM86, "guest SS base 0x0 is not selector 0x2000 << 4 in virtual-8086 mode", P(GUEST_SS_BASE, 0)),
	CASE(BVM86, "guest DS limit 0xfffff is not 0xffff in virtual-8086 mode", P(GUEST_DS_LIMIT, 0xfffff)),
	CASE(BVM86, "guest CS access rights 0xfb are not 0xf3 in virtual-8086 mode", P(GUEST_CS_ACCESS_RIGHTS, 0xfb)),
	/* §27.3.1.3 descriptor-table registers */
	CASE(B64, "guest GDTR limit 0x10000 exceeds 0xffff", P(GUEST_GDTR_LIMIT, 0x10000)),
	CASE(B64, "guest IDTR base 0x1000000000000 is not canonical", P(GUEST_IDTR_BASE, BIT(48))),
	/* §27.3.1.4 RIP and RFLAGS */
	CASE(B64, "guest RIP 0x800000000000 is not canonical", P(GUEST_RIP, BIT(47))),
	CASE(B64, "guest RIP 0x100000000 sets bits 63:32 outside 64-bit mode", P(GUEST_CS_ACCESS_RIGHTS, 0xc09b),
	     P(GUEST_RIP, BIT(32))),
	CASE(B64, "guest RFLAGS 0xa sets reserved bits (63:22, 15, 5 or 3)", P(GUEST_RFLAGS, 0xa)),
	CASE(B64, "guest RFLAGS 0x0 clears bit 1, which must be 1", P(GUEST_RFLAGS, 0)),
	CASE(BVM86, "guest RFLAGS.VM=1 with IA-32e mode guest", P(VMENTRY_CONTROLS, ENTRY0),
	     P(GUEST_IA32_EFER, 0xd00)),
	CASE(BVM86, "guest RFLAGS.VM=1 with CR0.PE=0", P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | UG),
	     P(GUEST_CR0, 0x30)),
	CASE(B64, "injecting an external interrupt requires guest RFLAGS.IF=1",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000020)),
	CASE(B64, NULL, P(VMENTRY_INTERRUPTION_INFO, 0x80000020), P(GUEST_RFLAGS, 0x202)),
	/* §27.3.1.5 activity state */
	CASE(B64, "guest activity state 4 is not 0-3", P(GUEST_ACTIVITY_STATE, 4)),
	CASE(BUSER, "guest activity state HLT requires SS.DPL=0 (is 3)", P(GUEST_ACTIVITY_STATE, 1)),
	CASE(B64, "guest activity state HLT with blocking by STI or MOV-SS (must be active)",
	     P(GUEST_ACTIVITY_STATE, 1), P(GUEST_INTERRUPTIBILITY_STATE, 1), P(GUEST_RFLAGS, 0x202)),
	CASE(B64, "guest activity state HLT cannot take injected event type 3 vector 13", P(GUEST_ACTIVITY_STATE, 1),
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000b0d)),
	CASE(B64, NULL, P(GUEST_ACTIVITY_STATE, 1), P(VMENTRY_INTERRUPTION_INFO, 0x80000020), P(GUEST_RFLAGS, 0x202)),
	CASE(B64, "guest activity state shutdown cannot take injected event type 3 vector 1",
	     P(GUEST_ACTIVITY_STATE, 2), P(VMENTRY_INTERRUPTION_INFO, 0x80000301)),
	CASE(BREAL, "guest activity state wait-for-SIPI cannot take injected event type 2 vector 2",
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000202)),
	/* interruptibility state */
	CASE(B64, "guest interruptibility state 0x20 sets reserved bits 31:5", P(GUEST_INTERRUPTIBILITY_STATE, 0x20)),
	CASE(B64, "guest interruptibility state 0x3 sets blocking by both STI and MOV-SS",
	     P(GUEST_INTERRUPTIBILITY_STATE, 3), P(GUEST_RFLAGS, 0x202)),
	CASE(B64, "guest interruptibility state 0x1 blocks by STI with RFLAGS.IF=0",
	     P(GUEST_INTERRUPTIBILITY_STATE, 1)),
	CASE(B64, "guest interruptibility state 0x2 blocks the injected external interrupt",
	     P(GUEST_INTERRUPTIBILITY_STATE, 2), P(VMENTRY_INTERRUPTION_INFO, 0x80000020), P(GUEST_RFLAGS, 0x202)),
	CASE(B64, "guest interruptibility state 0x2 blocks the injected NMI by MOV-SS",
	     P(GUEST_INTERRUPTIBILITY_STATE, 2), P(VMENTRY_INTERRUPTION_INFO, 0x80000202)),
	CASE(B64, "guest interruptibility state 0x4 blocks by SMI outside SMM", P(GUEST_INTERRUPTIBILITY_STATE, 4)),
	CASE(B64, "guest interruptibility state 0x8 blocks the injected virtual NMI",
	     P(PIN_BASED_CONTROLS, PIN0 | BIT(3) | BIT(5)), P(GUEST_INTERRUPTIBILITY_STATE, 8),
	     P(VMENTRY_INTERRUPTION_INFO, 0x80000202)),
	CASE(B64, "guest interruptibility state 0x12: enclave interruption with MOV-SS blocking",
	     P(GUEST_INTERRUPTIBILITY_STATE, 0x12)),
	/* pending debug exceptions */
	CASE(B64, "guest pending debug exceptions 0x10 set reserved bits", P(GUEST_PENDING_DEBUG_EXCEPTIONS, 0x10)),
	CASE(B64, "guest pending debug exceptions 0x0 need BS=1 (RFLAGS.TF=1) with STI/MOV-SS blocking or HLT",
	     P(GUEST_INTERRUPTIBILITY_STATE, 1), P(GUEST_RFLAGS, 0x302)),
	CASE(B64, "guest pending debug exceptions 0x4000 need BS=0 (RFLAGS.TF=0) with STI/MOV-SS blocking or HLT",
	     P(GUEST_INTERRUPTIBILITY_STATE, 1), P(GUEST_RFLAGS, 0x202), P(GUEST_PENDING_DEBUG_EXCEPTIONS, 0x4000)),
	CASE(B64, NULL, P(GUEST_INTERRUPTIBILITY_STATE, 1), P(GUEST_RFLAGS, 0x302),
	     P(GUEST_PENDING_DEBUG_EXCEPTIONS, 0x4000)),
	CASE(B64, "guest pending debug exceptions 0x10000: RTM bit 16 needs bit 12 alone and no MOV-SS blocking",
	     P(GUEST_PENDING_DEBUG_EXCEPTIONS, 0x10000)),
	CASE(B64, NULL, P(GUEST_PENDING_DEBUG_EXCEPTIONS, 0x11000)),
	/* VMCS link pointer */
	CASE(B64, "VMCS link pointer 0x0 is not 0xffffffffffffffff (no VMCS shadowing)", P(VMCS_LINK_POINTER, 0)),
	CASE(B64, "VMCS link pointer 0x1000800 is not 4 KB aligned within the 40-bit physical-address width",
	     P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(14)), P(VMCS_LINK_POINTER, 0x1000800)),
	CASE(B64, NULL, P(SECONDARY_PROC_BASED_CONTROLS, PROC2 | BIT(14)), P(VMCS_LINK_POINTER, 0x1000000)),
	/* §27.3.1.6 PDPTEs with PAE paging and EPT */
	CASE(B32, "guest PDPTE2 0x1000003 sets reserved bits", P(GUEST_PDPTE2, 0x1000003)),
	CASE(B32, "guest PDPTE0 0x8000000001000001 sets reserved bits", P(GUEST_PDPTE0, 0x8000000001000001ull)),
	CASE(B32, NULL, P(GUEST_PDPTE1, 0xfffffffffffffffeull)), /* not present: not checked */
};

/* Rules that need capability MSRs other than the fixture's. */
static void test_msr_variants(void)
{
	struct vmx_msr_snapshot m = bochs();
	struct vmcs_image img;
	char buf[ENTRY_CHECK_MSG_MAX];

	/* IA32_VMX_BASIC bit 56 clear: error code exactly with the vectors
	 * that push one (§27.2.1.3). */
	m.basic &= ~BIT(56);
	valid64(&img);
	vmcs_image_put(&img, VMCS_VMENTRY_INTERRUPTION_INFO, 0x8000030d);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)),
		  "VM-entry interruption info 0x8000030d lacks an error code for vector 13");
	vmcs_image_put(&img, VMCS_VMENTRY_INTERRUPTION_INFO, 0x80000b06);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)),
		  "VM-entry interruption info 0x80000b06 delivers an error code for vector 6");
	vmcs_image_put(&img, VMCS_VMENTRY_INTERRUPTION_INFO, 0x80000b0d);
	CHECK(check(&img, &m, buf, sizeof(buf)) == NULL);

	/* No zero-length software interrupt without VMX_MISC bit 30. */
	m = bochs();
	m.misc &= ~BIT(30);
	valid64(&img);
	vmcs_image_put(&img, VMCS_VMENTRY_INTERRUPTION_INFO, 0x80000480);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)), "VM-entry instruction length 0 is not allowed for event type 4");

	/* Posted interrupts need virtual-interrupt delivery. */
	m = bochs();
	m.pinbased |= BIT(32 + 7);
	valid64(&img);
	vmcs_image_put(&img, VMCS_PIN_BASED_CONTROLS, PIN0 | BIT(7));
	CHECK_STR(check(&img, &m, buf, sizeof(buf)),
		  "\"process posted interrupts\" requires \"virtual-interrupt delivery\"");

	/* EPT A/D flags without EPT_VPID_CAP bit 21. */
	m = bochs();
	m.ept_vpid_cap &= ~BIT(21);
	valid64(&img);
	vmcs_image_put(&img, VMCS_EPT_POINTER, 0x1000005e);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)),
		  "EPTP 0x1000005e enables accessed/dirty flags, which the CPU does not support");

	/* CR4.CET needs CR0.WP, host and guest (CET allowed by FIXED1 here). */
	m = bochs();
	m.cr4_fixed1 |= BIT(23);
	valid64(&img);
	vmcs_image_put(&img, VMCS_HOST_CR4, 0x802668);
	vmcs_image_put(&img, VMCS_HOST_CR0, 0x80000033);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)), "host CR4.CET=1 requires CR0.WP=1");
	valid64(&img);
	vmcs_image_put(&img, VMCS_GUEST_CR4, 0x802668);
	vmcs_image_put(&img, VMCS_GUEST_CR0, 0x80000033);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)), "guest CR4.CET=1 requires CR0.WP=1");

	/* An activity state VMX_MISC does not list. */
	m = bochs();
	m.misc &= ~BIT(7);
	valid64(&img);
	vmcs_image_put(&img, VMCS_GUEST_ACTIVITY_STATE, 2);
	CHECK_STR(check(&img, &m, buf, sizeof(buf)),
		  "guest activity state 2 (shutdown) is not supported (VMX_MISC 0x60040160)");
}

/* The API's edges: no buffer, a short buffer, no inputs. */
static void test_api(void)
{
	struct vmx_msr_snapshot m = bochs();
	struct vmcs_image img;
	char small[16];
	valid64(&img);
	vmcs_image_put(&img, VMCS_HOST_RIP, BIT(47));
	const char *r = check(&img, &m, NULL, 0);
	CHECK(r != NULL && strlen(r) > 0);
	r = check(&img, &m, small, sizeof(small));
	CHECK(r == small);
	CHECK_STR(r, "host RIP 0x8000");
	CHECK(vmentry_check(NULL, NULL, small, sizeof(small)) != NULL);
	struct entry_check_env env = { .msrs = &m, .maxphyaddr = 0 }; /* 0: assume 36 bits */
	vmcs_image_put(&img, VMCS_HOST_RIP, 0x3e000000);
	vmcs_image_put(&img, VMCS_HOST_CR3, BIT(36));
	char buf[ENTRY_CHECK_MSG_MAX];
	CHECK_STR(vmentry_check(&img, &env, buf, sizeof(buf)),
		  "host CR3 0x1000000000 is beyond the 36-bit physical-address width");
}

int main(void)
{
	struct vmx_msr_snapshot m = bochs();
	struct vmcs_image img;
	char buf[ENTRY_CHECK_MSG_MAX];

	/* Every starting image passes as built. */
	for (enum base b = B64; b <= BUSER; b++) {
		build(&img, b);
		const char *r = check(&img, &m, buf, sizeof(buf));
		if (r)
			fprintf(stderr, "base image %d: %s\n", (int)b, r);
		CHECK(r == NULL);
	}

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct breakage *c = &cases[i];
		build(&img, c->base);
		for (size_t j = 0; j < c->n; j++)
			vmcs_image_put(&img, c->p[j].f, c->p[j].v);
		const char *r = check(&img, &m, buf, sizeof(buf));
		if (c->expect ? !r || strcmp(r, c->expect) : r != NULL) {
			unit_failed++;
			fprintf(stderr, "%s:%d: FAIL: got \"%s\", want \"%s\"\n", __FILE__, c->line, r ? r : "(pass)",
				c->expect ? c->expect : "(pass)");
		} else {
			unit_passed++;
		}
	}
	test_msr_variants();
	test_api();
	return unit_finish("test_entry_checks");
}
