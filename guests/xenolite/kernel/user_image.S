/* The shell, a static user-mode ELF built from ../user, embedded in the
 * kernel's read-only segment. The build passes its directory with -I. */
        .section .note.GNU-stack, "", @progbits
        .section .user_image, "a", @progbits
        .balign 4096
        .globl user_sh_start, user_sh_end
user_sh_start:
        .incbin "sh.elf"
user_sh_end:
