/*
 * Entry code of the test kernels: _start, the hypercall page, exception and
 * callback entry points, the common trap path and the return paths (iret
 * hypercall / native iretq), and the user-mode enter/exit helpers.
 *
 * Bounce frames are described in docs/xen-pv-abi.md §6.2: Xen enters with
 *   [RCX][R11]([ERR])[RIP][CS|mask<<32][RFLAGS][RSP][SS]   (lowest first)
 * and RCX/R11 holding junk; every entry pops RCX/R11 first.
 */
#include <xen/xen.h>

#define VEC_EVENT    0x100
#define VEC_SYSCALL  0x101
#define TRAP_RET_IRET    0
#define TRAP_RET_SYSRET  1
#define TRAP_RET_NATIVE  2
#define SYS_EXIT         0

        .section .note.GNU-stack, "", @progbits

/* ------------------------------------------------------------------ */
        .section .text.entry, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        /* Record the builder-provided register state before using any. */
        movq %rax, boot_regs +   0(%rip)
        movq %rbx, boot_regs +   8(%rip)
        movq %rcx, boot_regs +  16(%rip)
        movq %rdx, boot_regs +  24(%rip)
        movq %rsi, boot_regs +  32(%rip)
        movq %rdi, boot_regs +  40(%rip)
        movq %rbp, boot_regs +  48(%rip)
        movq %rsp, boot_regs +  56(%rip)
        movq %r8,  boot_regs +  64(%rip)
        movq %r9,  boot_regs +  72(%rip)
        movq %r10, boot_regs +  80(%rip)
        movq %r11, boot_regs +  88(%rip)
        movq %r12, boot_regs +  96(%rip)
        movq %r13, boot_regs + 104(%rip)
        movq %r14, boot_regs + 112(%rip)
        movq %r15, boot_regs + 120(%rip)
        pushfq                          /* uses the builder's boot stack */
        popq boot_regs + 128(%rip)
        xorl %eax, %eax
        movw %cs, %ax
        movq %rax, boot_regs + 136(%rip)
        movw %ss, %ax
        movq %rax, boot_regs + 144(%rip)
        movw %ds, %ax
        movq %rax, boot_regs + 152(%rip)
        movw %es, %ax
        movq %rax, boot_regs + 160(%rip)
        movw %fs, %ax
        movq %rax, boot_regs + 168(%rip)
        movw %gs, %ax
        movq %rax, boot_regs + 176(%rip)

        cld
        leaq boot_stack_top(%rip), %rsp
        movq %rsi, %rdi                 /* start_info */
        xorl %ebp, %ebp
        call rt_start                   /* never returns */
        ud2
        .size _start, . - _start

#if XEN_HCALL_PAGE
/* ------------------------------------------------------------------ */
/* Filled by the domain builder (XEN_ELFNOTE_HYPERCALL_PAGE). Poisoned with
 * 'ret' so an unfilled page is detected (first byte stays 0xc3). */
        .section .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl hypercall_page
        .type hypercall_page, @object
hypercall_page:
        .fill 4096, 1, 0xc3
        .size hypercall_page, 4096
#endif

/* ------------------------------------------------------------------ */
        .text

/* Exception / software-interrupt entry points. */
.macro TRAP_ENTRY vec, has_ec
        .globl trap_entry_\vec
        .type trap_entry_\vec, @function
trap_entry_\vec:
        popq %rcx
        popq %r11
.if \has_ec == 0
        pushq $0
.endif
        pushq $\vec
        jmp trap_common
        .size trap_entry_\vec, . - trap_entry_\vec
.endm

        TRAP_ENTRY 0, 0
        TRAP_ENTRY 1, 0
        TRAP_ENTRY 2, 0
        TRAP_ENTRY 3, 0
        TRAP_ENTRY 4, 0
        TRAP_ENTRY 5, 0
        TRAP_ENTRY 6, 0
        TRAP_ENTRY 7, 0
        TRAP_ENTRY 8, 1
        TRAP_ENTRY 9, 0
        TRAP_ENTRY 10, 1
        TRAP_ENTRY 11, 1
        TRAP_ENTRY 12, 1
        TRAP_ENTRY 13, 1
        TRAP_ENTRY 14, 1
        TRAP_ENTRY 15, 0
        TRAP_ENTRY 16, 0
        TRAP_ENTRY 17, 1
        TRAP_ENTRY 18, 0
        TRAP_ENTRY 19, 0
        TRAP_ENTRY 0x20, 0
        TRAP_ENTRY 0x21, 0
        TRAP_ENTRY 0x22, 0
        TRAP_ENTRY 0x23, 0
        TRAP_ENTRY 0x80, 0
        TRAP_ENTRY 0x81, 0
        TRAP_ENTRY 0x82, 0

/* Event upcall (CALLBACKTYPE_event): 7-word frame, events masked by Xen. */
        .globl event_callback_entry
        .type event_callback_entry, @function
event_callback_entry:
        popq %rcx
        popq %r11
        pushq $0
        pushq $VEC_EVENT
        jmp trap_common
        .size event_callback_entry, . - event_callback_entry

/* SYSCALL from guest user mode (CALLBACKTYPE_syscall). RCX/R11 slots hold
 * the user RIP/RFLAGS that SYSCALL produced. */
        .globl syscall_callback_entry
        .type syscall_callback_entry, @function
syscall_callback_entry:
        popq %rcx
        popq %r11
        pushq $0
        pushq $VEC_SYSCALL
        jmp trap_common
        .size syscall_callback_entry, . - syscall_callback_entry

/* Failsafe callback: 11-word frame [RCX,R11,DS,ES,FS,GS,RIP,CS,RFLAGS,RSP,SS]. */
        .globl failsafe_callback_entry
        .type failsafe_callback_entry, @function
failsafe_callback_entry:
        movq %rsp, %rdi
        andq $~15, %rsp
        cld
        call failsafe_dispatch          /* does not return */
        ud2
        .size failsafe_callback_entry, . - failsafe_callback_entry

/*
 * Common path. On entry the stack holds [vector][error][RIP][CS][RFLAGS][RSP][SS]
 * and every GPR still has its interrupted value. Build struct trap_frame.
 * The bounce frame top is 16-byte aligned, so after 17 pushes RSP is too.
 */
        .type trap_common, @function
trap_common:
        pushq $TRAP_RET_IRET            /* ret_mode */
        pushq $0                        /* reserved */
        pushq %rdi
        pushq %rsi
        pushq %rdx
        pushq %rcx
        pushq %rax
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %rbx
        pushq %rbp
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, %rdi
        cld
        call trap_dispatch
        /* fall through */
        .globl trap_return
trap_return:
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbp
        popq %rbx
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rax
        popq %rcx
        popq %rdx
        popq %rsi
        popq %rdi
        addq $8, %rsp                   /* reserved; RSP now at ret_mode */
        cmpq $TRAP_RET_NATIVE, (%rsp)
        je 2f
        cmpq $TRAP_RET_SYSRET, (%rsp)
        je 1f
        addq $16, %rsp                  /* skip ret_mode, vector: RSP at error slot */
        movq $0, (%rsp)                 /* iret_context.flags */
        jmp hypercall_iret
1:      addq $16, %rsp
        movq $VGCF_in_syscall, (%rsp)
        jmp hypercall_iret
2:      addq $24, %rsp                  /* skip ret_mode, vector, error: RSP at RIP */
        orb $3, 8(%rsp)                 /* CS RPL 0 -> 3: same-privilege iretq */
        iretq
        .size trap_common, . - trap_common

/*
 * HYPERVISOR_iret. RSP points at [flags][rip][cs][rflags][rsp][ss]; the stub
 * pushes rcx, r11, rax. Never returns.
 */
        .globl hypercall_iret
        .type hypercall_iret, @function
hypercall_iret:
#if XEN_HCALL_PAGE
        jmp hypercall_page + __HYPERVISOR_iret * 32
#else
        pushq %rcx
        pushq %r11
        pushq %rax
        movl $__HYPERVISOR_iret, %eax
        syscall
        ud2
#endif
        .size hypercall_iret, . - hypercall_iret

/*
 * long run_user(long (*fn)(unsigned long), unsigned long arg, void *stack)
 * Saves the callee-saved state, then "returns" to guest user mode through
 * HYPERVISOR_iret with CS = FLAT_USER_CS (RPL 3). The user code ends with
 * SYSCALL(SYS_EXIT); the kernel's syscall handler calls user_exit_to_kernel.
 */
        .globl run_user
        .type run_user, @function
run_user:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, user_resume_rsp(%rip)
        movq %rdi, %r12                 /* fn: survives the iret */
        movq %rsi, %r13                 /* arg */
        pushq $FLAT_USER_SS             /* ss */
        pushq %rdx                      /* rsp */
        pushq $0x202                    /* rflags: IF (events unmasked in user mode) */
        pushq $FLAT_USER_CS             /* cs, RPL 3 => user mode */
        leaq user_trampoline(%rip), %rax
        pushq %rax                      /* rip */
        pushq $0                        /* flags */
        jmp hypercall_iret
        .size run_user, . - run_user

/* Runs in guest user mode. */
        .globl user_trampoline
        .type user_trampoline, @function
user_trampoline:
        movq %r13, %rdi
        call *%r12
        movq %rax, %rdi
        movl $SYS_EXIT, %eax
        syscall
        ud2
        .size user_trampoline, . - user_trampoline

/* noreturn void user_exit_to_kernel(long code): back into run_user's caller. */
        .globl user_exit_to_kernel
        .type user_exit_to_kernel, @function
user_exit_to_kernel:
        movq user_resume_rsp(%rip), %rsp
        movq %rdi, %rax
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret
        .size user_exit_to_kernel, . - user_exit_to_kernel

/* ------------------------------------------------------------------ */
        .bss
        .balign 8
user_resume_rsp:
        .quad 0

        .section .bss.stacks, "aw", @nobits
        .balign 4096
        .globl boot_stack_top, trap_stack_top, user_stack_top
        .space 16384
boot_stack_top:
        .space 16384
trap_stack_top:
        .space 16384
user_stack_top:
