/*
 * Runtime bring-up: rt_start() is called by _start with start_info. It checks
 * the hypercall page, maps shared_info, installs the trap table and the
 * callbacks, runs test_main() and reports PASS; failures report FAIL.
 */
#include "rt.h"

struct boot_regs boot_regs;
struct start_info *start_info;
struct shared_info *shared;
struct vcpu_info *vcpu;
unsigned long *p2m;
unsigned long nr_pages;
unsigned int pass_shutdown_reason = SHUTDOWN_poweroff;

/* A page of our image whose frame is replaced by the shared_info frame. */
static char shared_info_page[PAGE_SIZE] aligned_page;

/* Probe that the loader zero-filled .bss (p_memsz > p_filesz). */
static volatile uint64_t bss_probe[8];

static int failing;

noreturn void shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    /* Not reached on a working hypervisor. */
    for (;;) {
        raw_hypercall5(__HYPERVISOR_console_io, CONSOLEIO_write, 28,
                       "BUG: SCHEDOP_shutdown returned\n", 0, 0);
        raw_hypercall5(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    }
}

noreturn void test_fail_at(const char *file, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    if (failing++) {
        /* Failure while failing (e.g. a fault in the console path): the
         * first FAIL line may not have been printed, so print a short one. */
        static const char nested[] = "TEST " TEST_NAME " FAIL: nested failure\n";
        if (failing == 2)
            raw_hypercall5(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(nested) - 1,
                           nested, 0, 0);
        shutdown(SHUTDOWN_crash);
    }
    /* Never block on the ring while failing (the ring may be what broke). */
    console_ring_blocking = false;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Strip directories so the line is stable wherever it was built. */
    for (const char *p = file; *p; p++)
        if (*p == '/')
            file = p + 1;
    printk("TEST %s FAIL: %s:%d: %s\n", TEST_NAME, file, line, msg);
    console_flush();
    shutdown(SHUTDOWN_crash);
}

static const struct { long rc; const char *name; } errnames[] = {
    { 0, "OK" },
    { -XEN_EPERM, "EPERM" },   { -XEN_ENOENT, "ENOENT" }, { -XEN_ESRCH, "ESRCH" },
    { -XEN_EINTR, "EINTR" },   { -XEN_EIO, "EIO" },       { -XEN_ENXIO, "ENXIO" },       { -XEN_E2BIG, "E2BIG" },
    { -XEN_EAGAIN, "EAGAIN" }, { -XEN_ENOMEM, "ENOMEM" }, { -XEN_EACCES, "EACCES" },
    { -XEN_EFAULT, "EFAULT" }, { -XEN_EBUSY, "EBUSY" },   { -XEN_EEXIST, "EEXIST" },
    { -XEN_EXDEV, "EXDEV" },   { -XEN_ENODEV, "ENODEV" }, { -XEN_EINVAL, "EINVAL" },
    { -XEN_ENOSPC, "ENOSPC" }, { -XEN_EDOM, "EDOM" },     { -XEN_ERANGE, "ERANGE" },
    { -XEN_ENOSYS, "ENOSYS" }, { -XEN_ENODATA, "ENODATA" }, { -XEN_ETIME, "ETIME" },
    { -XEN_EOPNOTSUPP, "EOPNOTSUPP" }, { -XEN_ENOBUFS, "ENOBUFS" },
    { -XEN_EISCONN, "EISCONN" }, { -XEN_ETIMEDOUT, "ETIMEDOUT" },
};

const char *errname(long rc)
{
    for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
        if (errnames[i].rc == rc)
            return errnames[i].name;
    return rc > 0 ? "positive" : "?";
}

/* ---- trap table ------------------------------------------------------- */

#define TE(vec, dpl, fl) { vec, (dpl) | (fl), FLAT_KERNEL_CS, 0, (uint64_t)trap_entry_##vec }
#define DECL(vec) extern void trap_entry_##vec(void)
DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5); DECL(6); DECL(7); DECL(8);
DECL(9); DECL(10); DECL(11); DECL(12); DECL(13); DECL(14); DECL(15); DECL(16);
DECL(17); DECL(18); DECL(19); DECL(0x20); DECL(0x21); DECL(0x22); DECL(0x23);
DECL(0x80); DECL(0x81); DECL(0x82);

struct trap_info trap_table[] = {
    TE(0, 0, 0),  TE(1, 0, 0),  TE(2, 0, 0),
    TE(3, 3, 0),                 /* int3 usable from user mode */
    TE(4, 3, 0),  TE(5, 0, 0),  TE(6, 0, 0),  TE(7, 0, 0),  TE(8, 0, 0),
    TE(9, 0, 0),  TE(10, 0, 0), TE(11, 0, 0), TE(12, 0, 0), TE(13, 0, 0),
    TE(14, 0, 0), TE(15, 0, 0), TE(16, 0, 0), TE(17, 0, 0), TE(18, 0, 0),
    TE(19, 0, 0),
    TE(0x20, 3, 0),              /* SOFTINT_DPL3 */
    TE(0x21, 1, 0),              /* SOFTINT_DPL1: guest kernel only */
    TE(0x22, 0, 0),              /* SOFTINT_DPL0: INT n not permitted */
    TE(0x23, 3, TI_MASK_EVENTS), /* SOFTINT_DPL3_MASK */
    TE(0x80, 3, 0),              /* SOFTINT_LINUX */
    TE(0x81, 0, 0),              /* SOFTINT_USER_DPL0 */
    TE(0x82, 1, 0),              /* SOFTINT_USER_DPL1 */
    { 0, 0, 0, 0, 0 },           /* terminator: address 0 */
};

