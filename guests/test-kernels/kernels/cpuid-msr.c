/*
 * cpuid-msr: privileged-instruction emulation in guest kernel mode
 * (docs/xen-pv-abi.md §1.3, §11).
 *
 * Forced-emulation CPUID (standard and hypervisor leaves 0x40000000..),
 * RDMSR/WRMSR of the MSRs guests use (APIC_BASE, EFER, PAT, FS/GS/shadow GS
 * bases, TSC, the hypercall-page MSR; unknown MSRs -> #GP), MOV to/from
 * CR0/CR3/CR4, CLTS, MOV from DR7, WBINVD, IN/OUT (all-ones reads) and
 * CLI/STI against the virtual IOPL, and installing a hypercall page with
 * WRMSR into a page of our own, then calling through it.
 */
#include "rt.h"

static bool rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;
    trap_reset();
    __asm__ volatile("1: rdmsr\n\t2:\n\t" EXTABLE(1b, 2b) : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *val = ((uint64_t)hi << 32) | lo;
    if (last_trap.count) {
        CHECK_EQ(last_trap.vector, X86_EXC_GP);
        CHECK_EQ(last_trap.error_code, 0);
        return false;
    }
    return true;
}

static bool wrmsr_safe(uint32_t msr, uint64_t val)
{
    trap_reset();
    __asm__ volatile("1: wrmsr\n\t2:\n\t" EXTABLE(1b, 2b)
                     : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
    if (last_trap.count) {
        CHECK_EQ(last_trap.vector, X86_EXC_GP);
        CHECK_EQ(last_trap.error_code, 0);
        return false;
    }
    return true;
}

static uint64_t rdmsr(uint32_t msr)
{
    uint64_t v;
    if (!rdmsr_safe(msr, &v))
        FAIL("rdmsr %#x raised #GP", msr);
    return v;
}

static void test_cpuid(void)
{
    struct cpuid_regs r = xen_cpuid(0, 0);
    char vendor[13];
    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    vendor[12] = 0;
    say("cpuid: max basic leaf %#x vendor \"%s\"", r.eax, vendor);
    CHECK(r.eax >= 1);
    for (int i = 0; i < 12; i++)
        CHECK(vendor[i] >= 0x20 && vendor[i] < 0x7f);

    r = xen_cpuid(1, 0);
    say("cpuid: leaf 1 eax=%#x ebx=%#x ecx=%#x edx=%#x", r.eax, r.ebx, r.ecx, r.edx);
    CHECK(r.ecx & X86_FEATURE_HYPERVISOR_ECX);
    r = xen_cpuid(0x80000000, 0);
    CHECK(r.eax >= 0x80000001);
    r = xen_cpuid(0x80000001, 0);
    CHECK(r.edx & X86_FEATURE_LM_EDX);

    r = xen_cpuid(XEN_CPUID_FIRST_LEAF, 0);
    say("cpuid: %#x -> eax=%#x signature %#x %#x %#x", XEN_CPUID_FIRST_LEAF, r.eax, r.ebx, r.ecx, r.edx);
    CHECK_EQ(r.ebx, XEN_CPUID_SIGNATURE_EBX);
    CHECK_EQ(r.ecx, XEN_CPUID_SIGNATURE_ECX);
    CHECK_EQ(r.edx, XEN_CPUID_SIGNATURE_EDX);
    CHECK(r.eax >= XEN_CPUID_FIRST_LEAF + 2);
    uint32_t max = r.eax;

    r = xen_cpuid(XEN_CPUID_FIRST_LEAF + 1, 0);
    CHECK_EQ(r.eax, xen_version_number());
    r = xen_cpuid(XEN_CPUID_FIRST_LEAF + 2, 0);
    CHECK_EQ(r.eax, 1);                          /* one hypercall page */
    CHECK_EQ(r.ebx, XEN_HYPERCALL_MSR);
    for (uint32_t leaf = XEN_CPUID_FIRST_LEAF + 3; leaf <= max && leaf <= XEN_CPUID_FIRST_LEAF + 5; leaf++) {
        r = xen_cpuid(leaf, 0);
        say("cpuid: %#x -> %#x %#x %#x %#x", leaf, r.eax, r.ebx, r.ecx, r.edx);
    }
    /* A bare CPUID must at least not fault (its values are the host's on Xen). */
    trap_reset();
    r = native_cpuid(0, 0);
    CHECK_EQ(last_trap.count, 0);
    say("cpuid: bare leaf 0 max=%#x", r.eax);
}

static void test_msrs(void)
{
    CHECK_EQ(rdmsr(MSR_IA32_APIC_BASE), APIC_DEFAULT_PHYS_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP);
    CHECK_EQ(rdmsr(MSR_IA32_CR_PAT), 0x0000050100070406UL);

    uint64_t efer = rdmsr(MSR_EFER);
    say("msr: EFER=%#lx", efer);
    CHECK_EQ(efer & (EFER_SCE | EFER_LME | EFER_LMA), EFER_SCE | EFER_LME | EFER_LMA);
    CHECK(wrmsr_safe(MSR_EFER, efer));               /* writing back the same value is fine */
    CHECK(!wrmsr_safe(MSR_EFER, efer ^ EFER_SCE));    /* changing it is not */
    CHECK_EQ(rdmsr(MSR_EFER), efer);

    static uint64_t fs_marker = 0xf5f5f5f5f5f5f5f5UL, gs_marker = 0x9595959595959595UL;
    static uint64_t shadow_marker;
    CHECK(wrmsr_safe(MSR_FS_BASE, (uint64_t)&fs_marker));
    CHECK_EQ(rdmsr(MSR_FS_BASE), (uint64_t)&fs_marker);
    CHECK_EQ(read_fs_qword0(), fs_marker);
    CHECK(wrmsr_safe(MSR_GS_BASE, (uint64_t)&gs_marker));
    CHECK_EQ(rdmsr(MSR_GS_BASE), (uint64_t)&gs_marker);
    CHECK_EQ(read_gs_qword0(), gs_marker);
    CHECK(wrmsr_safe(MSR_SHADOW_GS_BASE, (uint64_t)&shadow_marker));
    CHECK_EQ(rdmsr(MSR_SHADOW_GS_BASE), (uint64_t)&shadow_marker);
    CHECK_EQ(read_gs_qword0(), gs_marker);            /* shadow base is the user one */
    /* set_segment_base and the MSRs are two views of the same state. */
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x1000));
    CHECK_EQ(rdmsr(MSR_SHADOW_GS_BASE), 0x1000);
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_FS, 0x2000));
    CHECK_EQ(rdmsr(MSR_FS_BASE), 0x2000);
    CHECK(!wrmsr_safe(MSR_FS_BASE, 0x0000800000000000UL));   /* non-canonical */
    CHECK(wrmsr_safe(MSR_FS_BASE, 0));
    CHECK(wrmsr_safe(MSR_GS_BASE, 0));
    CHECK(wrmsr_safe(MSR_SHADOW_GS_BASE, 0));

    uint64_t t1 = rdmsr(MSR_IA32_TSC), t2 = rdmsr(MSR_IA32_TSC);
    CHECK(t2 >= t1);
    uint64_t t3 = rdtsc();
    CHECK(t3 >= t2);

    uint64_t v;
    CHECK(!rdmsr_safe(0x00001234, &v));      /* no such MSR */
    CHECK(!wrmsr_safe(0x00001234, 0));
    CHECK(!wrmsr_safe(MSR_IA32_APIC_BASE, 0));
    say("msr: APIC_BASE, PAT, EFER, FS/GS/shadow GS, TSC, unknown -> #GP ok");
}

static void test_hypercall_msr(void)
{
    uint64_t v;
    CHECK(rdmsr_safe(XEN_HYPERCALL_MSR, &v));
    CHECK_EQ(v, 0);

    uint8_t *page = page_alloc();
    memset(page, 0xc3, PAGE_SIZE);
    CHECK(!wrmsr_safe(XEN_HYPERCALL_MSR, virt_to_maddr(page) | 1));              /* page index 1 */
    CHECK(!wrmsr_safe(XEN_HYPERCALL_MSR, (uint64_t)current_l4_mfn() << PAGE_SHIFT)); /* not writable */
    CHECK_EQ(page[0], 0xc3);
    CHECK(wrmsr_safe(XEN_HYPERCALL_MSR, virt_to_maddr(page)));

    const uint8_t *s = page + __HYPERVISOR_xen_version * 32;
    static const uint8_t stub17[] = { 0x51, 0x41, 0x53, 0xb8, 17, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
    if (memcmp(s, stub17, sizeof(stub17)))
        FAIL("stub 17 written via MSR: %02x %02x %02x %02x %02x", s[0], s[1], s[2], s[3], s[4]);
    static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
    CHECK(!memcmp(page + 23 * 32, iret, sizeof(iret)));

    long ver = page_hypercall5(page, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    CHECK_RC(ver, xen_version_number());
    static const char msg[] = TEST_NAME ": console_io through the MSR-installed hypercall page\n";
    CHECK_OK(page_hypercall5(page, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, msg, 0, 0));
    CHECK_RC(page_hypercall5(page, 63, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    say("hypercall page installed via wrmsr %#x and used ok", XEN_HYPERCALL_MSR);
}

static unsigned long read_cr0(void) { unsigned long v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static unsigned long read_cr4(void) { unsigned long v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static unsigned long read_cr3(void) { unsigned long v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }

static void test_control_registers(void)
{
    unsigned long cr0 = read_cr0(), cr4 = read_cr4();
    say("cr: cr0=%#lx cr3=%#lx cr4=%#lx", cr0, read_cr3(), cr4);
    CHECK_EQ(cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
    CHECK_EQ(cr0 & X86_CR0_TS, 0);
    CHECK(cr4 & X86_CR4_PAE);
    CHECK_EQ(cr4 & (X86_CR4_PGE | X86_CR4_PSE | X86_CR4_VMXE | X86_CR4_VME | X86_CR4_PVI), 0);
    CHECK_EQ(read_cr3(), current_l4_mfn() << PAGE_SHIFT);

    /* fpu_taskswitch and CR0.TS are the same bit. */
    CHECK_OK(HYPERVISOR_fpu_taskswitch(1));
    CHECK(read_cr0() & X86_CR0_TS);
    __asm__ volatile("clts");                       /* emulated */
    CHECK_EQ(read_cr0() & X86_CR0_TS, 0);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | X86_CR0_TS));
    CHECK(read_cr0() & X86_CR0_TS);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    CHECK_EQ(read_cr0(), cr0);
    /* Anything but TS may not change. */
    unsigned long rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: mov %1, %%cr0\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : "r"(cr0 ^ X86_CR0_EM));
    CHECK_EQ(last_trap.vector, X86_EXC_GP);
    CHECK_EQ(last_trap.rip, rip);
    CHECK_EQ(read_cr0(), cr0);

    unsigned long dr7;
    __asm__ volatile("mov %%dr7, %0" : "=r"(dr7));  /* emulated */
    CHECK_EQ(dr7, 0x400);
    trap_reset();
    __asm__ volatile("wbinvd");                     /* ignored for a domU, no fault */
    CHECK_EQ(last_trap.count, 0);
    say("cr0/cr3/cr4 reads, clts, mov to cr0 (TS only), mov from dr7, wbinvd ok");
}

static void test_io_and_iopl(void)
{
    unsigned long rip;
    struct physdev_set_iopl iopl = { .iopl = 0 };
    CHECK_OK(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));

    /* IOPL 0: the guest kernel (treated as CPL 1) may not do I/O or CLI. */
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: inb $0x80, %%al\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : : "rax");
    CHECK_EQ(last_trap.vector, X86_EXC_GP);
    CHECK_EQ(last_trap.rip, rip);
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: cli\n\t2:\n\t" EXTABLE(1b, 2b) : "=&r"(rip));
    CHECK_EQ(last_trap.vector, X86_EXC_GP);
    CHECK_EQ(last_trap.rip, rip);

    iopl.iopl = 1;
    CHECK_OK(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));
    trap_reset();
    uint8_t b;
    uint16_t w;
    uint32_t l;
    __asm__ volatile("inb $0x80, %0" : "=a"(b));
    __asm__ volatile("inw %%dx, %0" : "=a"(w) : "d"(0x1234));
    __asm__ volatile("inl %%dx, %0" : "=a"(l) : "d"(0x1234));
    __asm__ volatile("outb %0, $0x80" : : "a"((uint8_t)0x55));
    __asm__ volatile("outl %0, %%dx" : : "a"(0x12345678u), "d"(0x1234));
    CHECK_EQ(last_trap.count, 0);
    CHECK_EQ(b, 0xff);
    CHECK_EQ(w, 0xffff);
    CHECK_EQ(l, 0xffffffffu);

    /* CLI/STI are permitted but do not touch the event mask (§11.3). */
    CHECK_EQ(vcpu->evtchn_upcall_mask, 1);
    __asm__ volatile("sti" ::: "memory");
    CHECK_EQ(vcpu->evtchn_upcall_mask, 1);
    events_unmask();
    __asm__ volatile("cli" ::: "memory");
    CHECK_EQ(vcpu->evtchn_upcall_mask, 0);
    events_mask();
    CHECK_EQ(last_trap.count, 0);
    /* PUSHF reads IF as 1 and IOPL as 0 whatever the virtual state. */
    uint64_t fl = read_rflags();
    CHECK(fl & X86_EFLAGS_IF);
    CHECK_EQ(fl & X86_EFLAGS_IOPL, 0);

    iopl.iopl = 0;
    CHECK_OK(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));
    say("in/out all-ones with IOPL 1, #GP with IOPL 0; cli/sti leave upcall_mask alone ok");
}

void test_main(void)
{
    test_cpuid();
    test_msrs();
    test_hypercall_msr();
    test_control_registers();
    test_io_and_iopl();
}
