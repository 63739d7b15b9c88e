/*
 * hypercalls-basic: the builder hand-off and the simple hypercalls.
 *
 * Boot state (§3.6) and domain layout (§3.2); the hypercall page contents
 * (§1.3) and that the raw SYSCALL path gives the same answers; xen_version
 * sub-ops (§9.4); console_io (§9.3); vm_assist (§6.9); sched_op yield /
 * remote_shutdown / unknown (§9.1); unknown hypercall numbers (§1.1);
 * set/get_debugreg; fpu_taskswitch; stack_switch; set_callbacks;
 * callback_op; nmi_op; physdev_op(set_iopl); set_segment_base.
 */
#include "rt.h"

static void check_boot_state(void)
{
    const struct boot_regs *b = &boot_regs;

    say("boot: rsp=%#lx rsi=%#lx rflags=%#lx cs=%#lx ss=%#lx ds=%#lx es=%#lx fs=%#lx gs=%#lx",
        b->rsp, b->rsi, b->rflags, b->cs, b->ss, b->ds, b->es, b->fs, b->gs);
    CHECK_EQ(b->rsi, (uint64_t)start_info);
    CHECK_EQ(b->cs, FLAT_KERNEL_CS);
    CHECK_EQ(b->ss, FLAT_KERNEL_SS);
    CHECK_EQ(b->ds, 0);
    CHECK_EQ(b->es, 0);
    CHECK_EQ(b->fs, 0);
    CHECK_EQ(b->gs, 0);
    CHECK_EQ(b->rflags & X86_EFLAGS_IOPL, 0);
    CHECK(b->rflags & X86_EFLAGS_IF);
    /* Every GPR but RSI and RSP starts at zero. */
    CHECK_EQ(b->rax | b->rbx | b->rcx | b->rdx | b->rdi | b->rbp, 0);
    CHECK_EQ(b->r8 | b->r9 | b->r10 | b->r11 | b->r12 | b->r13 | b->r14 | b->r15, 0);
    /* Events start masked. */
    CHECK_EQ(shared->vcpu_info[0].evtchn_upcall_mask, 1);
}

static void check_layout(void)
{
    const struct start_info *si = start_info;
    unsigned long kend = (unsigned long)_image_end;
    unsigned long si_va = (unsigned long)si;
    unsigned long stack_page = (boot_regs.rsp - 1) & PAGE_MASK;

    say("layout: image %#lx-%#lx p2m=%#lx start_info=%#lx pt_base=%#lx (%lu frames) stack=%#lx",
        (unsigned long)_image_start, kend, si->mfn_list, si_va, si->pt_base,
        si->nr_pt_frames, boot_regs.rsp);
    CHECK_EQ((unsigned long)_image_start, VIRT_BASE);
    CHECK_EQ(si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), 0);
    CHECK(si->nr_pages > 0);
    CHECK_EQ(si_va & ~PAGE_MASK, 0);
    CHECK_EQ(si->pt_base & ~PAGE_MASK, 0);
    CHECK_EQ(si->shared_info & ~PAGE_MASK, 0);
    /* Order from §3.2: kernel < p2m < start_info < rings < page tables < stack. */
    CHECK(si->mfn_list >= kend);
    CHECK(si_va > si->mfn_list);
    CHECK(si->pt_base > si_va);
    CHECK_EQ(boot_regs.rsp & ~PAGE_MASK, 0);
    CHECK(stack_page >= si->pt_base + si->nr_pt_frames * PAGE_SIZE);
    CHECK(si->nr_pt_frames >= 4);
    CHECK(strnlen(si->cmd_line, MAX_GUEST_CMDLINE) < MAX_GUEST_CMDLINE);

    /* The console and xenstore rings are our own pages inside the region. */
    void *cons = mfn_to_virt(si->console.domU.mfn);
    CHECK(cons != NULL);
    CHECK((unsigned long)cons > si_va && (unsigned long)cons < si->pt_base);
    CHECK(si->console.domU.evtchn != 0);
    if (si->store_mfn) {
        void *store = mfn_to_virt(si->store_mfn);
        CHECK(store != NULL);
        CHECK((unsigned long)store > si_va && (unsigned long)store < si->pt_base);
    }

    /* At least 512 KiB of mapped padding after the stack, region ends on 4 MiB. */
    unsigned long va;
    for (va = boot_regs.rsp; va < boot_regs.rsp + 512 * 1024; va += PAGE_SIZE) {
        uint64_t *l1e = pte_of(va, 1);
        if (!l1e || !(*l1e & _PAGE_PRESENT))
            FAIL("VA %#lx (stack + %lu KiB) is not mapped", va, (va - boot_regs.rsp) >> 10);
    }
    for (va = boot_regs.rsp; ; va += PAGE_SIZE) {
        uint64_t *l1e = pte_of(va, 1);
        if (!l1e || !(*l1e & _PAGE_PRESENT))
            break;
    }
    say("layout: initial mapping ends at %#lx", va);
    CHECK_EQ(va & ((4UL << 20) - 1), 0);

    /* Every bootstrap page-table frame is mapped read-only, with U and bit 52
     * added by Xen on the L1 entries (§3.3, §5.1). */
    for (unsigned long i = 0; i < si->nr_pt_frames; i++) {
        unsigned long pt = si->pt_base + i * PAGE_SIZE;
        uint64_t *l1e = pte_of(pt, 1);
        CHECK(l1e != NULL);
        if (*l1e & _PAGE_RW)
            FAIL("bootstrap page-table frame %lu (VA %#lx) is mapped writable: %#lx", i, pt,
                 (unsigned long)*l1e);
    }
    uint64_t e = *pte_of((unsigned long)_text_start, 1);
    say("layout: L1 entry of _text_start = %#lx", (unsigned long)e);
    CHECK(e & _PAGE_USER);
    CHECK(e & _PAGE_GUEST_KERNEL);
    CHECK(*pte_of((unsigned long)_text_start, 2) & _PAGE_USER);
    CHECK(*pte_of((unsigned long)_text_start, 4) & _PAGE_USER);
    /* p2m sanity: the L4's own frame is a domain page. */
    CHECK(mfn_to_pfn(current_l4_mfn()) == virt_to_pfn(current_l4()));
}

#if XEN_HCALL_PAGE
static void check_hypercall_page_layout(void)
{
    for (unsigned int i = 0; i < HYPERCALL_PAGE_STUBS; i++) {
        const uint8_t *s = hypercall_page + i * HYPERCALL_STUB_SIZE;
        unsigned int used;
        if (i == __HYPERVISOR_iret) {
            static const uint8_t want[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
            used = sizeof(want);
            if (memcmp(s, want, used))
                FAIL("iret stub bytes differ from §1.3: %02x %02x %02x %02x %02x", s[0], s[1], s[2], s[3], s[4]);
        } else {
            const uint8_t want[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0,
                                     0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
            used = sizeof(want);
            if (memcmp(s, want, used))
                FAIL("stub %u bytes differ from §1.3: %02x %02x %02x %02x %02x", i, s[0], s[1], s[2], s[3], s[4]);
        }
        for (unsigned int j = used; j < HYPERCALL_STUB_SIZE; j++)
            if (s[j] != 0xcc)
                FAIL("stub %u padding byte %u is %#x, expected 0xcc", i, j, s[j]);
    }
    say("hypercall page: 128 stubs as specified");
}
#endif

static void check_xen_version(void)
{
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    say("xen_version: %ld.%ld", ver >> 16, ver & 0xffff);
    CHECK(ver >= 0x30000);
    CHECK_RC(raw_hypercall5(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0), ver);

    static xen_extraversion_t extra;
    memset(extra, 0x55, sizeof(extra));
    CHECK_OK(HYPERVISOR_xen_version(XENVER_extraversion, extra));
    CHECK(strnlen(extra, sizeof(extra)) < sizeof(extra));

    static struct xen_compile_info ci;
    memset(&ci, 0x55, sizeof(ci));
    CHECK_OK(HYPERVISOR_xen_version(XENVER_compile_info, &ci));
    CHECK(strnlen(ci.compiler, sizeof(ci.compiler)) < sizeof(ci.compiler));
    CHECK(strnlen(ci.compile_by, sizeof(ci.compile_by)) < sizeof(ci.compile_by));
    CHECK(strnlen(ci.compile_domain, sizeof(ci.compile_domain)) < sizeof(ci.compile_domain));
    CHECK(strnlen(ci.compile_date, sizeof(ci.compile_date)) < sizeof(ci.compile_date));

    static xen_capabilities_info_t caps;
    CHECK_OK(HYPERVISOR_xen_version(XENVER_capabilities, caps));
    CHECK(strnlen(caps, sizeof(caps)) < sizeof(caps));
    say("xen_version: extraversion=\"%s\" capabilities=\"%s\"", extra, caps);
    CHECK(strstr(caps, "xen-3.0-x86_64") != NULL);

    static xen_changeset_info_t cs;
    memset(cs, 0x55, sizeof(cs));
    CHECK_OK(HYPERVISOR_xen_version(XENVER_changeset, cs));
    CHECK(strnlen(cs, sizeof(cs)) < sizeof(cs));

    struct xen_platform_parameters pp = { .virt_start = 1 };
    CHECK_OK(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp));
    say("xen_version: platform_parameters.virt_start=%#lx", (unsigned long)pp.virt_start);
    CHECK(pp.virt_start == HYPERVISOR_VIRT_START || pp.virt_start == 0);

    struct xen_feature_info fi = { .submap_idx = 0, .submap = 0 };
    CHECK_OK(HYPERVISOR_xen_version(XENVER_get_features, &fi));
    say("xen_version: features[0]=%#x", fi.submap);
    CHECK_EQ(fi.submap & (1U << XENFEAT_auto_translated_physmap), 0);
    CHECK(fi.submap & (1U << XENFEAT_mmu_pt_update_preserve_ad));
    CHECK(fi.submap & (1U << XENFEAT_highmem_assist));
    CHECK(fi.submap & (1U << XENFEAT_gnttab_map_avail_bits));
    CHECK_EQ(fi.submap & (1U << XENFEAT_dom0), 0);
    fi.submap_idx = 1;
    CHECK_RC(HYPERVISOR_xen_version(XENVER_get_features, &fi), -XEN_EINVAL);

    CHECK_RC(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);
    CHECK_RC(HYPERVISOR_xen_version(XENVER_pagesize, &pp), -XEN_EINVAL);

    static xen_domain_handle_t handle;
    CHECK_OK(HYPERVISOR_xen_version(XENVER_guest_handle, handle));

    /* Privileged for a domU on real Xen (XSM): accept success or -EPERM. */
    static xen_commandline_t cmdline;
    long rc = HYPERVISOR_xen_version(XENVER_commandline, cmdline);
    CHECK(rc == 0 || rc == -XEN_EPERM);
    if (rc == 0)
        CHECK(strnlen(cmdline, sizeof(cmdline)) < sizeof(cmdline));
    long bid = HYPERVISOR_xen_version(XENVER_build_id, NULL);
    say("xen_version: commandline -> %ld (%s), build_id(NULL) -> %ld", rc, errname(rc), bid);
    CHECK(bid >= 0 || bid == -XEN_EPERM || bid == -XEN_ENODATA || bid == -XEN_EINVAL);

    /* Varbuf sub-ops (Xen 4.20+); older hypervisors answer -ENOSYS. */
    static struct { struct xen_varbuf vb; char space[1024]; } big;
    big.vb.len = sizeof(big.space);
    rc = HYPERVISOR_xen_version(XENVER_capabilities2, &big);
    if (rc == -XEN_ENOSYS) {
        say("xen_version: *2 varbuf sub-ops not implemented (older ABI)");
    } else {
        CHECK(rc > 0);
        CHECK(rc < (long)sizeof(big.space));
        CHECK(!memcmp(big.vb.buf, caps, rc));
        struct { struct xen_varbuf vb; char space[1]; } tiny = { { .len = 1 }, { 0 } };
        CHECK_RC(HYPERVISOR_xen_version(XENVER_capabilities2, &tiny), -XEN_ENOBUFS);
        big.vb.len = sizeof(big.space);
        rc = HYPERVISOR_xen_version(XENVER_extraversion2, &big);
        CHECK(rc >= 0 && rc == (long)strlen(extra) && !memcmp(big.vb.buf, extra, rc));
        big.vb.len = sizeof(big.space);
        rc = HYPERVISOR_xen_version(XENVER_changeset2, &big);
        CHECK(rc >= 0);
        big.vb.len = sizeof(big.space);
        rc = HYPERVISOR_xen_version(XENVER_commandline2, &big);
        CHECK(rc >= 0 || rc == -XEN_EPERM);
        say("xen_version: varbuf sub-ops ok");
    }

    CHECK_RC(HYPERVISOR_xen_version(99, NULL), -XEN_ENOSYS);
    CHECK_RC(HYPERVISOR_xen_version(XENVER_extraversion, (void *)0x1000), -XEN_EFAULT);
    say("xen_version: all sub-ops ok");
}

static void check_console_io(void)
{
    static const char msg[] = TEST_NAME ": console_io write via " HCALL_TRANSPORT_NAME "\n";
    CHECK_OK(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg));
    static const char raw[] = TEST_NAME ": console_io write via raw syscall\n";
    CHECK_OK(raw_hypercall5(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(raw) - 1, raw, 0, 0));
    CHECK_OK(HYPERVISOR_console_io(CONSOLEIO_write, 0, msg));
    CHECK_RC(HYPERVISOR_console_io(7, 0, NULL), -XEN_ENOSYS);
    char buf[16];
    long rc = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf);
    say("console_io: read -> %ld (%s)", rc, errname(rc > 0 ? 0 : rc));
    CHECK(rc >= 0 || rc == -XEN_EPERM);
}

static void check_vm_assist(void)
{
    static const unsigned int valid[] = {
        VMASST_TYPE_4gb_segments, VMASST_TYPE_4gb_segments_notify,
        VMASST_TYPE_writable_pagetables, VMASST_TYPE_pae_extended_cr3,
        VMASST_TYPE_runstate_update_flag,
    };
    for (size_t i = 0; i < ARRAY_SIZE(valid); i++) {
        CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_enable, valid[i]));
        CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_disable, valid[i]));
    }
    CHECK_RC(HYPERVISOR_vm_assist(VMASST_CMD_enable, 6), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_vm_assist(2, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);

    /* pae_extended_cr3 makes XENFEAT_pae_pgdir_above_4gb visible (§6.9). */
    struct xen_feature_info fi = { 0, 0 };
    CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3));
    CHECK_OK(HYPERVISOR_xen_version(XENVER_get_features, &fi));
    CHECK(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb));
    CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3));
    fi.submap = 0;
    CHECK_OK(HYPERVISOR_xen_version(XENVER_get_features, &fi));
    CHECK_EQ(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb), 0);
    say("vm_assist ok");
}

static void check_sched_op(void)
{
    for (int i = 0; i < 3; i++)
        CHECK_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL));
    CHECK_OK(HYPERVISOR_sched_op_compat(SCHEDOP_yield, 0));
    /* Shutting another domain down needs privilege (domain 0 always exists on Xen). */
    struct sched_remote_shutdown rs = { .domain_id = 0, .reason = SHUTDOWN_poweroff };
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_EPERM);
    CHECK_RC(HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
    say("sched_op: yield, remote_shutdown -EPERM, unknown -ENOSYS ok");
}

static void check_unknown_hypercalls(void)
{
    static const unsigned int unused[] = { 11, 38, 43, 47, 56, 63, 127 };
    for (size_t i = 0; i < ARRAY_SIZE(unused); i++) {
        long rc = dyn_hypercall5(unused[i], 0, 0, 0, 0, 0);
        if (rc != -XEN_ENOSYS)
            FAIL("hypercall %u: got %ld (%s), expected -ENOSYS", unused[i], rc, errname(rc));
        rc = raw_hypercall5(unused[i], 0, 0, 0, 0, 0);
        if (rc != -XEN_ENOSYS)
            FAIL("raw hypercall %u: got %ld (%s), expected -ENOSYS", unused[i], rc, errname(rc));
    }
    /* Beyond the hypercall page: only reachable with a raw SYSCALL. */
    CHECK_RC(raw_hypercall5(128, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC(raw_hypercall5(255, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC(raw_hypercall5(0x10000, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    say("unknown hypercall numbers -> -ENOSYS ok");
}

static volatile uint64_t dr_target;

static void check_debugregs(void)
{
    CHECK_RC(HYPERVISOR_get_debugreg(6), 0xffff0ff0);
    CHECK_RC(HYPERVISOR_get_debugreg(7), 0x400);
    for (int r = 0; r < 4; r++) {
        unsigned long addr = (unsigned long)&dr_target + r;
        CHECK_OK(HYPERVISOR_set_debugreg(r, addr));
        CHECK_RC(HYPERVISOR_get_debugreg(r), addr);
    }
    CHECK_RC(HYPERVISOR_set_debugreg(0, HYPERVISOR_VIRT_START + 0x1000), -XEN_EPERM);
    CHECK_OK(HYPERVISOR_set_debugreg(6, 0));
    CHECK_RC(HYPERVISOR_get_debugreg(6), 0xffff0ff0);
    CHECK_RC(HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL);
    /* Enable an execute breakpoint on a data address that is never executed. */
    CHECK_OK(HYPERVISOR_set_debugreg(7, 0x1));
    CHECK_RC(HYPERVISOR_get_debugreg(7), 0x401);
    CHECK_OK(HYPERVISOR_set_debugreg(7, 0));
    CHECK_RC(HYPERVISOR_get_debugreg(7), 0x400);
    CHECK_RC(HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_set_debugreg(7, 1UL << 13), -XEN_EPERM);   /* GD */
    CHECK_RC(HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
    CHECK_RC(HYPERVISOR_get_debugreg(8), -XEN_ENODEV);
    for (int r = 0; r < 4; r++)
        CHECK_OK(HYPERVISOR_set_debugreg(r, 0));
    say("set_debugreg/get_debugreg ok");
}

static void check_fpu_taskswitch(void)
{
    trap_reset();
    CHECK_OK(HYPERVISOR_fpu_taskswitch(1));
    /* x87 instruction with virtual CR0.TS set -> #NM; Xen clears TS and the
     * handler returns to retry the instruction. */
    __asm__ volatile("fnop");
    CHECK_EQ(last_trap.count, 1);
    CHECK_EQ(last_trap.vector, X86_EXC_NM);
    __asm__ volatile("fnop");
    CHECK_EQ(last_trap.count, 1);
    CHECK_OK(HYPERVISOR_fpu_taskswitch(1));
    CHECK_OK(HYPERVISOR_fpu_taskswitch(0));
    __asm__ volatile("fnop");
    CHECK_EQ(last_trap.count, 1);
    say("fpu_taskswitch: #NM delivered once, TS cleared ok");
}

static void check_callbacks(void)
{
    struct callback_register cb = { .type = CALLBACKTYPE_event, .address = (uint64_t)event_callback_entry };
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_register, &cb));
    cb.type = CALLBACKTYPE_failsafe;
    cb.flags = CALLBACKF_mask_events;
    cb.address = (uint64_t)failsafe_callback_entry;
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_register, &cb));
    cb.type = CALLBACKTYPE_syscall;
    cb.address = (uint64_t)syscall_callback_entry;
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_register, &cb));
    cb.type = CALLBACKTYPE_nmi;
    cb.flags = 0;
    cb.address = (uint64_t)trap_table[2].address;
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_register, &cb));
    struct callback_unregister un = { .type = CALLBACKTYPE_nmi };
    CHECK_OK(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un));
    un.type = CALLBACKTYPE_event;
    CHECK_RC(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), -XEN_EINVAL);
    cb.type = 6;
    cb.address = (uint64_t)event_callback_entry;
    CHECK_RC(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS);
    cb.type = CALLBACKTYPE_event;
    cb.address = 0x0000800000000000UL;   /* non-canonical */
    CHECK_RC(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_callback_op(2, &cb), -XEN_ENOSYS);

    CHECK_OK(HYPERVISOR_set_callbacks((unsigned long)event_callback_entry,
                                      (unsigned long)failsafe_callback_entry,
                                      (unsigned long)syscall_callback_entry));
    CHECK_OK(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)trap_stack_top));
    /* Leave the runtime's registration in place. */
    register_callbacks();
    say("callback_op / set_callbacks / stack_switch ok");
}

static void check_physdev_and_segments(void)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };
    CHECK_OK(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));
    iopl.iopl = 0;
    CHECK_OK(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl));
    iopl.iopl = 4;
    CHECK_RC(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_physdev_op(99, &iopl), -XEN_ENOSYS);

    static uint64_t fs_marker = 0x1111222233334444UL, gs_marker = 0x5555666677778888UL;
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)&fs_marker));
    CHECK_EQ(read_fs_qword0(), fs_marker);
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)&gs_marker));
    CHECK_EQ(read_gs_qword0(), gs_marker);
    /* The user base is inactive in kernel mode: %gs keeps the kernel base. */
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, (unsigned long)&fs_marker));
    CHECK_EQ(read_gs_qword0(), gs_marker);
    CHECK_RC(HYPERVISOR_set_segment_base(SEGBASE_FS, 0x0000800000000000UL), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_set_segment_base(4, 0), -XEN_EINVAL);
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0));
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_FS, 0));
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0));
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0));
    say("physdev_op(set_iopl), set_segment_base ok");
}

void test_main(void)
{
    check_boot_state();
    check_layout();
#if XEN_HCALL_PAGE
    check_hypercall_page_layout();
#endif
    check_xen_version();
    check_console_io();
    check_vm_assist();
    check_sched_op();
    check_unknown_hypercalls();
    check_debugregs();
    check_fpu_taskswitch();
    check_callbacks();
    check_physdev_and_segments();
}
