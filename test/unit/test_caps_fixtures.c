/* Every capability fixture in test/data/vmx-caps parses, has the required
 * keys, and vmx_caps_decode() gives facts consistent with the raw MSRs and
 * with the architecture's rules for them (SDM Vol. 3D, Appendix A). Also
 * the loader's refusals, and a table of what each set lacks (printed, for
 * the people who read the test log). */
#include <stdlib.h>
#include <unistd.h>

#include "caps_fixture.h"
#include "hv/vmx/vmx_caps.h"
#include "unit.h"

#define BIT(n) (1ull << (n))

static uint32_t allowed0(uint64_t msr) { return (uint32_t)msr; }       /* must be 1 */
static uint32_t allowed1(uint64_t msr) { return (uint32_t)(msr >> 32); } /* may be 1 */

/* SDM Vol. 3D §A.2: the "default1" controls, which the legacy capability
 * MSRs always report as must-be-1 (and TRUE_* may report as may-be-0). */
#define PIN_DEFAULT1   0x00000016u
#define PROC_DEFAULT1  0x0401e172u
#define EXIT_DEFAULT1  0x00036dffu
#define ENTRY_DEFAULT1 0x000011ffu

struct totals {
	unsigned sets, real, nested;
};

/* A control capability MSR is well formed: every must-be-1 bit may be 1. */
static void check_ctl_msr(const char *name, const char *what, uint64_t msr)
{
	if ((allowed0(msr) & ~allowed1(msr)) != 0)
		fprintf(stderr, "%s: %s 0x%llx: must-be-1 bits not allowed to be 1\n", name, what,
			(unsigned long long)msr);
	CHECK((allowed0(msr) & ~allowed1(msr)) == 0);
}

static void check_legacy_vs_true(const char *name, const char *what, uint64_t legacy, uint64_t tru,
				 uint32_t default1)
{
	check_ctl_msr(name, what, legacy);
	check_ctl_msr(name, what, tru);
	/* SDM Vol. 3D §A.2: legacy MSRs report default1 bits as must-be-1. */
	CHECK((allowed0(legacy) & default1) == default1);
	/* TRUE MSRs: same allowed-1 settings; allowed-0 may differ only by
	 * clearing default1 bits. */
	CHECK_EQ_U64(allowed1(legacy), allowed1(tru));
	CHECK((allowed0(tru) & ~allowed0(legacy)) == 0);
	CHECK(((allowed0(legacy) ^ allowed0(tru)) & ~default1) == 0);
	if (allowed1(legacy) != allowed1(tru))
		fprintf(stderr, "%s: %s: legacy and TRUE allowed-1 differ\n", name, what);
}

