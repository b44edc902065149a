; VMLAUNCH/VMRESUME glue and the host's exception stubs.
; Only what C cannot do: exact RSP at VMLAUNCH, saving every guest GPR at
; VM exit. Our C is built -mgeneral-regs-only, so guest XMM/AVX state is
; never touched by the host and need not be saved here.

default rel
bits 64
section .text

extern vmx_exit_handler        ; void vmx_exit_handler(struct vcpu *, struct guest_regs *, uint64_t tsc)
extern vmx_resume_failed       ; _Noreturn void vmx_resume_failed(struct vcpu *, uint64_t rflags)
extern host_exception          ; _Noreturn void host_exception(struct host_exception_frame *)

; enum vmx_result vmx_launch_in_place(uint64_t guest_rsp_encoding, uint64_t guest_rip_encoding)
; Points the guest's RSP/RIP at this very frame and label, then VMLAUNCH:
; on success execution goes on at .guest_resumes in VMX non-root mode and
; the function returns 0 to its caller, now as the guest (SDM Vol. 3C §26).
; On VMfailInvalid returns 1, on VMfailValid 2 (still in root mode).
global vmx_launch_in_place
vmx_launch_in_place:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	vmwrite rdi, rsp
	lea rax, [.guest_resumes]
	vmwrite rsi, rax
	vmlaunch
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
.guest_resumes:
	xor eax, eax
	jmp .out

; The general registers in struct guest_regs / struct host_exception_frame
; order, undone: R15 is at the lowest address.
%macro POP_GPRS 0
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	pop rdx
	pop rcx
	pop rax
%endmacro

; Their saving, from RBX on (RAX, RCX and RDX go first, each path has its
; reason: the exit stub reads the TSC once those three are saved).
%macro PUSH_GPRS_FROM_RBX 0
	push rbx
	push rbp
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
%endmacro

; VMCS HOST_RIP. At exit RSP = HOST_RSP, where the vcpu pointer is stored.
; The TSC is read as soon as RAX and RDX are saved: the exit's cost for the
; statistics runs from here (third argument of vmx_exit_handler).
global vmx_exit_stub
vmx_exit_stub:
	sub rsp, 8
	push rax
	push rcx
	push rdx
	rdtsc
	PUSH_GPRS_FROM_RBX
	shl rdx, 32
	or rdx, rax
	mov rdi, [rsp + 128]
	mov rsi, rsp
	call vmx_exit_handler wrt ..plt
	POP_GPRS
	add rsp, 8
	vmresume
	; VMRESUME failed: report with the flags that say how.
	pushfq
	pop rsi
	mov rdi, [rsp]
	call vmx_resume_failed wrt ..plt
	ud2

; Host IDT stubs, 16 bytes each so C computes their addresses
; (host_exception_stubs + 16 * vector) without relocated tables.
; Each pushes an error code (0 when the CPU pushes none) and the vector.
%macro EXC 1
	align 16
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
	push qword %1
	jmp host_exception_common
%elif %1 = 2
	; NMI in root mode (NMI exiting is on): remember it for the guest.
	mov byte [gs:0], 1  ; HOST_GS_BASE = &vcpu->host_nmi_pending
	iretq
%else
	push qword 0
	push qword %1
	jmp host_exception_common
%endif
%endmacro

	align 16
global host_exception_stubs
host_exception_stubs:
%assign v 0
%rep 32
	EXC v
%assign v v + 1
%endrep

host_exception_common:
	push rax
	push rcx
	push rdx
	PUSH_GPRS_FROM_RBX
	mov rdi, rsp
	mov rbx, rsp
	and rsp, -16
	call host_exception wrt ..plt
	; It returns only where the interrupted code may go on (a machine
	; check with RIPV, host.c): restore and return to it.
	mov rsp, rbx
	POP_GPRS
	add rsp, 16
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
