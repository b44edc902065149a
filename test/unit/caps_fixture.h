/* Capability fixtures for host unit tests: one test/data/vmx-caps/NAME.caps
 * file (VMX capability MSRs, CPUID bits and MAXPHYADDR of one real
 * processor or one nested-KVM configuration, `key = value` a line, `#`
 * comments; see test/data/README.md) parsed into the snapshot the
 * hypervisor takes at start-up (struct vmx_msr_snapshot, as vmx_detect.c
 * fills it) plus the facts around it.
 *
 * Use:
 *   struct caps_fixture f; char err[256];
 *   if (caps_fixture_load(path, &f, err, sizeof err) < 0) ... err names file:line and problem
 *   caps_fixture_each(fn, arg);  calls fn once per file of HV_TEST_DATA_DIR/vmx-caps, sorted by name
 * and the same for the MTRR layouts of test/data/mtrr (mtrr_fixture_load(),
 * mtrr_fixture_each(); struct mtrr_fixture holds the struct mtrr_snapshot
 * that hv/ept takes).
 */
#ifndef HV_TEST_CAPS_FIXTURE_H
#define HV_TEST_CAPS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/ept/mtrr.h"
#include "hv/vmx/vmx_caps.h"

/* Keys: one bit each in caps_fixture.present. */
enum caps_key {
	CK_BASIC, CK_PINBASED, CK_PROCBASED, CK_EXIT, CK_ENTRY,
	CK_TRUE_PINBASED, CK_TRUE_PROCBASED, CK_TRUE_EXIT, CK_TRUE_ENTRY,
	CK_MISC, CK_CR0_FIXED0, CK_CR0_FIXED1, CK_CR4_FIXED0, CK_CR4_FIXED1,
	CK_PROCBASED2, CK_EPT_VPID_CAP, CK_VMFUNC, CK_MAXPHYADDR,
	CK_CPUID_RDTSCP, CK_CPUID_INVPCID, CK_CPUID_XSAVES, CK_CPUID_WAITPKG, CK_CPUID_1GB_PAGES,
	CK_CPUID_RDPID, CK_CPUID_PCONFIG, CK_CPUID_PT,
	CK_COUNT
};

struct caps_fixture {
	char name[96];                 /* file name without directory, e.g. "vbox_Intel_Core_i7_6700K.caps" */
	char kind[64];                 /* first word of the "# kind:" comment: "real", "nested-kvm", ... */
	/* What the hypervisor would read: the control fields from TRUE_* when
	 * VMX_BASIC bit 55 is set (SDM Vol. 3D §A.2), else from the legacy MSRs. */
	struct vmx_msr_snapshot msrs;
	/* The legacy control MSRs as given (IA32_VMX_PINBASED_CTLS 0x481, ...). */
	uint64_t legacy_pinbased, legacy_procbased, legacy_exit, legacy_entry;
	uint64_t vmfunc;               /* IA32_VMX_VMFUNC; 0 when absent */
	unsigned maxphyaddr;           /* CPUID.80000008H:EAX[7:0] */
	/* CPUID bits of instructions that VMX controls gate (0 when the key is absent). */
	bool cpuid_rdtscp;             /* CPUID.80000001H:EDX[27] */
	bool cpuid_invpcid;            /* CPUID.(7,0):EBX[10] */
	bool cpuid_xsaves;             /* CPUID.(0DH,1):EAX[3] */
	bool cpuid_waitpkg;            /* CPUID.(7,0):ECX[5] */
	bool cpuid_1gb_pages;          /* CPUID.80000001H:EDX[26] */
	bool cpuid_rdpid;              /* CPUID.(7,0):ECX[22] */
	bool cpuid_pconfig;            /* CPUID.(7,0):EDX[18] */
	bool cpuid_pt;                 /* CPUID.(7,0):EBX[25] */
	uint32_t present;              /* 1u << enum caps_key for each key the file gives */
};

const char *caps_key_name(enum caps_key k);

static inline bool caps_fixture_has(const struct caps_fixture *f, enum caps_key k)
{
	return f->present & (1u << k);
}

/* Parses one file. Returns 0, or -1 with err holding "file:line: problem"
 * (unknown key, bad number, duplicate key, a required key missing, TRUE_*
 * keys without VMX_BASIC bit 55, ...). Required: basic, pinbased, procbased,
 * exit, entry, misc, cr0/cr4 fixed0/1, maxphyaddr, the five original cpuid_
 * keys; true_* when basic bit 55 is set; procbased2 when procbased allows
 * bit 31; ept_vpid_cap when procbased2 allows EPT or VPID. */
int caps_fixture_load(const char *path, struct caps_fixture *out, char *err, size_t errlen);

/* The directory of the .caps files: HV_TEST_DATA_DIR "/vmx-caps". */
const char *caps_fixture_dir(void);

/* Loads every *.caps file of caps_fixture_dir() in name order and calls fn
 * for each (fn's name is the file name, as in f->name). Returns how many
 * files were passed to fn, or -1 when the directory cannot be read, holds
 * no .caps file, or a file does not load (each such file is named on
 * stderr with its problem; the others are still passed to fn). */
int caps_fixture_each(void (*fn)(const char *name, const struct caps_fixture *f, void *arg), void *arg);

/* ---- MTRR layouts: test/data/mtrr/NAME.mtrr ----
 * Keys: maxphyaddr, mtrrcap, def_type (required), fixed0..fixed10 (required
 * when MTRRCAP.FIX is set), varN = PHYSBASE PHYSMASK (N < MTRR_MAX_VAR),
 * memory_top (optional). */
struct mtrr_fixture {
	char name[96];
	char kind[64];               /* first word of "# kind:", "" when the file has none */
	struct mtrr_snapshot m;
	uint64_t memory_top;         /* end of RAM where the file gives it, else 0 */
};

int mtrr_fixture_load(const char *path, struct mtrr_fixture *out, char *err, size_t errlen);
const char *mtrr_fixture_dir(void); /* HV_TEST_DATA_DIR "/mtrr" */
/* As caps_fixture_each(), over the .mtrr files. */
int mtrr_fixture_each(void (*fn)(const char *name, const struct mtrr_fixture *f, void *arg), void *arg);

#endif