static void check_one(const char *name, const struct caps_fixture *f, void *arg)
{
	struct totals *t = arg;
	const struct vmx_msr_snapshot *m = &f->msrs;
	struct vmx_caps c;
	vmx_caps_decode(m, &c);
	t->sets++;

	CHECK_STR(name, f->name);
	bool real = strcmp(f->kind, "real") == 0, nested = strcmp(f->kind, "nested-kvm") == 0;
	CHECK(real || nested);
	t->real += real;
	t->nested += nested;

	/* VMX_BASIC (SDM Vol. 3D §A.1). */
	CHECK((m->basic & BIT(31)) == 0);
	CHECK(c.revision_id != 0);
	CHECK(c.vmcs_size > 0 && c.vmcs_size <= 4096);
	CHECK(c.vmcs_memtype == 6 || c.vmcs_memtype == 0);
	CHECK(!c.addr_width_32); /* "always 0 for processors that support Intel 64" */
	CHECK_EQ_U64(c.true_ctls, (m->basic >> 55) & 1);

	/* The controls the hypervisor reads: TRUE_* exactly when bit 55. */
	if (c.true_ctls) {
		check_legacy_vs_true(name, "pinbased", f->legacy_pinbased, m->pinbased, PIN_DEFAULT1);
		check_legacy_vs_true(name, "procbased", f->legacy_procbased, m->procbased, PROC_DEFAULT1);
		check_legacy_vs_true(name, "exit", f->legacy_exit, m->exit, EXIT_DEFAULT1);
		check_legacy_vs_true(name, "entry", f->legacy_entry, m->entry, ENTRY_DEFAULT1);
	} else {
		CHECK_EQ_U64(m->pinbased, f->legacy_pinbased);
		CHECK_EQ_U64(m->procbased, f->legacy_procbased);
		CHECK_EQ_U64(m->exit, f->legacy_exit);
		CHECK_EQ_U64(m->entry, f->legacy_entry);
		check_ctl_msr(name, "pinbased", m->pinbased);
		check_ctl_msr(name, "procbased", m->procbased);
		check_ctl_msr(name, "exit", m->exit);
		check_ctl_msr(name, "entry", m->entry);
		CHECK((allowed0(m->pinbased) & PIN_DEFAULT1) == PIN_DEFAULT1);
		CHECK((allowed0(m->procbased) & PROC_DEFAULT1) == PROC_DEFAULT1);
	}
	check_ctl_msr(name, "procbased2", m->procbased2);
	CHECK_EQ_U64(allowed0(m->procbased2), 0); /* no secondary control is default1 */

	/* Decoded facts against the raw bits. */
	CHECK_EQ_U64(c.secondary_ctls, (m->procbased >> 63) & 1);
	CHECK_EQ_U64(c.preemption_timer, (m->pinbased >> (32 + 6)) & 1);
	CHECK_EQ_U64(c.preemption_timer_shift, m->misc & 0x1f);
	CHECK_EQ_U64(c.virtual_nmis, (m->pinbased >> (32 + 5)) & 1);
	CHECK_EQ_U64(c.nmi_window, c.virtual_nmis && ((m->procbased >> (32 + 22)) & 1));
	CHECK_EQ_U64(c.wait_for_sipi, (m->misc >> 8) & 1);
	CHECK_EQ_U64(c.activity_hlt, (m->misc >> 6) & 1);
	CHECK_EQ_U64(c.ept, c.secondary_ctls && ((m->procbased2 >> 33) & 1));
	CHECK_EQ_U64(c.vpid, c.secondary_ctls && ((m->procbased2 >> 37) & 1));
	CHECK_EQ_U64(c.unrestricted_guest, c.secondary_ctls && ((m->procbased2 >> 39) & 1));
	if (!c.secondary_ctls)
		CHECK(!c.ept && !c.vpid && !c.unrestricted_guest);
	if (c.ept) {
		CHECK_EQ_U64(c.ept_1gb, (m->ept_vpid_cap >> 17) & 1);
		CHECK_EQ_U64(c.ept_ad, (m->ept_vpid_cap >> 21) & 1);
		CHECK(c.ept_walk4 && c.ept_wb && c.ept_2mb && c.invept); /* every EPT here has them */
		CHECK(c.invept_single || c.invept_all);
	} else {
		CHECK(!c.ept_1gb && !c.ept_ad && !c.ept_walk4);
	}
	/* SDM Vol. 3C §25.6.2: unrestricted guest requires enable EPT; Vol. 3D
	 * §A.6: processors with unrestricted guest set MISC bit 5 (LMA saved
	 * on exit). */
	if (c.unrestricted_guest) {
		CHECK(c.ept);
		CHECK(m->misc & BIT(5));
	}
	/* VMFUNC exists only with "enable VM functions" (secondary bit 13). */
	if (f->vmfunc)
		CHECK((m->procbased2 >> (32 + 13)) & 1);

	/* CR0/CR4 fixed bits (SDM Vol. 3D §A.7, §A.8). */
	CHECK((m->cr0_fixed0 & 0x80000021ull) == 0x80000021ull); /* PG, NE, PE */
	CHECK((m->cr0_fixed0 & ~m->cr0_fixed1) == 0);
	CHECK(m->cr4_fixed0 & BIT(13)); /* VMXE */
	CHECK((m->cr4_fixed0 & ~m->cr4_fixed1) == 0);
	CHECK_EQ_U64(vmx_fix_cr4(m, 0) & BIT(13), BIT(13));
	CHECK_EQ_U64(vmx_fix_cr0(m, 0, c.unrestricted_guest) & 0x20, 0x20);
	/* The legacy control word a hypervisor composes from these MSRs always
	 * includes the must-be-1 bits and nothing outside allowed-1. */
	uint32_t miss;
	uint32_t pin = vmx_adjust_controls(m->pinbased, 0xffffffffu, &miss);
	CHECK_EQ_U64(pin, allowed1(m->pinbased));
	CHECK_EQ_U64(miss, ~allowed1(m->pinbased));

	CHECK(f->maxphyaddr >= 36 && f->maxphyaddr <= 52);

	/* What test/data/README.md says of the derived sets, kept true: nested
	 * KVM never offers EPT UC or the shutdown activity state; Linux 5.10 and
	 * QEMU's named models offer no wait-for-SIPI, later kernels do. */
	if (nested) {
		CHECK(!c.ept_uc);
		CHECK(!c.activity_shutdown);
		CHECK(c.activity_hlt);
		if (!strncmp(name, "nested_kvm_5_10_", 16) || !strncmp(name, "qemu_", 5))
			CHECK(!c.wait_for_sipi);
		else
			CHECK(c.wait_for_sipi);
	}

	/* What this set lacks, in words (one line per set; see the report). */
	bool ug = c.unrestricted_guest;
	bool uwait = c.secondary_ctls && ((m->procbased2 >> (32 + 26)) & 1);
	printf("%-48s %-10s true=%d ept=%d ug=%d vpid=%d 1g=%d ad=%d nmiwin=%d sipi=%d hlt=%d mwait=%d "
	       "uwait=%d%s%s%s%s\n",
	       name, f->kind, c.true_ctls, c.ept, ug, c.vpid, c.ept_1gb, c.ept_ad, c.nmi_window, c.wait_for_sipi,
	       c.hlt_exiting, c.mwait_exiting, uwait,
	       f->cpuid_waitpkg && !uwait ? " WAITPKG-without-user-wait" : "",
	       f->cpuid_rdtscp && !(c.secondary_ctls && ((m->procbased2 >> 35) & 1)) ? " RDTSCP-without-control" : "",
	       f->cpuid_invpcid && !(c.secondary_ctls && ((m->procbased2 >> 44) & 1)) ? " INVPCID-without-control" : "",
	       f->cpuid_xsaves && !(c.secondary_ctls && ((m->procbased2 >> 52) & 1)) ? " XSAVES-without-control" : "");
}

