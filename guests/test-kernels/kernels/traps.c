/*
 * traps: exception and software-interrupt delivery in guest kernel mode
 * (docs/xen-pv-abi.md §6.1, §6.2, §6.6, §11.3).
 *
 * #DE, #BP, #UD (plain ud2 and a wrong forced-emulation signature), #GP from
 * privileged instructions, #PF (not present / write to read-only, CR2 from
 * vcpu_info.arch.cr2 and from the emulated mov %cr2, error code on the
 * frame), #NM, INT n against the trap-table DPL (3 and 1 allowed from the
 * kernel, 0 and unregistered -> #GP(n*8+2)), the mask-events flag, the
 * bounce-frame layout (CS RPL 0 marker, saved mask, 16-byte aligned frame
 * top, IF mirrors the mask), returns via HYPERVISOR_iret and via the native
 * "orb $3; iretq" path, and set_trap_table() edge cases.
 */
#include "rt.h"

static char ro_page[PAGE_SIZE] aligned_page;

/* Check the frame Xen built for a trap taken in kernel mode. */
static void check_kernel_frame(unsigned long vector, unsigned long saved_mask)
{
    CHECK_EQ(last_trap.count, 1);
    CHECK_EQ(last_trap.vector, vector);
    CHECK(!last_trap.from_user);
    CHECK_EQ(last_trap.cs & 0xffff, FLAT_KERNEL_CS & ~3);   /* RPL cleared = "was kernel" */
    CHECK_EQ(last_trap.ss & 0xffff, FLAT_KERNEL_SS);
    CHECK_EQ(last_trap.saved_mask, saved_mask);
    CHECK_EQ(!!(last_trap.rflags & X86_EFLAGS_IF), !saved_mask);
    CHECK_EQ(last_trap.rflags & X86_EFLAGS_IOPL, 0);
    /* Frame pushed on the interrupted stack, top aligned down to 16 bytes. */
    CHECK_EQ(last_trap.frame_top, last_trap.rsp & ~15UL);
}

static void test_divide_error(void)
{
    unsigned long fault_rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "xorl %%ecx, %%ecx\n\t"
                     "movl $1, %%eax\n\t"
                     "xorl %%edx, %%edx\n\t"
                     "1: divl %%ecx\n\t"
                     "2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(fault_rip) : : "rax", "rcx", "rdx");
    check_kernel_frame(X86_EXC_DE, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    CHECK_EQ(last_trap.error_code, 0);
    say("#DE ok");
}

static void test_breakpoint(void)
{
    unsigned long after;
    trap_reset();
    /* int3 is a trap: the frame RIP is the next instruction. */
    __asm__ volatile("int3\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    check_kernel_frame(X86_EXC_BP, 1);
    CHECK_EQ(last_trap.rip, after);
    say("#BP (int3) ok");
}

static void test_invalid_opcode(void)
{
    unsigned long fault_rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: ud2\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_UD, 1);
    CHECK_EQ(last_trap.rip, fault_rip);

    /* Forced-emulation signature not followed by cpuid: a plain #UD. */
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x90, 0x90\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_UD, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    /* Wrong signature ("xem") followed by cpuid: also #UD. */
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: .byte 0x0f, 0x0b, 0x78, 0x65, 0x6d, 0x0f, 0xa2\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip) : : "rax", "rbx", "rcx", "rdx");
    check_kernel_frame(X86_EXC_UD, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    say("#UD ok");
}

static void test_general_protection(void)
{
    unsigned long fault_rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: hlt\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_GP, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    CHECK_EQ(last_trap.error_code, 0);

    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: swapgs\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_GP, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    CHECK_EQ(last_trap.error_code, 0);
    say("#GP (hlt, swapgs) ok");
}

