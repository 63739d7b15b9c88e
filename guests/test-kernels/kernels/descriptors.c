/*
 * descriptors: guest descriptor tables (docs/xen-pv-abi.md §6.7, §5.4).
 *
 * set_gdt with a frame of our own (must be read-only; reserved Xen
 * selectors stay usable; DPL raised to 3; system descriptors rejected),
 * loading data selectors from it (#NP for not-present, #GP beyond the
 * table), update_descriptor (GDT frame and plain pages; bad descriptor,
 * alignment, page-table frame -EINVAL), the GDT frame cannot be mapped
 * writable while in use; MMUEXT_SET_LDT (argument checks, lazy mapping on
 * first use, selector loads through the LDT, -EBUSY for a writable mapping
 * while in use, release on SET_LDT 0).
 */
#include "rt.h"

static void load_ds(uint16_t sel) { __asm__ volatile("mov %0, %%ds" : : "r"(sel) : "memory"); }
static void load_es(uint16_t sel) { __asm__ volatile("mov %0, %%es" : : "r"(sel) : "memory"); }

/* Load `sel` into %fs expecting a fault; returns the error code. */
static unsigned long load_fs_fault(uint16_t sel, unsigned long vector)
{
    unsigned long rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: mov %1, %%fs\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : "r"(sel) : "memory");
    if (last_trap.count != 1 || last_trap.vector != vector || last_trap.rip != rip)
        FAIL("loading %%fs with %#x: expected vector %lu at %#lx, got count %lu vector %#lx rip %#lx",
             sel, vector, rip, last_trap.count, last_trap.vector, last_trap.rip);
    return last_trap.error_code;
}

