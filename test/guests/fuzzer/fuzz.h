/* fuzz.efi: the guest-fuzzing test. Shared declarations between the driver
 * (fuzz.c), the operation generators (fuzz_cpuid_msr.c, fuzz_cr.c,
 * fuzz_misc.c) and the instruction sites (fuzz_asm.asm). It runs inside
 * vmtest's private environment (vmtest_env.c, vmtest_asm.asm): our GDT,
 * IDT, TSS and user-accessible page tables, whose exception handlers record
 * each fault and resume at vt_resume_rip. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/vmtest.h"

enum fz_kind {
	FZ_CPUID,
	FZ_RDMSR,
	FZ_WRMSR,
	FZ_CR0,
	FZ_CR3,
	FZ_CR4,
	FZ_XSETBV,
	FZ_VMX,
	FZ_VMCALL,
	FZ_INVD,
	FZ_INT,
	FZ_USER, /* any of the above at CPL 3 */
	FZ_NKINDS
};
extern const char *const fz_kind_names[FZ_NKINDS];

/* What the sites load before and store after the instruction. */
struct fz_regs {
	uint64_t rax, rbx, rcx, rdx, r8, r9;
};

/* The outcome of one instruction: no exception, or the first one seen. */
#define FZ_NONE 256u
#define FZ_UD 6u
#define FZ_BP 3u
#define FZ_GP 13u
struct fz_out {
	unsigned vector; /* FZ_NONE or the vector */
	uint64_t error, rip, cs;
	unsigned n; /* exceptions seen (1 at most is right) */
	bool aborted; /* CPL 3 run cut short (not back through INT 0x80) */
};

/* Facts about the (virtual) processor, read once at CPL 0. */
struct fz_cpu {
	uint32_t max_basic, max_ext, maxphyaddr;
	uint64_t cr4_supported;  /* CR4 bits CPUID says exist (VMXE not: VMX is hidden) */
	uint64_t xcr0_supported; /* CPUID.(EAX=0DH,ECX=0):EDX:EAX */
	bool xsave, pcid;
	uint32_t hv_version;     /* CPUID.40000001H:EAX */
	uint64_t cr0, cr3, cr4;  /* inside the environment, at the start of a chunk */
};
extern struct fz_cpu fz_cpu;

/* xorshift64* (Vigna): small, fast, and good enough to pick test inputs. */
uint64_t fz_rand(void);
static inline uint64_t fz_below(uint64_t n) { return n ? fz_rand() % n : 0; }
static inline bool fz_chance(unsigned percent) { return fz_below(100) < percent; }
/* Sign-extended from bit 47: canonical for 4- and 5-level paging alike. */
static inline uint64_t fz_canonical(uint64_t v) { return (uint64_t)((int64_t)(v << 16) >> 16); }
/* Non-canonical for 4- and 5-level paging alike: bits 63:57 not all equal. */
uint64_t fz_noncanonical(void);

/* Counting and reporting. fz_check compares an outcome with the expected
 * vector (FZ_NONE: success) and error code, and, for a fault, its RIP with
 * the site; on a difference it reports a mismatch whose first part (the
 * inputs) the caller formats. Returns whether it matched. */
void fz_count(enum fz_kind k);
void fz_mismatch(enum fz_kind k, unsigned cpl, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool fz_check(enum fz_kind k, unsigned cpl, const struct fz_out *got, unsigned want_vector, uint64_t want_error,
	      const char *site, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* "ok", "#GP(0x0)", "#UD", ... */
void fz_describe(char *buf, unsigned n, const struct fz_out *o);

/* Runs a ring 0 site with the handler set to resume after it. */
struct fz_out fz_run0(void (*fn)(struct fz_regs *), const char *resume, struct fz_regs *r);
#define FZ_RUN0(name, regs) fz_run0(name, name##_resume, regs)
/* Runs ring 3 code at entry (which ends with INT 0x80) with r's registers
 * in RAX RBX RCX RDX R8 R9; r gets them back as ring 3 left them. */
struct fz_out fz_run3(const char *entry, const char *resume, struct fz_regs *r);

/* The generators: one random operation each. */
void fz_op_cpuid(void);
void fz_op_rdmsr(void);
void fz_op_wrmsr(void);
void fz_op_cr0(void);
void fz_op_cr3(void);
void fz_op_cr4(void);
void fz_op_xsetbv(void);
void fz_op_vmx(void);
void fz_op_vmcall(void);
void fz_op_invd(void);
void fz_op_int(void);
void fz_op_user(void);
/* fuzz_misc.c: points vectors 32-255 (but 0x80) of the current IDT at the
 * counting stubs; the environment's IDT has only 0-31 and 0x80. */
void fz_install_vectors(void);
/* fuzz_cpuid_msr.c: the reference CPUID values the checks compare with. */
void fz_cpuid_init(void);

/* fuzz_asm.asm: ring 0 sites, fz_NAME(struct fz_regs *): the instruction
 * at NAME_site, NAME_resume after it (and after the read-back and restore,
 * for the writes: see the asm). */
#define FZ_SITE(name) \
	extern char name##_site[], name##_resume[]; \
	void name(struct fz_regs *r);
FZ_SITE(fz_cpuid)
FZ_SITE(fz_rdmsr)
FZ_SITE(fz_wrmsr)
FZ_SITE(fz_wcr0)
FZ_SITE(fz_wcr3)
FZ_SITE(fz_wcr4)
FZ_SITE(fz_xsetbv)
FZ_SITE(fz_vmcall)
FZ_SITE(fz_invd)
FZ_SITE(fz_vmxon)
FZ_SITE(fz_vmxoff)
FZ_SITE(fz_vmclear)
FZ_SITE(fz_vmptrld)
FZ_SITE(fz_vmptrst)
FZ_SITE(fz_vmread)
FZ_SITE(fz_vmwrite)
FZ_SITE(fz_vmlaunch)
FZ_SITE(fz_vmresume)
FZ_SITE(fz_invept)
FZ_SITE(fz_invvpid)
FZ_SITE(fz_vmfunc)
#undef FZ_SITE
/* Ring 3 code: fzu_NAME runs one instruction, fzu_NAME_resume is the INT
 * 0x80 after it. */
#define FZ_USITE(name) extern char fzu_##name[], fzu_##name##_resume[];
FZ_USITE(cpuid)
FZ_USITE(rdmsr)
FZ_USITE(wrmsr)
FZ_USITE(wcr0)
FZ_USITE(rcr0)
FZ_USITE(wcr3)
FZ_USITE(rcr3)
FZ_USITE(wcr4)
FZ_USITE(rcr4)
FZ_USITE(xsetbv)
FZ_USITE(xgetbv)
FZ_USITE(invd)
FZ_USITE(wbinvd)
FZ_USITE(vmcall)
FZ_USITE(vmxon)
FZ_USITE(vmread)
FZ_USITE(vmwrite)
FZ_USITE(vmptrld)
FZ_USITE(vmlaunch)
FZ_USITE(invept)
#undef FZ_USITE
/* INT n for each n: ring 0 entries (INT n; RET) and ring 3 entries (INT n;
 * INT 0x80), 4 bytes apart; the INT is 2 bytes. */
extern char fz_int_k[], fz_int_u[];
/* Counting interrupt stubs, 16 bytes apart, and what they counted. */
extern char fz_vec_stubs[];
extern volatile uint64_t fz_vec_count, fz_vec_last;

#endif
