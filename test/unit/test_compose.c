/* Every capability set in test/data/vmx-caps (real processors, nested KVM)
 * through what the hypervisor does with it at start-up and later: the
 * requirements (refused sets must name what they lack), the CPUID gates,
 * pure VMCS composition from a firmware state like OVMF's, the software
 * VM-entry checks on the result, and the states exit handlers create
 * later (interrupt and NMI windows, HLT, wait-for-SIPI, a real-mode start,
 * the guest turning paging off), each only where the set allows it. */
#include "caps_fixture.h"
#include "hv/exits/cr_rules.h"
#include "hv/vmx/entry_checks.h"
#include "hv/vmx/vmcs_compose.h"
#include "unit.h"

#define BIT(n) (1ull << (n))

/* OVMF's state at an EFI application's entry, as read in Bochs (CS 0x38
 * 64-bit code, data 0x30, no LDT, no TR), interrupts off for the launch. */
static struct cpu_state ovmf_state(void)
{
	struct cpu_state s = { 0 };
	s.cr0 = 0x80010033; /* PG WP NE ET MP PE */
	s.cr3 = 0x7fc01000;
	s.cr4 = 0x668;      /* OSXMMEXCPT OSFXSR MCE PAE DE */
	s.dr7 = 0x400;
	s.rflags = 0x2;
	s.efer = 0xd00;     /* NXE LMA LME */
	s.pat = 0x0007040600070406ull;
	s.gdtr_base = 0x7f9ee000;
	s.gdtr_limit = 0x47;
	s.idtr_base = 0x7f400018;
	s.idtr_limit = 0xfff;
	struct segment data = { 0x30, 0, 0xffffffff, 0xc093 };
	for (unsigned i = 0; i < SEG_COUNT; i++)
		s.seg[i] = data;
	s.seg[SEG_CS] = (struct segment){ 0x38, 0, 0xffffffff, 0xa09b };
	s.seg[SEG_LDTR] = (struct segment){ 0, 0, 0, SEGMENT_AR_UNUSABLE };
	s.seg[SEG_TR] = (struct segment){ 0, 0, 0, SEGMENT_AR_UNUSABLE };
	return s;
}

static struct cpu_features features_of(const struct caps_fixture *fx)
{
	struct cpu_features f = { 0 };
	/* VMX and XSAVE (OSXSAVE in the host's CR4 only where CR4_FIXED1
	 * allows it, so a processor without XSAVE loses nothing here). */
	f.words.w[CPUID_WORD_LEAF1_ECX] = BIT(5) | BIT(26);
	f.words.w[CPUID_WORD_EXT1_EDX] = fx->cpuid_rdtscp ? BIT(27) : 0;
	f.words.w[CPUID_WORD_LEAF7_EBX] = (fx->cpuid_invpcid ? BIT(10) : 0) | (fx->cpuid_pt ? BIT(25) : 0);
	f.words.w[CPUID_WORD_LEAF7_ECX] = (fx->cpuid_waitpkg ? BIT(5) : 0) | (fx->cpuid_rdpid ? BIT(22) : 0);
	f.words.w[CPUID_WORD_LEAF7_EDX] = fx->cpuid_pconfig ? BIT(18) : 0;
	f.words.w[CPUID_WORD_LEAFD1_EAX] = fx->cpuid_xsaves ? BIT(3) : 0;
	f.maxphyaddr = fx->maxphyaddr;
	f.page_1gb = fx->cpuid_1gb_pages;
	return f;
}

static const struct vmcs_layout layout = {
	.host_cr3 = 0x1e000000,
	.host_rip = 0x1e100000,
	.host_rsp = 0x1e208ff0,
	.host_gs_base = 0x1e210000,
	.host_tr_base = 0x1e211000,
	.host_gdtr_base = 0x1e212000,
	.host_idtr_base = 0x1e213000,
	.host_cs = 0x08,
	.host_ds = 0x10,
	.host_tr = 0x18,
	.msr_bitmap = 0x1e201000,
	.io_bitmap_a = 0x1e202000,
	.io_bitmap_b = 0x1e203000,
	.eptp = 0x1e300000 | 6 | (3 << 3),
	.vpid = 1,
};

struct totals {
	unsigned sets, usable, refused;
};

static const char *check(const struct vmcs_image *img, const struct caps_fixture *fx, char *buf)
{
	struct entry_check_env env = { .msrs = &fx->msrs, .maxphyaddr = fx->maxphyaddr };
	return vmentry_check(img, &env, buf, ENTRY_CHECK_MSG_MAX);
}

