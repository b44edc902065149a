; fuzz.efi: the instruction sites. Each ring 0 site fz_NAME(struct fz_regs *)
; loads RAX RBX RCX RDX R8 R9 from the struct, runs the instruction under
; test at fz_NAME_site, and stores the registers back at fz_NAME_resume,
; where the exception handler (vmtest_env.c) resumes when the instruction
; faults (the handler's IRETQ restores every register, so RDI and the stack
; are as they were). Writes that succeed read the register back into RBX
; and restore the old value (from RDX or R8) at once, so no C code ever runs
; under a value the fuzzer chose.
; Ring 3 code (fzu_NAME) is entered with vt_user_enter: one instruction,
; then INT 0x80 (at fzu_NAME_resume) back to ring 0.

default rel
bits 64

section .data
align 8
global fz_vec_count:data hidden, fz_vec_last:data hidden
fz_vec_count: dq 0
fz_vec_last: dq 0

section .text

%macro OP_BEGIN 1
global %1, %1_site, %1_resume
%1:
	push rbx
	push rdi
	mov rax, [rdi]
	mov rbx, [rdi + 8]
	mov rcx, [rdi + 16]
	mov rdx, [rdi + 24]
	mov r8, [rdi + 32]
	mov r9, [rdi + 40]
%1_site:
%endmacro

%macro OP_END 1
%1_resume:
	mov rdi, [rsp]
	mov [rdi], rax
	mov [rdi + 8], rbx
	mov [rdi + 16], rcx
	mov [rdi + 24], rdx
	mov [rdi + 32], r8
	mov [rdi + 40], r9
	pop rdi
	pop rbx
	ret
%endmacro

; One instruction, nothing after it.
%macro OP1 2+
OP_BEGIN %1
	%2
OP_END %1
%endmacro

OP1 fz_cpuid, cpuid
OP1 fz_rdmsr, rdmsr
OP1 fz_vmcall, vmcall
OP1 fz_invd, invd
; VMX instructions: R8 points to a scratch 16-byte operand.
OP1 fz_vmxon, vmxon [r8]
OP1 fz_vmxoff, vmxoff
OP1 fz_vmclear, vmclear [r8]
OP1 fz_vmptrld, vmptrld [r8]
OP1 fz_vmptrst, vmptrst [r8]
OP1 fz_vmread, vmread rbx, rax
OP1 fz_vmwrite, vmwrite rax, rbx
OP1 fz_vmlaunch, vmlaunch
OP1 fz_vmresume, vmresume
OP1 fz_invept, invept rax, [r8]
OP1 fz_invvpid, invvpid rax, [r8]
OP1 fz_vmfunc, vmfunc

; WRMSR ECX <- EDX:EAX; then RBX <- RDMSR, and the old value (R8) back.
OP_BEGIN fz_wrmsr
	wrmsr
	rdmsr
	shl rdx, 32
	mov eax, eax
	or rax, rdx
	mov rbx, rax
	mov rax, r8
	mov rdx, r8
	shr rdx, 32
	wrmsr
OP_END fz_wrmsr

; MOV CRn <- RAX; then RBX <- CRn, and the old value (RDX) back.
%macro WCR 1
OP_BEGIN fz_wcr%1
	mov cr%1, rax
	mov rbx, cr%1
	mov cr%1, rdx
OP_END fz_wcr%1
%endmacro
WCR 0
WCR 3
WCR 4

; XSETBV XCR[ECX] <- EDX:EAX; then RBX <- XCR0, and the old XCR0 (R8) back.
OP_BEGIN fz_xsetbv
	xsetbv
	xor ecx, ecx
	xgetbv
	shl rdx, 32
	mov eax, eax
	or rax, rdx
	mov rbx, rax
	mov rax, r8
	mov rdx, r8
	shr rdx, 32
	xor ecx, ecx
	xsetbv
OP_END fz_xsetbv

; ---- ring 3 code ----
%macro UOP 2+
global fzu_%1, fzu_%1_resume
fzu_%1:
	%2
fzu_%1_resume:
	int 0x80
	ud2
%endmacro

UOP cpuid, cpuid
UOP rdmsr, rdmsr
UOP wrmsr, wrmsr
UOP wcr0, mov cr0, rax
UOP rcr0, mov rax, cr0
UOP wcr3, mov cr3, rax
UOP rcr3, mov rax, cr3
UOP wcr4, mov cr4, rax
UOP rcr4, mov rax, cr4
UOP xsetbv, xsetbv
UOP xgetbv, xgetbv
UOP invd, invd
UOP wbinvd, wbinvd
UOP vmcall, vmcall
UOP vmxon, vmxon [r8]
UOP vmread, vmread rbx, rax
UOP vmwrite, vmwrite rax, rbx
UOP vmptrld, vmptrld [r8]
UOP vmlaunch, vmlaunch
UOP invept, invept rax, [r8]

; ---- INT n, 4 bytes apart: CD nn, then RET (ring 0) or INT 0x80 (ring 3).
; NASM assembles "int 3" as CD 03 like every other vector (INT3 is CC).
	align 16
global fz_int_k
fz_int_k:
%assign v 0
%rep 256
	align 4, db 0x90
	int v
	ret
%assign v v + 1
%endrep

	align 16
global fz_int_u
fz_int_u:
%assign v 0
%rep 256
	align 4, db 0x90
	int v
	int 0x80
%assign v v + 1
%endrep

; ---- counting interrupt stubs for vectors 32-255, 16 bytes apart: record
; the vector, count, return. Reached only by INT n, so there is no error
; code and no EOI to send.
	align 16
global fz_vec_stubs
fz_vec_stubs:
%assign v 0
%rep 256
	align 16, db 0x90
	push v
	jmp fz_vec_common
%assign v v + 1
%endrep

fz_vec_common:
	push rax
	mov rax, [rsp + 8]
	mov [fz_vec_last], rax
	inc qword [fz_vec_count]
	pop rax
	add rsp, 8
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