static void test_page_fault(void)
{
    unsigned long fault_rip;
    volatile uint64_t *unmapped = (volatile uint64_t *)0x0000000010000000UL;  /* L4 slot 0 is empty */

    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: movq (%1), %%rax\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip) : "r"(unmapped) : "rax", "memory");
    check_kernel_frame(X86_EXC_PF, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    CHECK_EQ(last_trap.cr2, (unsigned long)unmapped);
    /* Not present, read, guest kernel mode (U/S reflects the guest mode). */
    CHECK_EQ(last_trap.error_code & (PFEC_present | PFEC_write | PFEC_user | PFEC_reserved), 0);
    unsigned long cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));      /* emulated */
    CHECK_EQ(cr2, (unsigned long)unmapped);

    /* Write to a page we remapped read-only. */
    CHECK_OK(set_page_ro(ro_page));
    volatile char *target = ro_page + 0x123;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: movb $1, (%1)\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip) : "r"(target) : "memory");
    check_kernel_frame(X86_EXC_PF, 1);
    CHECK_EQ(last_trap.cr2, (unsigned long)target);
    CHECK_EQ(last_trap.error_code & (PFEC_present | PFEC_write | PFEC_user | PFEC_reserved),
             PFEC_present | PFEC_write);
    CHECK_EQ(ro_page[0x123], 0);
    /* Reads still work, and making it writable again works. */
    CHECK_EQ(ro_page[0], 0);
    CHECK_OK(set_page_rw(ro_page));
    ro_page[0x123] = 1;
    CHECK_EQ(ro_page[0x123], 1);
    say("#PF (not present, write to RO; cr2 via vcpu_info and mov %%cr2) ok");
}

static void test_device_not_available(void)
{
    trap_reset();
    CHECK_OK(HYPERVISOR_fpu_taskswitch(1));
    __asm__ volatile("fnop");
    CHECK_EQ(last_trap.vector, X86_EXC_NM);
    CHECK_EQ(last_trap.count, 1);
    say("#NM ok");
}

static void test_soft_interrupts(void)
{
    unsigned long fault_rip, after;

    /* DPL 3 and DPL 1 vectors may be raised from guest kernel mode: the
     * handler runs with RIP after the 2-byte instruction. */
    trap_reset();
    __asm__ volatile("int $0x20\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    check_kernel_frame(SOFTINT_DPL3, 1);
    CHECK_EQ(last_trap.rip, after);

    trap_reset();
    __asm__ volatile("int $0x21\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    check_kernel_frame(SOFTINT_DPL1, 1);
    CHECK_EQ(last_trap.rip, after);

    /* DPL 0: #GP with error code vector*8+2 at the instruction. */
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: int $0x22\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_GP, 1);
    CHECK_EQ(last_trap.rip, fault_rip);
    CHECK_EQ(last_trap.error_code, SOFTINT_DPL0 * 8 + 2);

    /* Not registered at all: same as DPL 0. */
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: int $0x24\n\t"
                     "2:\n\t" EXTABLE(1b, 2b) : "=&r"(fault_rip));
    check_kernel_frame(X86_EXC_GP, 1);
    CHECK_EQ(last_trap.error_code, SOFTINT_UNREG * 8 + 2);
    say("INT n: DPL3/DPL1 delivered, DPL0/unregistered -> #GP(n*8+2) ok");
}

static void test_event_mask_flag(void)
{
    /* Unmask events, then a vector registered with TI_MASK_EVENTS: the
     * handler sees upcall_mask = 1 and the frame records the old mask (0);
     * the iret restores it from RFLAGS.IF. */
    events_unmask();
    trap_reset();
    __asm__ volatile("int $0x23" ::: "memory");
    CHECK_EQ(last_trap.vector, SOFTINT_DPL3_MASK);
    CHECK_EQ(last_trap.mask_in_handler, 1);
    CHECK_EQ(last_trap.saved_mask, 0);
    CHECK(last_trap.rflags & X86_EFLAGS_IF);
    CHECK_EQ(vcpu->evtchn_upcall_mask, 0);

    /* Without the flag the mask is left alone. */
    trap_reset();
    __asm__ volatile("int $0x20" ::: "memory");
    CHECK_EQ(last_trap.mask_in_handler, 0);
    CHECK_EQ(last_trap.saved_mask, 0);
    CHECK_EQ(vcpu->evtchn_upcall_mask, 0);
    events_mask();

    /* Masked again: the iret keeps it masked. */
    trap_reset();
    __asm__ volatile("int $0x23" ::: "memory");
    CHECK_EQ(last_trap.saved_mask, 1);
    CHECK(!(last_trap.rflags & X86_EFLAGS_IF));
    CHECK_EQ(vcpu->evtchn_upcall_mask, 1);
    say("trap flag 4 masks events, iret restores the mask ok");
}