#define CHECK_ENTRY(img, what)                                                                      \
	do {                                                                                        \
		const char *why_ = check(img, fx, msg);                                             \
		if (why_)                                                                           \
			fprintf(stderr, "%s: %s: %s\n", name, what, why_);                          \
		CHECK(why_ == NULL);                                                                \
	} while (0)

/* The CPUID rule: an instruction the guest is told about works, and one
 * is hidden only when its control is not allowed. */
static void check_gates(const char *name, const struct caps_fixture *fx, const struct cpuid_filter *f,
			const struct cpu_features *feat, uint32_t proc2)
{
	uint32_t allowed1 = (fx->msrs.procbased & BIT(63)) ? (uint32_t)(fx->msrs.procbased2 >> 32) : 0;
	for (unsigned g = 0; g < CPUID_GATE_COUNT; g++) {
		const struct cpuid_gate_info *gate = &cpuid_gates[g];
		bool has = feat->words.w[gate->word] & (1u << gate->bit);
		bool told = has && !(f->clear[gate->word] & (1u << gate->bit));
		if (told && !(gate->secondary_control && (proc2 & gate->secondary_control))) {
			fprintf(stderr, "%s: guest told it has %s, but its control is off\n", name, gate->name);
			CHECK(0);
		}
		if (has && gate->secondary_control && !told && (allowed1 & gate->secondary_control)) {
			fprintf(stderr, "%s: %s hidden although its control is allowed\n", name, gate->name);
			CHECK(0);
		}
	}
}

/* The host's truth about speculation passes through whatever the gates
 * decide: CPUID.(7,0):EDX MD_CLEAR[10], IBRS/IBPB[26], STIBP[27],
 * L1D_FLUSH[28], ARCH_CAPABILITIES[29], CORE_CAPABILITIES[30], SSBD[31]
 * and all of CPUID.(7,2):EDX (PSFD, IPRED/RRSBA/BHI_CTRL, MCDT_NO); the
 * hypervisor bit is set unless cpuid_hypervisor_bit = off. */
static void check_host_truth(const struct cpuid_filter *f)
{
	uint32_t spec = BIT(10) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(31);
	uint32_t r[4] = { 0, 0, 0, 0xffffffffu };
	cpuid_filter_apply(f, 7, 0, r);
	CHECK_EQ_U64(r[3] & spec, spec);
	uint32_t r2[4] = { 0x11, 0x22, 0x33, 0x1f };
	cpuid_filter_apply(f, 7, 2, r2);
	CHECK(r2[0] == 0x11 && r2[1] == 0x22 && r2[2] == 0x33 && r2[3] == 0x1f);
	struct cpuid_filter off = *f;
	uint32_t l1[4] = { 0, 0, 0, 0 };
	cpuid_filter_apply(f, 1, 0, l1);
	CHECK(l1[2] & CPUID_1_ECX_HYPERVISOR);
	cpuid_filter_hypervisor_bit(&off, false);
	uint32_t l1off[4] = { 0, 0, 0, 0 };
	cpuid_filter_apply(&off, 1, 0, l1off);
	CHECK(!(l1off[2] & CPUID_1_ECX_HYPERVISOR));
}

/* What cr.c writes back after a CR write. */
static void put_guest_cr(struct vmcs_image *img, const struct guest_cr *g)
{
	vmcs_image_put(img, VMCS_GUEST_CR0, g->cr0);
	vmcs_image_put(img, VMCS_CR0_READ_SHADOW, g->cr0_shadow);
	vmcs_image_put(img, VMCS_GUEST_CR4, g->cr4);
	vmcs_image_put(img, VMCS_CR4_READ_SHADOW, g->cr4_shadow);
	vmcs_image_put(img, VMCS_GUEST_IA32_EFER, g->efer);
	vmcs_image_put(img, VMCS_VMENTRY_CONTROLS, g->entry_controls);
}

