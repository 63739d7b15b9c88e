/*
 * Xen ELF notes (docs/xen-pv-abi.md §2.2), in .note.Xen which the linker
 * script puts in a PT_NOTE program header.
 */
#include <xen/elfnote.h>

        .section .note.GNU-stack, "", @progbits

#define VIRT_BASE 0xffffffff80000000

.macro ELFNOTE type, payload:vararg
        .pushsection .note.Xen, "a", @note
        .balign 4
        .long 2f - 1f                   /* namesz */
        .long 4f - 3f                   /* descsz */
        .long \type
1:      .asciz "Xen"
2:      .balign 4
3:      \payload
4:      .balign 4
        .popsection
.endm

        ELFNOTE XEN_ELFNOTE_GUEST_OS,       .asciz "xenolite"
        ELFNOTE XEN_ELFNOTE_GUEST_VERSION,  .asciz XENOLITE_VERSION
        ELFNOTE XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0"
        ELFNOTE XEN_ELFNOTE_LOADER,         .asciz "generic"
        ELFNOTE XEN_ELFNOTE_VIRT_BASE,      .quad VIRT_BASE
        ELFNOTE XEN_ELFNOTE_PADDR_OFFSET,   .quad 0
        ELFNOTE XEN_ELFNOTE_ENTRY,          .quad _start
        ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page
        /* Required: no writable page tables (every PTE change goes through
         * mmu_update); pae_pgdir_above_4gb: L4 may live anywhere. */
        ELFNOTE XEN_ELFNOTE_FEATURES,       .asciz "!writable_page_tables|pae_pgdir_above_4gb"
