/* vmtest.efi: shared declarations between the check driver (vmtest.c), the
 * test environment (vmtest_env.c), the exception checks (vmtest_exc.c) and
 * the assembly (vmtest_asm.asm). */
#ifndef VMTEST_H
#define VMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Our GDT (vmtest_env.c); the asm hard-codes the user selectors. */
#define VT_KCODE 0x08
#define VT_KDATA 0x10
#define VT_UDATA 0x1b /* entry 3, RPL 3 */
#define VT_UCODE 0x23 /* entry 4, RPL 3 */
#define VT_TSS 0x28
/* A selector beyond our GDT's limit: loading it raises #GP(selector). */
#define VT_BAD_SELECTOR 0xfff8
/* Unmapped in our page tables (only the first 4 GB are), and canonical. */
#define VT_UNMAPPED_ADDR 0x123456780ull

/* What the interrupt stubs push, lowest address first. */
struct vt_iframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* One exception as the handler saw it. */
struct vt_fault {
	uint64_t vector, error, rip, cs, ss, rsp, cr2;
};

#define VT_MAX_FAULTS 16
extern volatile uint64_t vt_resume_rip; /* where the handler resumes; 0: abort */
extern struct vt_fault vt_faults[VT_MAX_FAULTS];
extern volatile unsigned vt_nfaults;
extern struct vt_iframe vt_int80_frame; /* ring 3's state at its last INT 0x80 */
extern volatile unsigned vt_nint80;

/* Result text of a check run inside the environment. */
struct vt_result {
	bool pass;
	char detail[200];
};
void vt_detail(struct vt_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vmtest.c */
void vt_report(const char *check, bool pass, const char *detail);
__attribute__((noreturn)) void vt_fatal(const char *detail);

/* vmtest_env.c: the private GDT/IDT/TSS/page tables. vt_env_init allocates
 * (once); vt_env_run enters the environment with interrupts off, runs fn
 * under an exception guard, leaves it, and checks the firmware's state is
 * back. has_paging tells whether our page tables are used. */
bool vt_env_init(void *boot_services, char *why, size_t why_len);
void vt_env_run(void (*fn)(struct vt_result *), struct vt_result *r);
bool vt_env_has_paging(void);
uint64_t vt_env_user_stack_top(void);
/* Maps the 2 MB page holding physical address pa at VT_HIGH_LINEAR (512 GB,
 * PML4 slot 1) in our page tables and returns pa's linear address there. */
#define VT_HIGH_LINEAR (512ull << 30)
uint64_t vt_env_map_high(uint64_t pa);
void vt_env_fini(void);
/* Formats the faults recorded so far (for failure details). */
void vt_describe_fault(char *buf, size_t n, const struct vt_fault *f);

/* Called by the interrupt stubs: 0 = IRETQ to the (possibly changed)
 * frame, 1 = abandon the check (back to the innermost vt_try/vt_user_enter). */
int vt_exc_dispatch(struct vt_iframe *f);
void vt_int80_record(struct vt_iframe *f);

/* vmtest_exc.c: checks 7-11 (bodies run inside vt_env_run). */
void vt_check_exception_ring0(struct vt_result *r);
void vt_check_exception_ring3(struct vt_result *r);
void vt_check_ring3_roundtrip(struct vt_result *r);
void vt_check_vmx_ud(struct vt_result *r);
void vt_check_msr_gp(struct vt_result *r);
void vt_check_high_physical(struct vt_result *r);

/* vmtest_asm.asm */
int vt_try(void (*fn)(void *), void *arg);
int vt_user_enter(const uint64_t regs[15], uint64_t rip, uint64_t rsp);
extern char vt_isr_stubs[], vt_int80_stub[];
extern volatile uint64_t vt_user_counter;
#define VT_SITE(name) \
	extern char name##_site[], name##_resume[]; \
	uint64_t name(uint64_t a);
VT_SITE(vt_k_ud)
VT_SITE(vt_k_int3)
VT_SITE(vt_k_div0)
VT_SITE(vt_k_loadds)
VT_SITE(vt_k_read)
VT_SITE(vt_k_write)
VT_SITE(vt_k_vmxon)
VT_SITE(vt_k_vmxoff)
VT_SITE(vt_k_vmread)
VT_SITE(vt_k_vmptrld)
VT_SITE(vt_k_rdmsr)
VT_SITE(vt_k_wrmsr)
#undef VT_SITE
extern char vt_user_faults[], vt_uf_ud[], vt_uf_hlt[], vt_uf_seg[], vt_uf_pf[];
extern char vt_user_roundtrip[], vt_user_roundtrip_ret[];

#endif