static void later_states(const char *name, const struct caps_fixture *fx, const struct vmx_caps *c,
			 const struct vmcs_image *launched, char *msg)
{
	struct vmcs_image img = *launched;
	uint32_t proc = (uint32_t)vmcs_image_get(&img, VMCS_PROC_BASED_CONTROLS);
	if (c->interrupt_window) {
		vmcs_image_put(&img, VMCS_PROC_BASED_CONTROLS, proc | (1u << 2));
		CHECK_ENTRY(&img, "interrupt window");
	}
	if (c->nmi_window) {
		vmcs_image_put(&img, VMCS_PROC_BASED_CONTROLS, proc | (1u << 22));
		CHECK_ENTRY(&img, "NMI window");
	}
	img = *launched;
	if (c->activity_hlt) {
		vmcs_image_put(&img, VMCS_GUEST_ACTIVITY_STATE, 1);
		CHECK_ENTRY(&img, "HLT activity state");
	}
	/* Wait-for-SIPI: accepted exactly where VMX_MISC bit 8 offers it;
	 * elsewhere the hypervisor must keep the AP in root mode instead. */
	vmcs_image_put(&img, VMCS_GUEST_ACTIVITY_STATE, 3);
	const char *why = check(&img, fx, msg);
	CHECK((why == NULL) == c->wait_for_sipi);
	/* The guest turns paging off and drops to real mode (unrestricted
	 * guest): CR0.PE/PG clear, EFER.LMA/LME clear, IA-32e entry off, and
	 * segments as real mode leaves them. */
	img = *launched;
	uint64_t cr0 = vmx_fix_cr0(&fx->msrs, 0x10, true);
	vmcs_image_put(&img, VMCS_GUEST_CR0, cr0);
	vmcs_image_put(&img, VMCS_GUEST_IA32_EFER, 0);
	vmcs_image_put(&img, VMCS_VMENTRY_CONTROLS,
		       vmcs_image_get(&img, VMCS_VMENTRY_CONTROLS) & ~(uint64_t)(1u << 9));
	vmcs_image_put(&img, VMCS_GUEST_RIP, 0);
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		const struct vmcs_segment_fields *f = &vmcs_guest_segments[i];
		bool system = i == SEG_LDTR || i == SEG_TR;
		vmcs_image_put(&img, f->selector, i == SEG_CS ? 0x9a00 : 0);
		vmcs_image_put(&img, f->base, i == SEG_CS ? 0x9a000 : 0);
		vmcs_image_put(&img, f->limit, 0xffff);
		vmcs_image_put(&img, f->access_rights, i == SEG_CS ? 0x9b : system ? (i == SEG_TR ? 0x8b : 0x82) : 0x93);
	}
	CHECK_ENTRY(&img, "real-mode start (as after SIPI)");

	/* The guest's own CR writes, through the rules cr.c applies: from
	 * 64-bit mode to compatibility mode, paging off (IA-32e mode left),
	 * PAE off, then all the way back. Each state enters. */
	img = *launched;
	struct guest_cr g = {
		.cr0 = vmcs_image_get(&img, VMCS_GUEST_CR0),
		.cr0_mask = vmcs_image_get(&img, VMCS_CR0_GUEST_HOST_MASK),
		.cr0_shadow = vmcs_image_get(&img, VMCS_CR0_READ_SHADOW),
		.cr4 = vmcs_image_get(&img, VMCS_GUEST_CR4),
		.cr4_shadow = vmcs_image_get(&img, VMCS_CR4_READ_SHADOW),
		.cr3 = vmcs_image_get(&img, VMCS_GUEST_CR3),
		.efer = vmcs_image_get(&img, VMCS_GUEST_IA32_EFER),
		.entry_controls = (uint32_t)vmcs_image_get(&img, VMCS_VMENTRY_CONTROLS),
		.cs_access_rights = (uint32_t)vmcs_image_get(&img, VMCS_GUEST_CS_ACCESS_RIGHTS),
	};
	unsigned effects;
	uint64_t paged = guest_cr0_view(&g);
	CHECK(!cr0_write(&g, &fx->msrs, c->unrestricted_guest, paged & ~BIT(31), &effects)); /* 64-bit: #GP */
	g.cs_access_rights = 0xc09b; /* a 32-bit code segment: compatibility mode */
	vmcs_image_put(&img, VMCS_GUEST_CS_ACCESS_RIGHTS, g.cs_access_rights);
	CHECK(cr0_write(&g, &fx->msrs, c->unrestricted_guest, paged & ~BIT(31), &effects));
	CHECK(cr4_write(&g, &fx->msrs, BIT(13) | BIT(14), g.cr4_shadow & ~BIT(5), &effects));
	put_guest_cr(&img, &g);
	CHECK_ENTRY(&img, "guest turned paging and PAE off (cr_rules)");
	CHECK(cr4_write(&g, &fx->msrs, BIT(13) | BIT(14), g.cr4_shadow | BIT(5), &effects));
	CHECK(cr0_write(&g, &fx->msrs, c->unrestricted_guest, paged, &effects));
	put_guest_cr(&img, &g);
	CHECK_ENTRY(&img, "guest turned paging back on (cr_rules)");
}

static void each(const char *name, const struct caps_fixture *fx, void *arg)
{
	struct totals *t = arg;
	char msg[ENTRY_CHECK_MSG_MAX], missing[256];
	struct vmx_caps c;
	t->sets++;
	vmx_caps_decode(&fx->msrs, &c);
	if (vmx_caps_missing(&c, missing, sizeof(missing))) {
		t->refused++;
		printf("%-48s refused: lacks %s\n", name, missing);
		CHECK(missing[0] != '\0');
		return;
	}
	struct cpu_features feat = features_of(fx);
	struct cpuid_filter filter;
	cpuid_filter_compute(&fx->msrs, &feat.words, &filter);
	struct cpu_state fw = ovmf_state();
	struct compose_input in = { &fx->msrs, &feat, &fw, &filter, &layout, 0, 0, false };
	static struct vmcs_image img;
	int st = vmcs_compose(&img, &in, msg, sizeof(msg));
	if (st != HV_OK) {
		/* A required control missing is a refusal by name, too. */
		t->refused++;
		printf("%-48s refused at composition: %s\n", name, msg);
		CHECK(msg[0] != '\0');
		return;
	}
	t->usable++;
	uint32_t proc2 = (uint32_t)vmcs_image_get(&img, VMCS_SECONDARY_PROC_BASED_CONTROLS);
	check_gates(name, fx, &filter, &feat, proc2);
	check_host_truth(&filter);
	CHECK_ENTRY(&img, "launch");
	/* By default external interrupts exit, acknowledged on exit. */
	CHECK(vmcs_image_get(&img, VMCS_PIN_BASED_CONTROLS) & BIT(0));
	CHECK(vmcs_image_get(&img, VMCS_VMEXIT_CONTROLS) & BIT(15));
	/* external_interrupts = guest: neither (no processor forces either
	 * to 1: both are of the default-0 class), NMI exiting kept. */
	{
		static struct vmcs_image direct;
		in.interrupts_to_guest = true;
		CHECK(vmcs_compose(&direct, &in, msg, sizeof(msg)) == HV_OK);
		in.interrupts_to_guest = false;
		CHECK(!(vmcs_image_get(&direct, VMCS_PIN_BASED_CONTROLS) & BIT(0)));
		CHECK(vmcs_image_get(&direct, VMCS_PIN_BASED_CONTROLS) & BIT(3));
		CHECK(!(vmcs_image_get(&direct, VMCS_VMEXIT_CONTROLS) & BIT(15)));
		CHECK_ENTRY(&direct, "launch with external interrupts left to the guest");
	}
	/* With periodic statistics: the preemption timer where offered. */
	if (c.preemption_timer) {
		static struct vmcs_image timed;
		in.preemption_timer_reload = 1000;
		CHECK(vmcs_compose(&timed, &in, msg, sizeof(msg)) == HV_OK);
		CHECK_ENTRY(&timed, "launch with the preemption timer");
	}
	/* The host's CR4 is chosen: 4-level paging, no CET/PKS/PKE/LA57. */
	uint64_t cr4 = vmcs_image_get(&img, VMCS_HOST_CR4);
	CHECK(!(cr4 & (BIT(12) | BIT(17) | BIT(22) | BIT(23) | BIT(24))));
	CHECK(cr4 & BIT(5));
	CHECK(cr4 & BIT(6)); /* MCE: a machine check in root mode is handled, not a shutdown */
	later_states(name, fx, &c, &img, msg);
	/* Firmware running with 5-level paging (CR4.LA57) where the processor
	 * has it: the guest keeps LA57, the host does not inherit it (its
	 * page tables are 4-level, host.c). */
	if (fx->msrs.cr4_fixed1 & BIT(12)) {
		static struct vmcs_image la57;
		fw.cr4 |= BIT(12);
		CHECK(vmcs_compose(&la57, &in, msg, sizeof(msg)) == HV_OK);
		CHECK(vmcs_image_get(&la57, VMCS_GUEST_CR4) & BIT(12));
		CHECK(!(vmcs_image_get(&la57, VMCS_HOST_CR4) & BIT(12)));
		CHECK_ENTRY(&la57, "launch from LA57 firmware");
	}
	char hidden[128] = "";
	size_t used = 0;
	for (unsigned g = 0; g < CPUID_GATE_COUNT; g++)
		if (filter.hidden & (1u << g))
			used += (size_t)snprintf(hidden + used, sizeof(hidden) - used, " %s", cpuid_gates[g].name);
	printf("%-48s usable: secondary 0x%08x, NMI window %s, wait-for-SIPI %s, CPUID hides%s\n", name, proc2,
	       c.nmi_window ? "yes" : "no", c.wait_for_sipi ? "yes" : "no", used ? hidden : " nothing");
}

int main(void)
{
	struct totals t = { 0 };
	int n = caps_fixture_each(each, &t);
	CHECK(n > 0);
	CHECK_EQ_U64(t.sets, (unsigned)n);
	CHECK(t.usable > 0);
	printf("%u capability sets: %u usable, %u refused by name\n", t.sets, t.usable, t.refused);
	return unit_finish("test_compose");
}
