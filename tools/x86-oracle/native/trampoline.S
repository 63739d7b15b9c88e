/*
 * Xenoserver x86 oracle: trampoline between the C harness and a snippet.
 *
 * tramp_run(const struct cpu_state *in, struct cpu_state *out)
 *   saves the callee-saved registers and the host RSP, loads RFLAGS and all
 *   16 GPRs from `in`, and jumps to the code window (0x10000000). The snippet
 *   is followed by `jmp [rip+0]; .quad tramp_epilogue`, which stores every GPR
 *   and RFLAGS into `out` and returns 0 to C. A fault is caught by the signal
 *   handler in harness.c, which redirects the interrupted context to
 *   tramp_fault_return (returns 1).
 *
 * struct cpu_state layout: u64 gpr[16] (rax rcx rdx rbx rsp rbp rsi rdi r8..r15), u64 rflags.
 */
        .intel_syntax noprefix
        .text

        .globl tramp_run
        .type tramp_run, @function
tramp_run:
        push rbx
        push rbp
        push r12
        push r13
        push r14
        push r15
        mov [rip + tramp_out], rsi
        mov [rip + tramp_host_rsp], rsp
        push qword ptr [rdi + 128]
        popfq
        mov rax, [rdi + 0]
        mov rcx, [rdi + 8]
        mov rdx, [rdi + 16]
        mov rbx, [rdi + 24]
        mov rsp, [rdi + 32]
        mov rbp, [rdi + 40]
        mov rsi, [rdi + 48]
        mov r8,  [rdi + 64]
        mov r9,  [rdi + 72]
        mov r10, [rdi + 80]
        mov r11, [rdi + 88]
        mov r12, [rdi + 96]
        mov r13, [rdi + 104]
        mov r14, [rdi + 112]
        mov r15, [rdi + 120]
        mov rdi, [rdi + 56]
        jmp qword ptr [rip + tramp_code_addr]
        .size tramp_run, . - tramp_run

        .globl tramp_epilogue
        .type tramp_epilogue, @function
tramp_epilogue:
        /* Nothing here may change the flags before pushfq. */
        mov [rip + tramp_scratch], rax
        mov rax, [rip + tramp_out]
        mov [rax + 8], rcx
        mov [rax + 16], rdx
        mov [rax + 24], rbx
        mov [rax + 32], rsp
        mov [rax + 40], rbp
        mov [rax + 48], rsi
        mov [rax + 56], rdi
        mov [rax + 64], r8
        mov [rax + 72], r9
        mov [rax + 80], r10
        mov [rax + 88], r11
        mov [rax + 96], r12
        mov [rax + 104], r13
        mov [rax + 112], r14
        mov [rax + 120], r15
        mov rcx, [rip + tramp_scratch]
        mov [rax + 0], rcx
        mov rsp, [rip + tramp_host_rsp]
        pushfq
        pop qword ptr [rax + 128]
        cld
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbp
        pop rbx
        xor eax, eax
        ret
        .size tramp_epilogue, . - tramp_epilogue

        .globl tramp_fault_return
        .type tramp_fault_return, @function
tramp_fault_return:
        mov rsp, [rip + tramp_host_rsp]
        cld
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbp
        pop rbx
        mov eax, 1
        ret
        .size tramp_fault_return, . - tramp_fault_return

        .data
        .balign 8
        .globl tramp_code_addr
tramp_code_addr:  .quad 0x10000000
tramp_out:        .quad 0
        .globl tramp_host_rsp
tramp_host_rsp:   .quad 0
tramp_scratch:    .quad 0

        .section .note.GNU-stack, "", @progbits
