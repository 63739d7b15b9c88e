/*
 * xenolite entry code: _start, the hypercall page, the exception / event /
 * syscall / failsafe entry points, the common return path through the iret
 * hypercall, the task context switch and the first entry into user mode.
 *
 * Xen enters every handler with a "bounce frame" (docs/xen-pv-abi.md §6.2):
 *     [RCX][R11]([error])[RIP][CS|mask<<32][RFLAGS][RSP][SS]   lowest first
 * on the interrupted stack (kernel mode) or on the stack_switch() stack
 * (user mode), with RCX/R11 themselves holding junk. Each entry pops the
 * saved RCX/R11 back and builds a struct trap_frame (kernel.h).
 */
#include <xen/xen.h>

#define VEC_EVENT    0x100
#define VEC_SYSCALL  0x101
#define IRET_STUB    (hypercall_page + __HYPERVISOR_iret * 32)

        .section .note.GNU-stack, "", @progbits

        .section .text.entry, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        /* Builder hand-off (§3.6): RSI = start_info, RSP = boot stack in the
         * builder's region, events masked. Keep the TSC first so the boot
         * time can be measured from here once pvclock is reachable. */
        cld
        rdtsc
        shlq $32, %rdx
        orq %rdx, %rax
        movq %rax, boot_tsc(%rip)
        /* Our own stack in .bss: the builder's stack page is reclaimed. */
        leaq init_stack_top(%rip), %rsp
        movq %rsi, %rdi
        xorl %ebp, %ebp
        call kmain                      /* never returns */
        ud2
        .size _start, . - _start

/* Filled by the domain builder; poisoned with `ret` so kmain can tell. */
        .section .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl hypercall_page
        .type hypercall_page, @object
hypercall_page:
        .fill 4096, 1, 0xc3
        .size hypercall_page, 4096

        .text

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
        TRAP_ENTRY 10, 1
        TRAP_ENTRY 11, 1
        TRAP_ENTRY 12, 1
        TRAP_ENTRY 13, 1
        TRAP_ENTRY 14, 1
        TRAP_ENTRY 16, 0
        TRAP_ENTRY 17, 1
        TRAP_ENTRY 18, 0
        TRAP_ENTRY 19, 0

/* CALLBACKTYPE_event: 7-word frame, Xen has set upcall_mask = 1. */
        .globl event_entry
        .type event_entry, @function
event_entry:
        popq %rcx
        popq %r11
        pushq $0
        pushq $VEC_EVENT
        jmp trap_common
        .size event_entry, . - event_entry

/* CALLBACKTYPE_syscall: SYSCALL from guest user mode, on the stack_switch()
 * stack; the RCX/R11 slots hold the user RIP/RFLAGS that SYSCALL produced.
 * Registered with CALLBACKF_mask_events, so events are masked here. */
        .globl syscall_entry
        .type syscall_entry, @function
syscall_entry:
        popq %rcx
        popq %r11
        pushq $0
        pushq $VEC_SYSCALL
        jmp trap_common
        .size syscall_entry, . - syscall_entry

/* CALLBACKTYPE_failsafe: 11-word frame [RCX,R11,DS,ES,FS,GS,RIP,CS,RFLAGS,RSP,SS].
 * xenolite never loads data segments, so reaching this is a bug: report it. */
        .globl failsafe_entry
        .type failsafe_entry, @function
failsafe_entry:
        movq %rsp, %rdi
        andq $~15, %rsp
        call failsafe_c                 /* panics */
        ud2
        .size failsafe_entry, . - failsafe_entry

/*
 * Common path: the stack holds [vector][error][RIP][CS][RFLAGS][RSP][SS] and
 * every GPR its interrupted value. The bounce frame top is 16-byte aligned,
 * so two padding slots plus 15 GPRs keep RSP aligned for the C call.
 */
        .type trap_common, @function
trap_common:
        pushq $0                        /* pad1 */
        pushq $0                        /* pad0 */
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
        call trap_entry_c               /* stores the iret flags in f->error_code */
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
        addq $24, %rsp                  /* pad0, pad1, vector: RSP at [flags][RIP]... */
        /* HYPERVISOR_iret (§6.6): the stub pushes RCX, R11, RAX and never returns. */
        jmp IRET_STUB
        .size trap_common, . - trap_common

/*
 * void switch_context(uint64_t *save_sp, uint64_t load_sp)
 * Cooperative task switch: callee-saved registers on the old stack.
 */
        .globl switch_context
        .type switch_context, @function
switch_context:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret
        .size switch_context, . - switch_context

/* First switch into a new task (see task_create): R12 = function, R13 = arg. */
        .globl task_trampoline
        .type task_trampoline, @function
task_trampoline:
        movq %r13, %rdi
        call *%r12
        movl %eax, %edi
        call task_exit                  /* never returns */
        ud2
        .size task_trampoline, . - task_trampoline

/*
 * noreturn void enter_user(uint64_t rip, uint64_t rsp)
 * Enters guest user mode through HYPERVISOR_iret with CS RPL 3 (Xen then
 * switches to the user root table and swaps GS). RFLAGS.IF = 1 unmasks
 * events. Registers are cleared so no kernel value leaks to user mode.
 */
        .globl enter_user
        .type enter_user, @function
enter_user:
        pushq $FLAT_USER_SS             /* ss */
        pushq %rsi                      /* rsp */
        pushq $0x202                    /* rflags: IF */
        pushq $FLAT_USER_CS             /* cs: RPL 3 = user mode */
        pushq %rdi                      /* rip */
        pushq $0                        /* flags: plain iret */
        xorl %eax, %eax
        xorl %ebx, %ebx
        xorl %ecx, %ecx
        xorl %edx, %edx
        xorl %esi, %esi
        xorl %edi, %edi
        xorl %ebp, %ebp
        xorl %r8d, %r8d
        xorl %r9d, %r9d
        xorl %r10d, %r10d
        xorl %r11d, %r11d
        xorl %r12d, %r12d
        xorl %r13d, %r13d
        xorl %r14d, %r14d
        xorl %r15d, %r15d
        jmp IRET_STUB
        .size enter_user, . - enter_user

        .section .bss.stacks, "aw", @nobits
        .balign 4096
        .globl init_stack, init_stack_top
init_stack:
        .space 16384
init_stack_top:
