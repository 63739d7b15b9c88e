/*
 * user-mode: guest user mode and the kernel/user toggle
 * (docs/xen-pv-abi.md §0, §6.2, §6.4, §6.6, §11.3).
 *
 * A separate user root table (MMUEXT_NEW_USER_BASEPTR) maps a user-only
 * page; the kernel table maps a kernel-only page. HYPERVISOR_iret with
 * CS RPL 3 enters user mode; SYSCALL from user mode is bounced to the
 * registered syscall callback on the stack_switch() stack; returns use the
 * iret hypercall with and without VGCF_in_syscall. GS bases swap on every
 * toggle, FS is shared. From user mode: INT n against the DPL, int3,
 * int $0x80, privileged instructions (#GP, no emulation in user mode),
 * #PF with the U bit, #UD, forced-emulation CPUID, SYSCALL with no
 * callback registered (#UD), and an event upcall taken in user mode.
 */
#include "rt.h"

#define USER_ONLY_VA    0x0000010000000000UL   /* L4 slot 2, only in the user table */
#define KERNEL_ONLY_VA  0x0000018000000000UL   /* L4 slot 3, only in the kernel table */
#define USER_MARKER     0x5553455230303031UL
#define KERNEL_MARKER   0x4b45524e454c3031UL

enum { SYS_EXIT, SYS_WRITE, SYS_ECHO, SYS_INFO, SYS_DROP_CALLBACK, SYS_MASKING_CALLBACK };

static uint64_t user_gs_marker = 0x75757575757575UL;
static uint64_t kernel_gs_marker = 0x6b6b6b6b6b6b6bUL;
static uint64_t fs_marker = 0x6666666666666666UL;
static unsigned long kernel_sp;
static unsigned long syscalls;
static bool callback_dropped;

/* ---------------------------------------------------------------- kernel */

static long user_hypercall_cb(unsigned int flags, unsigned long address)
{
    struct callback_register cb = { .type = CALLBACKTYPE_syscall, .flags = flags, .address = address };
    return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

/* Checks on a syscall bounce frame; returns 0 or the failing line. */
static long check_syscall_frame(struct trap_frame *f, unsigned int want_mask)
{
    if ((f->cs & 0xffff) != FLAT_USER_CS) return __LINE__;      /* RPL 3: came from user */
    if ((f->ss & 0xffff) != FLAT_USER_SS) return __LINE__;
    if (f->rcx != f->rip) return __LINE__;                      /* SYSCALL put RIP in RCX */
    if ((f->r11 ^ f->rflags) & ~X86_EFLAGS_RF) return __LINE__; /* and RFLAGS in R11 */
    if (!(f->rflags & X86_EFLAGS_IF)) return __LINE__;          /* user ran unmasked */
    if (((f->cs >> 32) & 0xff) != 0) return __LINE__;           /* saved mask */
    if (vcpu->evtchn_upcall_mask != want_mask) return __LINE__;
    if ((unsigned long)(&f->ss + 1) != (kernel_sp & ~15UL)) return __LINE__;
    if (read_gs_qword0() != kernel_gs_marker) return __LINE__;  /* swapgs to kernel GS */
    if (read_fs_qword0() != fs_marker) return __LINE__;
    if (f->rsp > (unsigned long)user_stack_top || f->rsp < (unsigned long)user_stack_top - 16384)
        return __LINE__;
    return 0;
}

static void handle_syscall(struct trap_frame *f)
{
    static unsigned int want_mask;
    syscalls++;
    switch (f->rax) {
    case SYS_EXIT:
        user_exit_to_kernel((long)f->rdi);
    case SYS_WRITE:
        say("from user mode: %.*s", (int)f->rsi, (const char *)f->rdi);
        f->rax = f->rsi;
        f->ret_mode = TRAP_RET_SYSRET;         /* RCX/R11 = RIP/RFLAGS */
        break;
    case SYS_ECHO:
        f->rax = f->rdi + 1;
        f->rcx = 0xc0ffee;                     /* plain iret restores these */
        f->r11 = 0x1234;
        f->ret_mode = TRAP_RET_IRET;
        break;
    case SYS_INFO:
        f->rax = check_syscall_frame(f, want_mask);
        f->ret_mode = TRAP_RET_SYSRET;
        break;
    case SYS_DROP_CALLBACK:
        f->rax = user_hypercall_cb(0, 0);
        callback_dropped = true;
        f->ret_mode = TRAP_RET_SYSRET;
        break;
    case SYS_MASKING_CALLBACK:
        f->rax = user_hypercall_cb(CALLBACKF_mask_events, (unsigned long)syscall_callback_entry);
        want_mask = 1;
        f->ret_mode = TRAP_RET_SYSRET;
        break;
    default:
        f->rax = -XEN_ENOSYS;
        f->ret_mode = TRAP_RET_SYSRET;
    }
}

/* With no syscall callback Xen injects #UD at the SYSCALL; put it back. */
static bool user_trap_hook(struct trap_frame *f)
{
    if (f->vector == X86_EXC_UD && callback_dropped) {
        callback_dropped = false;
        if (user_hypercall_cb(0, (unsigned long)syscall_callback_entry))
            FAIL("re-registering the syscall callback failed");
    }
    return false;
}

/* ------------------------------------------------------------------ user */

struct sysret {
    unsigned long rcx, r11, after;   /* after = address following the SYSCALL */
};

static long sys(long nr, unsigned long a, unsigned long b, struct sysret *out)
{
    register unsigned long rdi __asm__("rdi") = a;
    register unsigned long rsi __asm__("rsi") = b;
    register unsigned long rcx __asm__("rcx");
    register unsigned long r11 __asm__("r11");
    unsigned long after;
    __asm__ volatile("syscall\n\t1: leaq 1b(%%rip), %[after]"
                     : "+a"(nr), "+r"(rdi), "+r"(rsi), "=r"(rcx), "=r"(r11), [after] "=r"(after)
                     :
                     : "memory");
    if (out) {
        out->rcx = rcx;
        out->r11 = r11;
        out->after = after;
    }
    return nr;
}

#define UCHECK(c) do { if (!(c)) return __LINE__; } while (0)

/* A faulting instruction from user mode (after optional set-up code),
 * resumed after it; checks vector, error code, RIP and the frame. */
#define USER_FAULT_AFTER(setup, insn, vec, err)                                      \
    do {                                                                             \
        unsigned long _rip;                                                          \
        trap_reset();                                                                \
        __asm__ volatile(setup "\n\tleaq 1f(%%rip), %0\n\t1: " insn "\n\t2:\n\t"     \
                         EXTABLE(1b, 2b)                                             \
                         : "=&r"(_rip) : : "rax", "rcx", "rdx", "memory");           \
        UCHECK(last_trap.count == 1);                                                \
        UCHECK(last_trap.vector == (vec));                                           \
        UCHECK(last_trap.error_code == (err));                                       \
        UCHECK(last_trap.rip == _rip);                                               \
        UCHECK(last_trap.from_user);                                                 \
        UCHECK((last_trap.cs & 0xffff) == FLAT_USER_CS);                             \
    } while (0)
#define USER_FAULT(insn, vec, err) USER_FAULT_AFTER("", insn, vec, err)

static long user_main(unsigned long arg)
{
    struct sysret sr;
    unsigned long after;

    /* Running in user mode: user GS base, shared FS base, user table. */
    UCHECK(read_cs() == FLAT_USER_CS);
    UCHECK(read_gs_qword0() == user_gs_marker);
    UCHECK(read_fs_qword0() == fs_marker);
    UCHECK(*(volatile uint64_t *)USER_ONLY_VA == USER_MARKER);
    /* The event made pending before entry was delivered in user mode. */
    UCHECK(events_upcalls == arg);
    UCHECK((last_event_cs & 0xffff) == FLAT_USER_CS);

    /* Kernel-only mapping: not present in this table, U bit in the error code. */
    trap_reset();
    {
        unsigned long rip;
        __asm__ volatile("leaq 1f(%%rip), %0\n\t1: movq (%1), %%rax\n\t2:\n\t" EXTABLE(1b, 2b)
                         : "=&r"(rip) : "r"(KERNEL_ONLY_VA) : "rax", "memory");
        UCHECK(last_trap.vector == X86_EXC_PF);
        UCHECK((last_trap.error_code & (PFEC_present | PFEC_write | PFEC_user)) == PFEC_user);
        UCHECK(last_trap.cr2 == KERNEL_ONLY_VA);
        UCHECK(last_trap.rip == rip && last_trap.from_user);
    }
    /* Write to a read-only kernel page from user mode: present|write|user. */
    trap_reset();
    {
        unsigned long rip;
        __asm__ volatile("leaq 1f(%%rip), %0\n\t1: movb $0, (%1)\n\t2:\n\t" EXTABLE(1b, 2b)
                         : "=&r"(rip) : "r"(start_info->pt_base) : "memory");
        UCHECK(last_trap.vector == X86_EXC_PF);
        UCHECK((last_trap.error_code & (PFEC_present | PFEC_write | PFEC_user)) ==
               (PFEC_present | PFEC_write | PFEC_user));
        UCHECK(last_trap.cr2 == start_info->pt_base);
    }

    /* SYSCALL -> callback; return with VGCF_in_syscall (sysret semantics). */
    static const char hello[] = "hello from guest user mode";
    UCHECK(sys(SYS_WRITE, (unsigned long)hello, sizeof(hello) - 1, &sr) == sizeof(hello) - 1);
    UCHECK(sr.rcx == sr.after);                  /* RCX = RIP after the syscall */
    UCHECK(sr.r11 & X86_EFLAGS_IF);              /* R11 = RFLAGS */
    /* Plain iret return restores RCX/R11 from the frame. */
    UCHECK(sys(SYS_ECHO, 41, 0, &sr) == 42);
    UCHECK(sr.rcx == 0xc0ffee && sr.r11 == 0x1234);
    long bad = sys(SYS_INFO, 0, 0, NULL);
    if (bad)
        return 1000 + bad;                       /* line in check_syscall_frame */
    UCHECK(sys(99, 0, 0, NULL) == -XEN_ENOSYS);

    /* Breakpoint and INT n from user mode. */
    trap_reset();
    __asm__ volatile("int3\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    UCHECK(last_trap.vector == X86_EXC_BP && last_trap.rip == after && last_trap.from_user);
    trap_reset();
    __asm__ volatile("int $0x80\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    UCHECK(last_trap.vector == SOFTINT_LINUX && last_trap.rip == after && last_trap.from_user);
    trap_reset();
    __asm__ volatile("int $0x20\n\t1: leaq 1b(%%rip), %0" : "=r"(after));
    UCHECK(last_trap.vector == SOFTINT_DPL3 && last_trap.rip == after);
    /* Frame for a trap from user mode sits on kernel_sp & ~15. */
    UCHECK(last_trap.frame_top == (kernel_sp & ~15UL));
    UCHECK(last_trap.rsp <= (unsigned long)user_stack_top);
    USER_FAULT("int $0x21", X86_EXC_GP, SOFTINT_DPL1 * 8 + 2);        /* DPL 1: kernel only */
    USER_FAULT("int $0x81", X86_EXC_GP, SOFTINT_USER_DPL0 * 8 + 2);
    USER_FAULT("int $0x82", X86_EXC_GP, SOFTINT_USER_DPL1 * 8 + 2);
    USER_FAULT("int $0x24", X86_EXC_GP, SOFTINT_UNREG * 8 + 2);

    /* Privileged instructions are not emulated in user mode. */
    USER_FAULT("cli", X86_EXC_GP, 0);
    USER_FAULT("hlt", X86_EXC_GP, 0);
    USER_FAULT_AFTER("movl $0x1b, %%ecx", "rdmsr", X86_EXC_GP, 0);
    USER_FAULT("movq %%cr0, %%rax", X86_EXC_GP, 0);
    USER_FAULT("inb $0x80, %%al", X86_EXC_GP, 0);
    USER_FAULT("ud2", X86_EXC_UD, 0);

    /* Forced-emulation CPUID works from user mode. */
    struct cpuid_regs r = xen_cpuid(XEN_CPUID_FIRST_LEAF, 0);
    UCHECK(r.ebx == XEN_CPUID_SIGNATURE_EBX && r.ecx == XEN_CPUID_SIGNATURE_ECX &&
           r.edx == XEN_CPUID_SIGNATURE_EDX);

    /* Syscall callback that masks events. */
    UCHECK(sys(SYS_MASKING_CALLBACK, 0, 0, NULL) == 0);
    bad = sys(SYS_INFO, 0, 0, NULL);
    if (bad)
        return 2000 + bad;
    UCHECK(vcpu->evtchn_upcall_mask == 0);       /* restored from RFLAGS.IF on return */

    /* No syscall callback: #UD at the SYSCALL instruction. */
    UCHECK(sys(SYS_DROP_CALLBACK, 0, 0, NULL) == 0);
    {
        unsigned long rip;
        long nr = SYS_INFO;
        trap_reset();
        __asm__ volatile("leaq 1f(%%rip), %1\n\t1: syscall\n\t2:\n\t" EXTABLE(1b, 2b)
                         : "+a"(nr), "=&r"(rip) : : "rcx", "r11", "memory");
        UCHECK(last_trap.vector == X86_EXC_UD && last_trap.rip == rip && last_trap.from_user);
    }
    UCHECK(read_gs_qword0() == user_gs_marker);
    return 0;   /* SYS_EXIT(0) via user_trampoline */
}

static long user_second(unsigned long arg)
{
    if (read_gs_qword0() != user_gs_marker)
        return -1;
    if (*(volatile uint64_t *)USER_ONLY_VA != USER_MARKER)
        return -2;
    return (long)arg * 2;
}

/* ---------------------------------------------------------------- set-up */

/* Build a 3-level chain L3 -> L2 -> L1 -> data for VA slot index 0 of each. */
static uint64_t build_chain(uint64_t *data_page, uint64_t marker, bool user)
{
    uint64_t *l3 = page_alloc(), *l2 = page_alloc(), *l1 = page_alloc();
    uint64_t ub = user ? _PAGE_USER : 0;
    data_page[0] = marker;
    l1[0] = (virt_to_mfn(data_page) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | ub;
    l2[0] = (virt_to_mfn(l1) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | ub;
    l3[0] = (virt_to_mfn(l2) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | ub;
    CHECK_OK(set_page_ro(l1));
    CHECK_OK(set_page_ro(l2));
    CHECK_OK(set_page_ro(l3));
    return (virt_to_mfn(l3) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | ub;
}

void test_main(void)
{
    /* User root table: the kernel's guest slots plus a user-only chain. */
    uint64_t *ul4 = page_alloc();
    uint64_t *kl4 = current_l4();
    for (int i = 0; i < 512; i++)
        if (i < 256 || i > 271)
            ul4[i] = kl4[i];
    CHECK_EQ(ul4[l4_table_offset(USER_ONLY_VA)], 0);
    ul4[l4_table_offset(USER_ONLY_VA)] = build_chain(page_alloc(), USER_MARKER, true);
    CHECK_OK(set_page_ro(ul4));
    CHECK_OK(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(ul4), 0));
    CHECK_OK(mmuext1(MMUEXT_NEW_USER_BASEPTR, virt_to_mfn(ul4), 0));
    say("user root table %#lx pinned and installed", virt_to_mfn(ul4));

    /* Kernel-only chain hooked into the live kernel L4. */
    uint64_t kentry = build_chain(page_alloc(), KERNEL_MARKER, false);
    CHECK_EQ(kl4[l4_table_offset(KERNEL_ONLY_VA)], 0);
    CHECK_OK(mmu_update1(pte_maddr(KERNEL_ONLY_VA, 4), kentry));
    CHECK_EQ(*(volatile uint64_t *)KERNEL_ONLY_VA, KERNEL_MARKER);

    /* Segment bases: GS differs per mode, FS is shared. */
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)&fs_marker));
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)&kernel_gs_marker));
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, (unsigned long)&user_gs_marker));
    CHECK_EQ(read_gs_qword0(), kernel_gs_marker);

    /* Kernel stack for user->kernel entries; deliberately not 16-aligned. */
    kernel_sp = (unsigned long)trap_stack_top - 8;
    CHECK_OK(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, kernel_sp));

    syscall_hook = handle_syscall;
    trap_hook = user_trap_hook;

    /* Make an upcall pending: it is delivered as soon as the iret into user
     * mode unmasks events (RFLAGS.IF = 1), with a user-mode frame. */
    unsigned long upcalls_before = events_upcalls;
    ACCESS_ONCE(vcpu->evtchn_upcall_pending) = 1;

    say("entering user mode");
    long rc = run_user(user_main, upcalls_before + 1, user_stack_top);
    events_mask();
    if (rc >= 2000)
        FAIL("user mode: syscall frame check failed at line %ld (masking callback)", rc - 2000);
    if (rc >= 1000)
        FAIL("user mode: syscall frame check failed at line %ld", rc - 1000);
    if (rc)
        FAIL("user mode: check at line %ld failed (last trap vector %#lx err %#lx rip %#lx)",
             rc, last_trap.vector, last_trap.error_code, last_trap.rip);
    say("back in kernel mode after %lu syscalls", syscalls);
    CHECK_EQ(read_gs_qword0(), kernel_gs_marker);
    CHECK(syscalls >= 8);

    /* A second trip: the toggle state is reusable. */
    CHECK_RC(run_user(user_second, 21, user_stack_top), 42);

    /* Tear down: no user table, unpin it, make it writable again; unhook
     * the kernel-only chain (its tables become untyped and writable). */
    CHECK_OK(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0));
    CHECK_OK(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(ul4), 0));
    CHECK_OK(set_page_rw(ul4));
    CHECK_OK(mmu_update1(pte_maddr(KERNEL_ONLY_VA, 4), 0));
    say("user table released");
}
