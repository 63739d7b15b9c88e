/* User program entry: the kernel enters at _start with RSP = top of a fresh
 * stack (16-byte aligned) and all other registers zero. */
        .section .note.GNU-stack, "", @progbits
        .section .text.entry, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        xorl %ebp, %ebp
        call main
        movl %eax, %edi
        call sys_exit
        ud2
        .size _start, . - _start
