/*
 * multicall: batched hypercalls (docs/xen-pv-abi.md §9.8).
 *
 * One batch mixing the calls Linux batches (update_va_mapping, mmuext_op,
 * mmu_update, stack_switch, fpu_taskswitch, set_segment_base) with others,
 * where later entries depend on earlier ones, some entries fail without
 * stopping the batch (unknown op -ENOSYS, typed page -EBUSY, nested
 * multicall -EINVAL), and every result lands in its entry. Also an empty
 * batch, a large batch, and a bad list pointer.
 */
#include "rt.h"

static struct multicall_entry mc[32];
static unsigned int n;

static unsigned int add(unsigned long op, unsigned long a0, unsigned long a1, unsigned long a2,
                        unsigned long a3, unsigned long a4)
{
    struct multicall_entry *e = &mc[n];
    e->op = op;
    e->result = 0x5a5a5a5a5a5a5a5aUL;      /* must be overwritten */
    e->args[0] = a0;
    e->args[1] = a1;
    e->args[2] = a2;
    e->args[3] = a3;
    e->args[4] = a4;
    e->args[5] = 0xdeadbeefUL;              /* unused argument slot */
    return n++;
}

static uint64_t fs_marker = 0x6d756c7469636c6cUL;

void test_main(void)
{
    long ver = xen_version_number();

    CHECK_OK(HYPERVISOR_multicall(mc, 0));
    CHECK_RC(HYPERVISOR_multicall((void *)0x1000, 1), -XEN_EFAULT);

    /* A page that becomes an L1 table inside the batch. */
    uint64_t *tbl = page_alloc(), *data = page_alloc();
    tbl[0] = (virt_to_mfn(data) << PAGE_SHIFT) | PTE_KERNEL_RO;
    static struct mmuext_op pin, unpin;
    pin.cmd = MMUEXT_PIN_L1_TABLE;
    pin.arg1.mfn = virt_to_mfn(tbl);
    unpin.cmd = MMUEXT_UNPIN_TABLE;
    unpin.arg1.mfn = virt_to_mfn(tbl);
    static struct mmu_update upd;
    upd.ptr = virt_to_maddr(&tbl[1]);
    upd.val = (virt_to_mfn(data) << PAGE_SHIFT) | PTE_KERNEL_RO;
    static unsigned int upd_done = 77;
    static struct multicall_entry inner[1] = { { __HYPERVISOR_xen_version, 0, { 0 } } };
    static const char msg[] = TEST_NAME ": console_io from inside a multicall\n";
    domid_t self = DOMID_SELF;
    unsigned long ro = (virt_to_mfn(tbl) << PAGE_SHIFT) | PTE_KERNEL_RO;
    unsigned long rw = (virt_to_mfn(tbl) << PAGE_SHIFT) | PTE_KERNEL_RW;

    n = 0;
    unsigned int i_ver = add(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    unsigned int i_con = add(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, (unsigned long)msg, 0, 0);
    unsigned int i_ro = add(__HYPERVISOR_update_va_mapping, (unsigned long)tbl, ro, UVMF_INVLPG, 0, 0);
    unsigned int i_pin = add(__HYPERVISOR_mmuext_op, (unsigned long)&pin, 1, 0, DOMID_SELF, 0);
    unsigned int i_bad = add(60, 1, 2, 3, 4, 5);
    unsigned int i_busy = add(__HYPERVISOR_update_va_mapping, (unsigned long)tbl, rw, UVMF_INVLPG, 0, 0);
    unsigned int i_upd = add(__HYPERVISOR_mmu_update, (unsigned long)&upd, 1, (unsigned long)&upd_done, DOMID_SELF, 0);
    unsigned int i_ss = add(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, (unsigned long)trap_stack_top, 0, 0, 0);
    unsigned int i_ts1 = add(__HYPERVISOR_fpu_taskswitch, 1, 0, 0, 0, 0);
    unsigned int i_ts0 = add(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
    unsigned int i_fs = add(__HYPERVISOR_set_segment_base, SEGBASE_FS, (unsigned long)&fs_marker, 0, 0, 0);
    unsigned int i_nest = add(__HYPERVISOR_multicall, (unsigned long)inner, 1, 0, 0, 0);
    unsigned int i_va = add(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 6, 0, 0, 0);
    unsigned int i_mem = add(__HYPERVISOR_memory_op, XENMEM_current_reservation, (unsigned long)&self, 0, 0, 0);
    unsigned int i_yield = add(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    unsigned int i_unpin = add(__HYPERVISOR_mmuext_op, (unsigned long)&unpin, 1, 0, DOMID_SELF, 0);
    unsigned int i_rw = add(__HYPERVISOR_update_va_mapping, (unsigned long)tbl, rw, UVMF_INVLPG, 0, 0);
    unsigned int i_ver2 = add(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);

    CHECK_OK(HYPERVISOR_multicall(mc, n));
    for (unsigned int i = 0; i < n; i++)
        say("entry %2u op %2lu -> %ld (%s)", i, (unsigned long)mc[i].op, (long)mc[i].result,
            errname((long)mc[i].result > 0 ? 0 : (long)mc[i].result));
    CHECK_RC(mc[i_ver].result, ver);
    CHECK_RC(mc[i_con].result, 0);
    CHECK_RC(mc[i_ro].result, 0);
    CHECK_RC(mc[i_pin].result, 0);                 /* saw the RO remap above */
    CHECK_RC(mc[i_bad].result, -XEN_ENOSYS);
    CHECK_RC(mc[i_busy].result, -XEN_EBUSY);       /* pinned: no RW mapping */
    CHECK_RC(mc[i_upd].result, 0);
    CHECK_EQ(upd_done, 1);
    CHECK_RC(mc[i_ss].result, 0);
    CHECK_RC(mc[i_ts1].result, 0);
    CHECK_RC(mc[i_ts0].result, 0);
    CHECK_RC(mc[i_fs].result, 0);
    CHECK_RC(mc[i_nest].result, -XEN_EINVAL);      /* no nesting */
    CHECK_RC(mc[i_va].result, -XEN_EINVAL);
    CHECK_RC(mc[i_mem].result, (long)nr_pages);
    CHECK_RC(mc[i_yield].result, 0);
    CHECK_RC(mc[i_unpin].result, 0);
    CHECK_RC(mc[i_rw].result, 0);
    CHECK_RC(mc[i_ver2].result, ver);
    CHECK_EQ(inner[0].result, 0);                   /* never ran */

    /* Side effects happened, in order. */
    CHECK_EQ(read_fs_qword0(), fs_marker);
    CHECK_OK(HYPERVISOR_set_segment_base(SEGBASE_FS, 0));
    tbl[2] = 1;                                      /* writable again */
    CHECK_EQ(tbl[1] & PTE_ADDR_MASK, virt_to_mfn(data) << PAGE_SHIFT);
    trap_reset();
    __asm__ volatile("fnop");                        /* TS cleared by the last taskswitch */
    CHECK_EQ(last_trap.count, 0);
    say("mixed batch of %u entries ok", n);

    /* A full batch of the same call. */
    n = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(mc); i++)
        add(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    CHECK_OK(HYPERVISOR_multicall(mc, n));
    for (unsigned int i = 0; i < n; i++)
        if ((long)mc[i].result != ver)
            FAIL("entry %u of %u: %ld", i, n, (long)mc[i].result);
    say("batch of %u xen_version calls ok", n);
}
