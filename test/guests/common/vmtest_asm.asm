; vmtest.efi: what C cannot express. Interrupt stubs (exact frame layout,
; IRETQ), the kernel context that an unexpected exception or INT 0x80
; returns to (a setjmp/longjmp of our own, since ring 3 code never returns
; through the C stack), entry to ring 3, and the fault sites: every
; instruction that must raise an exception is placed here under a label, so
; C knows the exact faulting RIP and a resume address without guessing
; instruction lengths.
; Data shared with C lives in C (vmtest_env.c) and is reached through
; pointers; data used only here is hidden, so RIP-relative references are
; fine in the position-independent shared object GNU-EFI links.

default rel
bits 64

extern vt_exc_dispatch          ; int vt_exc_dispatch(struct vt_iframe *): 0 = IRETQ, 1 = abort
extern vt_int80_record          ; void vt_int80_record(struct vt_iframe *)

%define USER_DS 0x1b            ; GDT entry 3, RPL 3 (vmtest.h)
%define USER_CS 0x23            ; GDT entry 4, RPL 3

section .data
align 8
; The innermost saved kernel context (see SAVE_KCTX); 0 when none.
vt_kctx_rsp: dq 0
global vt_user_counter:data hidden
vt_user_counter: dq 0           ; incremented by ring 3 code

section .text

; A kernel context lives on the stack of vt_try / vt_user_enter: the
; callee-saved registers, SS, DS, ES and the previous context, so that
; contexts nest (a check inside vt_try enters ring 3 with vt_user_enter).
; 10 pushes after the return address: RSP is then 8 mod 16.
%macro SAVE_KCTX 0
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov ecx, ss
	push rcx
	mov ecx, ds
	push rcx
	mov ecx, es
	push rcx
	push qword [vt_kctx_rsp]
	mov [vt_kctx_rsp], rsp
%endmacro

; int vt_try(void (*fn)(void *), void *arg): calls fn(arg); returns 0 when
; it returns, 1 when an exception with no resume address cut it short.
global vt_try
vt_try:
	SAVE_KCTX
	mov rax, rdi
	mov rdi, rsi
	sub rsp, 8                      ; 16-byte alignment for the call
	call rax
	add rsp, 8
	xor eax, eax
	; fall through with RSP at the context
vt_ctx_return:
	pop qword [vt_kctx_rsp]
	pop rcx
	mov es, ecx
	pop rcx
	mov ds, ecx
	pop rcx
	mov ss, ecx
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	cld
	ret

; Back to the innermost context, returning eax from its vt_try or
; vt_user_enter. After a ring 3 -> 0 transition SS is null and DS/ES hold
; user selectors: the context puts the kernel's back.
vt_abort:
	mov rsp, [vt_kctx_rsp]
	jmp vt_ctx_return

; int vt_user_enter(const uint64_t regs[15], uint64_t rip, uint64_t rsp)
; regs in the order rax rbx rcx rdx rsi rdi rbp r8..r15. IRETQ to ring 3
; with IF=0 and IOPL=0; returns 0 when ring 3 executes INT 0x80, 1 when an
; exception without a resume address ends it.
global vt_user_enter
vt_user_enter:
	SAVE_KCTX
	push USER_DS                    ; SS
	push rdx                        ; RSP
	push 0x2                        ; RFLAGS: IF=0, IOPL=0
	push USER_CS                    ; CS
	push rsi                        ; RIP
	mov eax, USER_DS
	mov ds, eax
	mov es, eax
	mov rax, [rdi + 0]
	mov rbx, [rdi + 8]
	mov rcx, [rdi + 16]
	mov rdx, [rdi + 24]
	mov rsi, [rdi + 32]
	mov rbp, [rdi + 48]
	mov r8, [rdi + 56]
	mov r9, [rdi + 64]
	mov r10, [rdi + 72]
	mov r11, [rdi + 80]
	mov r12, [rdi + 88]
	mov r13, [rdi + 96]
	mov r14, [rdi + 104]
	mov r15, [rdi + 112]
	mov rdi, [rdi + 40]
	iretq

; ---- interrupt stubs: 16 bytes each, so C finds vector v's stub at
; vt_isr_stubs + 16 * v. Each pushes an error code (0 where the CPU pushes
; none) and the vector, making one frame layout (struct vt_iframe).
%macro ISR 1
	align 16
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
	push qword %1
%else
	push qword 0
	push qword %1
%endif
	jmp vt_isr_common
%endmacro

	align 16
global vt_isr_stubs
vt_isr_stubs:
%assign v 0
%rep 32
	ISR v
%assign v v + 1
%endrep

%macro PUSH_GPRS 0
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
%endmacro

; The CPU aligned RSP to 16 before pushing its 5 (or 6) words; with error
; code, vector and 15 registers the frame is 176 bytes: aligned for calls.
vt_isr_common:
	PUSH_GPRS
	cld
	mov rdi, rsp
	call vt_exc_dispatch wrt ..plt
	test eax, eax
	jnz .abort
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq
.abort:
	mov eax, 1
	jmp vt_abort

; INT 0x80 (DPL 3 interrupt gate): ring 3 asks to go back to ring 0.
; Records ring 3's registers and frame, then returns 0 from vt_user_enter.
	align 16
global vt_int80_stub
vt_int80_stub:
	push qword 0
	push qword 0x80
	PUSH_GPRS
	cld
	mov rdi, rsp
	call vt_int80_record wrt ..plt
	xor eax, eax
	jmp vt_abort

; ---- ring 0 fault sites. Each function runs one instruction that should
; fault, at label NAME_site; the C caller sets the resume address to
; NAME_resume first. SysV arguments: rdi, rsi.
%macro SITE 1
global %1, %1_site, %1_resume
%endmacro

SITE vt_k_ud
vt_k_ud:
vt_k_ud_site:
	ud2
vt_k_ud_resume:
	ret

SITE vt_k_int3                  ; a trap: the saved RIP is the resume label
vt_k_int3:
vt_k_int3_site:
	int3
vt_k_int3_resume:
	ret

SITE vt_k_div0
vt_k_div0:
	mov eax, 1
	xor edx, edx
	xor ecx, ecx
vt_k_div0_site:
	div rcx
vt_k_div0_resume:
	ret

SITE vt_k_loadds                ; rdi = selector for DS
vt_k_loadds:
	mov eax, edi
vt_k_loadds_site:
	mov ds, eax
vt_k_loadds_resume:
	mov eax, ss                     ; DS as it was if the load did happen
	mov ds, eax
	ret

SITE vt_k_read                  ; rdi = address
vt_k_read:
vt_k_read_site:
	mov rax, [rdi]
vt_k_read_resume:
	ret

SITE vt_k_write                 ; rdi = address
vt_k_write:
	xor eax, eax
vt_k_write_site:
	mov [rdi], rax
vt_k_write_resume:
	ret

SITE vt_k_vmxon                 ; rdi = address of the region's physical address
vt_k_vmxon:
vt_k_vmxon_site:
	vmxon [rdi]
vt_k_vmxon_resume:
	ret

SITE vt_k_vmxoff                ; only to undo a VMXON that did not fault
vt_k_vmxoff:
vt_k_vmxoff_site:
	vmxoff
vt_k_vmxoff_resume:
	ret

SITE vt_k_vmread                ; reads the guest-RIP field
vt_k_vmread:
	mov eax, 0x681e
vt_k_vmread_site:
	vmread rdx, rax
vt_k_vmread_resume:
	ret

SITE vt_k_vmptrld               ; rdi = address of a VMCS physical address
vt_k_vmptrld:
vt_k_vmptrld_site:
	vmptrld [rdi]
vt_k_vmptrld_resume:
	ret

SITE vt_k_rdmsr                 ; rdi = MSR; returns its value when no #GP
vt_k_rdmsr:
	mov ecx, edi
	xor eax, eax
	xor edx, edx
vt_k_rdmsr_site:
	rdmsr
vt_k_rdmsr_resume:
	shl rdx, 32
	or rax, rdx
	ret

SITE vt_k_wrmsr                 ; rdi = MSR, writes 0
vt_k_wrmsr:
	mov ecx, edi
	xor eax, eax
	xor edx, edx
vt_k_wrmsr_site:
	wrmsr
vt_k_wrmsr_resume:
	ret

; ---- ring 3 code (entered by vt_user_enter, never called) ----

; Faults from ring 3, resumed in ring 3 by the handler: rdi = &vt_resume_rip
; (every page is user-accessible in our tables), rsi = an unmapped address.
; Ends with INT 0x80.
global vt_user_faults, vt_uf_ud, vt_uf_hlt, vt_uf_seg, vt_uf_pf
vt_user_faults:
	lea rax, [vt_uf_r1]
	mov [rdi], rax
vt_uf_ud:
	ud2
vt_uf_r1:
	lea rax, [vt_uf_r2]
	mov [rdi], rax
vt_uf_hlt:
	hlt                             ; privileged: #GP(0) at CPL 3
vt_uf_r2:
	lea rax, [vt_uf_r3]
	mov [rdi], rax
	mov eax, 0xfff8
vt_uf_seg:
	mov ds, eax                     ; beyond the GDT limit: #GP(0xfff8)
vt_uf_r3:
	lea rax, [vt_uf_r4]
	mov [rdi], rax
vt_uf_pf:
	mov rax, [rsi]                  ; not present, user read: #PF(4)
vt_uf_r4:
	int 0x80
	ud2

; Round trip: inverts every GPR but RSP, counts, and goes back with INT 0x80.
global vt_user_roundtrip, vt_user_roundtrip_ret
vt_user_roundtrip:
	not rax
	not rbx
	not rcx
	not rdx
	not rsi
	not rdi
	not rbp
	not r8
	not r9
	not r10
	not r11
	not r12
	not r13
	not r14
	not r15
	inc qword [vt_user_counter]
	int 0x80
vt_user_roundtrip_ret:
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