/* ---- the loader's refusals ---- */

static char tmpdir[] = "/tmp/caps_fixture_XXXXXX";

static int load_text(const char *text, char *err, size_t errlen)
{
	char path[256];
	snprintf(path, sizeof path, "%s/t.caps", tmpdir);
	FILE *fp = fopen(path, "w");
	if (fp == NULL)
		return -2;
	fputs(text, fp);
	fclose(fp);
	struct caps_fixture f;
	int rc = caps_fixture_load(path, &f, err, errlen);
	unlink(path);
	return rc;
}

#define CORE2 \
	"# kind: real\n" \
	"basic = 0x1a040000000007\npinbased = 0x1f00000016\nprocbased = 0x77b9fffe0401e172\n" \
	"exit = 0x3efff00036dff\nentry = 0x1fff000011ff\nmisc = 0x403c0\ncr0_fixed0 = 0x80000021\n" \
	"cr0_fixed1 = 0xffffffff\ncr4_fixed0 = 0x2000\ncr4_fixed1 = 0x27ff\nmaxphyaddr = 36\n" \
	"cpuid_rdtscp = 0\ncpuid_invpcid = 0\ncpuid_xsaves = 0\ncpuid_waitpkg = 0\n"

static void test_loader_errors(void)
{
	char err[256];
	CHECK(mkdtemp(tmpdir) != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\n", err, sizeof err), 0);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0 # trailing comment\n", err, sizeof err), 0);
	CHECK_EQ_U64(load_text(CORE2, err, sizeof err), -1);
	CHECK(strstr(err, "required key cpuid_1gb_pages missing") != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\nfoo = 1\n", err, sizeof err), -1);
	CHECK(strstr(err, "t.caps:18: unknown key 'foo'") != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0x\n", err, sizeof err), -1);
	CHECK(strstr(err, "bad number") != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 2\n", err, sizeof err), -1);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\nmisc = 0\n", err, sizeof err), -1);
	CHECK(strstr(err, "given twice") != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\ntrue_pinbased = 0x1f00000016\n", err, sizeof err), -1);
	CHECK(strstr(err, "bit 55 is clear") != NULL);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\nprocbased2 = 0x200000000\n", err, sizeof err), -1);
	CHECK_EQ_U64(load_text(CORE2 "cpuid_1gb_pages = 0\nno equals sign\n", err, sizeof err), -1);
	CHECK(strstr(err, "expected key = value") != NULL);
	struct caps_fixture f;
	CHECK_EQ_U64(caps_fixture_load("/nonexistent/x.caps", &f, err, sizeof err), -1);
	rmdir(tmpdir);
}

int main(void)
{
	test_loader_errors();

	struct totals t = { 0 };
	int n = caps_fixture_each(check_one, &t);
	CHECK(n > 0);
	CHECK_EQ_U64((unsigned)n, t.sets);
	CHECK(t.sets >= 8);
	printf("capability sets: %u (%u real, %u nested-kvm)\n", t.sets, t.real, t.nested);
	return unit_finish("test_caps_fixtures");
}
