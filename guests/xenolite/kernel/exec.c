/*
 * Loading a user program: the shell is a static ELF64 (linked at 0x400000,
 * see user/link.ld) embedded in the kernel image. Each PT_LOAD gets fresh
 * zeroed frames, is copied in through the user mapping (the kernel root
 * maps user space too), then gets its final permissions.
 */
#include "kernel.h"

struct elf64_ehdr {
    uint8_t  ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define ET_EXEC 2
#define EM_X86_64 62

long exec_load(const struct user_image *img, uint64_t *entry, uint64_t *sp)
{
    const struct elf64_ehdr *eh = (const void *)img->data;
    if (img->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) || eh->type != ET_EXEC ||
        eh->machine != EM_X86_64 || eh->phentsize != sizeof(struct elf64_phdr) ||
        eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > img->size)
        return -XL_EINVAL;

    const struct elf64_phdr *ph = (const void *)(img->data + eh->phoff);
    for (unsigned int i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || !ph[i].memsz)
            continue;
        uint64_t lo = ph[i].vaddr & PAGE_MASK;
        uint64_t hi = (ph[i].vaddr + ph[i].memsz + PAGE_SIZE - 1) & PAGE_MASK;
        if (ph[i].filesz > ph[i].memsz || ph[i].offset + ph[i].filesz > img->size ||
            lo < PAGE_SIZE || hi > USER_MMAP_BASE || hi < lo)
            return -XL_EINVAL;
        long rc = vm_map(lo, (hi - lo) / PAGE_SIZE, true, false);
        if (rc)
            return rc;
        memcpy((void *)ph[i].vaddr, img->data + ph[i].offset, ph[i].filesz);
        vm_protect(lo, (hi - lo) / PAGE_SIZE, ph[i].flags & PF_W, ph[i].flags & PF_X);
    }
    long rc = vm_map(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_PAGES, true, false);
    if (rc)
        return rc;
    *entry = eh->entry;
    *sp = USER_STACK_TOP;
    return 0;
}