static void test_return_paths(void)
{
    /* Registers other than the bounce-frame ones survive both return paths. */
    for (int mode = TRAP_RET_IRET; mode <= TRAP_RET_NATIVE; mode += TRAP_RET_NATIVE) {
        next_kernel_return_mode = mode;
        trap_reset();
        /* Set only now, as operands of the int3 asm itself: the call above
         * clobbers the caller-saved RCX, R11 and RAX. */
        uint64_t rcx = 0xc0c0c0c0c0c0c0c0UL;
        uint64_t rax = 0xaaaaaaaaaaaaaaaaUL;
        register uint64_t r12 __asm__("r12") = 0x1212121212121212UL;
        register uint64_t r15 __asm__("r15") = 0x1515151515151515UL;
        register uint64_t r11 __asm__("r11") = 0x1111111111111111UL;
        __asm__ volatile("int3"
                         : "+r"(r12), "+r"(r15), "+c"(rcx), "+a"(rax), "+r"(r11)
                         :
                         : "memory");
        CHECK_EQ(last_trap.count, 1);
        CHECK_EQ(r12, 0x1212121212121212UL);
        CHECK_EQ(r15, 0x1515151515151515UL);
        CHECK_EQ(rcx, 0xc0c0c0c0c0c0c0c0UL);
        CHECK_EQ(r11, 0x1111111111111111UL);
        CHECK_EQ(rax, 0xaaaaaaaaaaaaaaaaUL);
    }
    /* Stack pointer alignment: a frame for an unaligned RSP is pushed below
     * RSP & ~15. */
    trap_reset();
    __asm__ volatile("movq %%rsp, %%rax\n\t"
                     "andq $-16, %%rsp\n\t"
                     "subq $8, %%rsp\n\t"
                     "int3\n\t"
                     "movq %%rax, %%rsp" ::: "rax", "memory");
    CHECK_EQ(last_trap.rsp & 15, 8);
    CHECK_EQ(last_trap.frame_top, last_trap.rsp & ~15UL);
    say("returns via HYPERVISOR_iret and native iretq preserve registers ok");
}

static void test_set_trap_table_edges(void)
{
    /* A non-canonical handler is refused (earlier entries are applied). */
    struct trap_info bad[] = {
        { 0x25, 3, FLAT_KERNEL_CS, 0, 0x0000800000000000UL },
        { 0, 0, 0, 0, 0 },
    };
    CHECK_RC(HYPERVISOR_set_trap_table(bad), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_set_trap_table((void *)0x1000), -XEN_EFAULT);

    /* Register one vector on its own: the others stay. */
    struct trap_info one[] = {
        { 0x25, 3, 0 /* cs is ignored */, 0, trap_table[SOFTINT_DPL3 - 0x20 + 20].address },
        { 0, 0, 0, 0, 0 },
    };
    CHECK_EQ(trap_table[SOFTINT_DPL3 - 0x20 + 20].vector, SOFTINT_DPL3);
    CHECK_OK(HYPERVISOR_set_trap_table(one));
    trap_reset();
    __asm__ volatile("int $0x25" ::: "memory");
    /* The shared entry stub reports the vector it was built for. */
    CHECK_EQ(last_trap.vector, SOFTINT_DPL3);
    trap_reset();
    __asm__ volatile("int3" ::: "memory");
    CHECK_EQ(last_trap.vector, X86_EXC_BP);

    /* NULL clears the whole table; then reinstall ours. */
    CHECK_OK(HYPERVISOR_set_trap_table(NULL));
    install_trap_table();
    trap_reset();
    __asm__ volatile("int3" ::: "memory");
    CHECK_EQ(last_trap.count, 1);
    say("set_trap_table: non-canonical -EINVAL, bad pointer -EFAULT, single entry, NULL clears ok");
}

void test_main(void)
{
    CHECK_EQ(vcpu->evtchn_upcall_mask, 1);
    test_divide_error();
    test_breakpoint();
    test_invalid_opcode();
    test_general_protection();
    test_page_fault();
    test_device_not_available();
    test_soft_interrupts();
    test_event_mask_flag();
    test_return_paths();
    test_set_trap_table_edges();
}