static void test_gdt(void)
{
    uint64_t *gdt = page_alloc(), *bad = page_alloc(), *plain = page_alloc();
    unsigned long frames[1] = { virt_to_mfn(gdt) };

    gdt[1] = DESC_FLAT_DATA_DPL3;        /* 0x0b */
    gdt[2] = DESC_FLAT_CODE64_DPL3;      /* 0x13 */
    gdt[3] = DESC_FLAT_DATA_DPL0;        /* 0x1b: Xen raises DPL to 3 */
    gdt[4] = DESC_FLAT_DATA_DPL3 & ~DESC_P;  /* 0x23: not present */

    CHECK_RC(HYPERVISOR_set_gdt(frames, 8), -XEN_EINVAL);              /* still writable */
    CHECK_RC(HYPERVISOR_set_gdt(frames, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);

    unsigned long bad_frames[1] = { virt_to_mfn(bad) };
    bad[1] = DESC_FLAT_DATA_DPL3;
    bad[6] = DESC_TSS64_LOW;             /* system descriptors other than gates are refused */
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(HYPERVISOR_set_gdt(bad_frames, 8), -XEN_EINVAL);
    CHECK_OK(set_page_rw(bad));          /* the failed check left no type behind */

    CHECK_OK(set_page_ro(gdt));
    CHECK_OK(HYPERVISOR_set_gdt(frames, 8));
    CHECK_EQ(gdt[3], DESC_FLAT_DATA_DPL3);
    CHECK_RC(set_page_rw(gdt), -XEN_EBUSY);
    say("set_gdt: writable frame / too many entries / TSS descriptor -EINVAL; installed, DPL fixed up, RW map -EBUSY");

    load_ds(SEL_GDT(1, 3));
    CHECK_EQ(read_ds(), SEL_GDT(1, 3));
    load_es(SEL_GDT(3, 3));
    CHECK_EQ(read_es(), SEL_GDT(3, 3));
    CHECK_EQ(load_fs_fault(SEL_GDT(4, 3), X86_EXC_NP), SEL_GDT(4, 0));
    CHECK_EQ(load_fs_fault(SEL_GDT(600, 3), X86_EXC_GP), SEL_GDT(600, 0));    /* zero-backed page */
    load_es(FLAT_RING3_DS32);            /* Xen's reserved selectors still work */
    CHECK_EQ(read_es(), FLAT_RING3_DS32);
    CHECK_EQ(read_cs(), FLAT_KERNEL_CS);
    say("selectors from the new GDT load; not-present -> #NP(sel), empty entry -> #GP(sel)");

    /* update_descriptor on an in-use GDT frame and on a plain page. */
    uint64_t ma = virt_to_maddr(&gdt[5]);
    CHECK_OK(HYPERVISOR_update_descriptor(ma, DESC_FLAT_DATA_DPL3));
    CHECK_EQ(gdt[5], DESC_FLAT_DATA_DPL3);
    load_es(SEL_GDT(5, 3));
    CHECK_EQ(read_es(), SEL_GDT(5, 3));
    load_es(0);
    CHECK_RC(HYPERVISOR_update_descriptor(ma, DESC_TSS64_LOW), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_update_descriptor(ma + 4, DESC_FLAT_DATA_DPL3), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_update_descriptor(virt_to_maddr(current_l4()), DESC_FLAT_DATA_DPL3), -XEN_EINVAL);
    CHECK_OK(HYPERVISOR_update_descriptor(virt_to_maddr(&plain[9]), DESC_FLAT_DATA_DPL3));
    CHECK_EQ(plain[9], DESC_FLAT_DATA_DPL3);
    CHECK_EQ(gdt[5], DESC_FLAT_DATA_DPL3);
    say("update_descriptor: GDT frame and plain page ok; bad type / misaligned / page-table frame -EINVAL");

    /* Drop the GDT; the frame becomes an ordinary page again. */
    load_ds(0);
    load_es(0);
    CHECK_OK(HYPERVISOR_set_gdt(NULL, 0));
    CHECK_OK(set_page_rw(gdt));
    gdt[7] = 1;
}

static void test_ldt(void)
{
    uint64_t *ldt = page_alloc();
    ldt[0] = DESC_FLAT_DATA_DPL3;
    ldt[1] = DESC_FLAT_DATA_DPL0;

    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };
    op.arg1.linear_addr = (unsigned long)ldt + 8;         /* not page aligned */
    op.arg2.nr_ents = 2;
    CHECK_RC(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    op.arg1.linear_addr = (unsigned long)ldt;
    op.arg2.nr_ents = 8193;
    CHECK_RC(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    op.arg1.linear_addr = HYPERVISOR_VIRT_START;
    op.arg2.nr_ents = 2;
    CHECK_RC(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);

    CHECK_OK(set_page_ro(ldt));
    op.arg1.linear_addr = (unsigned long)ldt;
    op.arg2.nr_ents = 2;
    CHECK_OK(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF));
    /* First use maps the LDT page (lazily, invisibly to the guest). */
    trap_reset();
    load_es(SEL_LDT(0, 3));
    CHECK_EQ(last_trap.count, 0);
    CHECK_EQ(read_es(), SEL_LDT(0, 3));
    load_es(SEL_LDT(1, 3));
    CHECK_EQ(read_es(), SEL_LDT(1, 3));
    CHECK_EQ(ldt[1], DESC_FLAT_DATA_DPL3);               /* DPL fixed up */
    CHECK_EQ(load_fs_fault(SEL_LDT(2, 3), X86_EXC_GP), SEL_LDT(2, 0));   /* beyond nr_ents */
    CHECK_RC(set_page_rw(ldt), -XEN_EBUSY);
    say("SET_LDT: bad args -EINVAL; selectors load through the LDT; beyond limit #GP; RW map -EBUSY");

    load_es(0);
    op.arg1.linear_addr = 0;
    op.arg2.nr_ents = 0;
    CHECK_OK(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF));
    CHECK_EQ(load_fs_fault(SEL_LDT(0, 3), X86_EXC_GP), SEL_LDT(0, 0));
    CHECK_OK(set_page_rw(ldt));
    say("SET_LDT 0: LDT selectors #GP, page released");
}

void test_main(void)
{
    test_gdt();
    test_ldt();
}