void install_trap_table(void)
{
    long rc = HYPERVISOR_set_trap_table(trap_table);
    if (rc)
        FAIL("set_trap_table: %ld (%s)", rc, errname(rc));
}

void register_callbacks(void)
{
    struct callback_register cb[] = {
        { .type = CALLBACKTYPE_event, .address = (uint64_t)event_callback_entry },
        { .type = CALLBACKTYPE_failsafe, .address = (uint64_t)failsafe_callback_entry },
        { .type = CALLBACKTYPE_syscall, .address = (uint64_t)syscall_callback_entry },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cb); i++) {
        long rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb[i]);
        if (rc)
            FAIL("callback_op(register type %u): %ld (%s)", cb[i].type, rc, errname(rc));
    }
    /* Kernel stack for user->kernel transitions (TSS.RSP0 equivalent). */
    long rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)trap_stack_top);
    if (rc)
        FAIL("stack_switch: %ld (%s)", rc, errname(rc));
}

/* ---- helpers used by several kernels ----------------------------------- */

long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long mmu_update1(uint64_t ptr, uint64_t val)
{
    struct mmu_update u = { .ptr = ptr, .val = val };
    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

unsigned long xen_version_number(void)
{
    return HYPERVISOR_xen_version(XENVER_version, NULL);
}

long maximum_ram_page(void)
{
    return HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
}

/* ---- bring-up ----------------------------------------------------------- */

static void check_hypercall_page(void)
{
#if XEN_HCALL_PAGE
    if (hypercall_page[0] == 0xc3) {
        static const char msg[] = "TEST " TEST_NAME
            " FAIL: hypercall page not written by the domain builder\n";
        raw_hypercall5(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, msg, 0, 0);
        struct sched_shutdown s = { .reason = SHUTDOWN_crash };
        raw_hypercall5(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &s, 0, 0, 0);
        for (;;)
            ;
    }
#endif
}

static void parse_cmdline(void)
{
    const char *c = start_info->cmd_line;
    if (strnlen(c, MAX_GUEST_CMDLINE) == MAX_GUEST_CMDLINE)
        return;
    if (strstr(c, "console=ring")) {
        console_use_ring = true;
        console_use_hcall = false;
    } else if (strstr(c, "console=both")) {
        console_use_ring = true;
    }
}

static void map_shared_info(void)
{
    uint64_t pte = (start_info->shared_info & PTE_ADDR_MASK) | PTE_KERNEL_RW;
    long rc = HYPERVISOR_update_va_mapping((unsigned long)shared_info_page, pte, UVMF_INVLPG);
    if (rc)
        FAIL("update_va_mapping(shared_info maddr %#lx): %ld (%s)",
             (unsigned long)start_info->shared_info, rc, errname(rc));
    shared = (struct shared_info *)shared_info_page;
    vcpu = &shared->vcpu_info[0];
}

void rt_start(struct start_info *si)
{
    start_info = si;
    check_hypercall_page();

    if (strncmp(si->magic, "xen-3.0-x86_64", 14))
        FAIL("start_info magic is \"%.14s\", expected \"xen-3.0-x86_64\"", si->magic);
    p2m = (unsigned long *)si->mfn_list;
    nr_pages = si->nr_pages;
    parse_cmdline();

    say("start: transport=%s nr_pages=%lu console_evtchn=%u store_evtchn=%u cmdline=\"%s\"",
        HCALL_TRANSPORT_NAME, nr_pages, si->console.domU.evtchn, si->store_evtchn,
        strnlen(si->cmd_line, MAX_GUEST_CMDLINE) < MAX_GUEST_CMDLINE ? si->cmd_line : "?");

    for (size_t i = 0; i < ARRAY_SIZE(bss_probe); i++)
        if (bss_probe[i])
            FAIL("loader did not zero .bss (probe[%lu]=%#lx)", (unsigned long)i,
                 (unsigned long)bss_probe[i]);
    if ((unsigned long)p2m < VIRT_BASE)
        FAIL("start_info.mfn_list %#lx is not a kernel VA", (unsigned long)p2m);

    /* shared_info first: the trap and event handlers read vcpu_info. */
    map_shared_info();
    install_trap_table();
    register_callbacks();

    test_main();

    printk("TEST %s PASS\n", TEST_NAME);
    console_flush();
    shutdown(pass_shutdown_reason);
}
