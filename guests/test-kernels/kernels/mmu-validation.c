/*
 * mmu-validation: the PV direct-paging rules (docs/xen-pv-abi.md §5).
 *
 * Builds a private L3/L2/L1 chain, pins it, hooks it into the live L4 and
 * then probes legal and illegal updates through mmu_update,
 * update_va_mapping, mmuext_op and writable-pagetable emulation, checking
 * Xen's error codes: foreign/non-RAM frames (-EPERM/-EINVAL), writable
 * mappings of typed frames (-EBUSY), bad flags (-EINVAL), superpages,
 * reserved L4 slots, linear entries, pin/unpin state and reference counts,
 * base pointers, TLB/cache ops, page copy/clear, and batch "done" counts.
 */
#include "rt.h"

#define TEST_VA     0x0000010000000000UL   /* L4 slot 2 */
#define UNMAPPED_VA 0x0000020000000000UL   /* L4 slot 4, never populated */
#define LINEAR_SLOT 5
#define PTE_RW      (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO      (_PAGE_PRESENT | _PAGE_ACCESSED)
#define TBL         (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)
#define D1_MARKER   0xd1d1d1d1d1d1d1d1UL
#define D2_MARKER   0xd2d2d2d2d2d2d2d2UL

static uint64_t *l3, *l2, *l1, *d1, *d2;
static unsigned long bogus_mfn;
static unsigned long vcpumask = 1;

static inline uint64_t mk(const void *page, uint64_t flags)
{
    return (virt_to_mfn(page) << PAGE_SHIFT) | flags;
}

static inline uint64_t maddr_of(const uint64_t *entry)
{
    return virt_to_maddr(entry);
}

static inline uint64_t read_va(unsigned long va)
{
    return *(volatile uint64_t *)va;
}

static long pin(unsigned int level, const void *page)
{
    return mmuext1(MMUEXT_PIN_L1_TABLE + level - 1, virt_to_mfn(page), 0);
}

static long unpin(const void *page)
{
    return mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(page), 0);
}

static void invlpg(unsigned long va)
{
    CHECK_OK(mmuext1(MMUEXT_INVLPG_LOCAL, va, 0));
}

/* Expect a #PF with the given error bits from a direct 8-byte store. */
static void expect_store_fault(volatile uint64_t *p, uint64_t val, unsigned int err)
{
    unsigned long rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: movq %2, (%1)\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : "r"(p), "r"(val) : "memory");
    CHECK_EQ(last_trap.count, 1);
    CHECK_EQ(last_trap.vector, X86_EXC_PF);
    CHECK_EQ(last_trap.rip, rip);
    CHECK_EQ(last_trap.cr2, (unsigned long)p);
    CHECK_EQ(last_trap.error_code & (PFEC_present | PFEC_write | PFEC_user), err);
}

static void build_and_pin(void)
{
    l3 = page_alloc();
    l2 = page_alloc();
    l1 = page_alloc();
    d1 = page_alloc();
    d2 = page_alloc();
    d1[0] = D1_MARKER;
    d2[0] = D2_MARKER;
    l1[0] = mk(d1, PTE_RW);
    l1[1] = mk(d2, PTE_RO);
    l2[0] = mk(l1, TBL);
    l3[0] = mk(l2, TBL);

    /* A page still mapped writable cannot become a page table. */
    CHECK_RC(pin(1, l1), -XEN_EINVAL);
    CHECK_OK(set_page_ro(l1));
    CHECK_OK(set_page_ro(l2));
    CHECK_OK(set_page_ro(l3));

    CHECK_OK(pin(1, l1));
    CHECK_RC(pin(1, l1), -XEN_EINVAL);              /* already pinned */
    /* Xen writes back U and _PAGE_GUEST_KERNEL on kernel L1 entries. */
    CHECK_EQ(l1[0], mk(d1, PTE_RW) | _PAGE_USER | _PAGE_GUEST_KERNEL);
    CHECK_EQ(l1[1], mk(d2, PTE_RO) | _PAGE_USER | _PAGE_GUEST_KERNEL);
    CHECK_RC(pin(2, l1), -XEN_EINVAL);              /* typed L1, not L2 */
    CHECK_OK(pin(2, l2));
    CHECK(l2[0] & _PAGE_USER);
    CHECK_OK(pin(3, l3));
    CHECK(l3[0] & _PAGE_USER);

    uint64_t *l4e = pte_of(TEST_VA, 4);
    CHECK(l4e != NULL);
    CHECK_EQ(*l4e, 0);
    CHECK_OK(mmu_update1(maddr_of(l4e), mk(l3, TBL)));
    CHECK(*l4e & _PAGE_USER);
    CHECK_EQ(read_va(TEST_VA), D1_MARKER);
    CHECK_EQ(read_va(TEST_VA + PAGE_SIZE), D2_MARKER);
    *(volatile uint64_t *)(TEST_VA + 8) = 0x1234;
    CHECK_EQ(d1[1], 0x1234);
    expect_store_fault((volatile uint64_t *)(TEST_VA + PAGE_SIZE), 1, PFEC_present | PFEC_write);

    CHECK_OK(HYPERVISOR_update_va_mapping(TEST_VA + 2 * PAGE_SIZE, mk(d2, PTE_RW), UVMF_INVLPG));
    CHECK_EQ(read_va(TEST_VA + 2 * PAGE_SIZE), D2_MARKER);
    say("pinned L1/L2/L3 chain hooked at L4 slot %lu; reads, writes, RO fault ok",
        l4_table_offset(TEST_VA));
}

static void illegal_l1_updates(void)
{
    uint64_t e3 = maddr_of(&l1[3]);

    /* Frames that are not RAM of ours. */
    CHECK_RC(mmu_update1(e3, (bogus_mfn << PAGE_SHIFT) | PTE_RO), -XEN_EPERM);
    /* Writable mappings of frames typed as page tables. */
    CHECK_RC(mmu_update1(e3, mk(l1, PTE_RW)), -XEN_EBUSY);
    CHECK_RC(HYPERVISOR_update_va_mapping(TEST_VA + 3 * PAGE_SIZE, mk(l2, PTE_RW), UVMF_INVLPG),
             -XEN_EBUSY);
    CHECK_RC(HYPERVISOR_update_va_mapping(TEST_VA + 3 * PAGE_SIZE, mk(current_l4(), PTE_RW), UVMF_INVLPG),
             -XEN_EBUSY);
    /* Flags a plain domU may not use. */
    CHECK_RC(mmu_update1(e3, mk(d1, PTE_RO | _PAGE_PCD)), -XEN_EINVAL);
    CHECK_RC(mmu_update1(e3, mk(d1, PTE_RO | _PAGE_PWT)), -XEN_EINVAL);
    CHECK_RC(mmu_update1(e3, mk(d1, PTE_RO | _PAGE_GNTTAB)), -XEN_EINVAL);
    CHECK_EQ(l1[3], 0);
    /* Read-only mapping of a page table is fine. */
    CHECK_OK(mmu_update1(e3, mk(l1, PTE_RO)));
    CHECK_EQ(read_va(TEST_VA + 3 * PAGE_SIZE), l1[0]);
    CHECK_OK(mmu_update1(e3, 0));
    /* Allowed flags: U, G (user pages), AVAIL, NX, high available bits. */
    CHECK_OK(mmu_update1(e3, mk(d1, PTE_RO | _PAGE_USER | _PAGE_GLOBAL | _PAGE_AVAIL0 | _PAGE_NX |
                                    (1UL << 55))));
    CHECK_OK(mmu_update1(e3, 0));
    /* Non-present entries are stored as given. */
    CHECK_OK(mmu_update1(maddr_of(&l1[4]), 0xe02));
    CHECK_EQ(l1[4], 0xe02);
    CHECK_OK(mmu_update1(maddr_of(&l1[4]), 0));
    say("L1: non-RAM -EPERM, RW map of page tables -EBUSY, PCD/PWT/bit62 -EINVAL, RO map of a table ok");
}

static void illegal_upper_updates(void)
{
    uint64_t *l1b = page_alloc();
    l1b[0] = mk(d1, PTE_RO);

    CHECK_RC(mmu_update1(maddr_of(&l2[1]), mk(d1, TBL | _PAGE_PSE)), -XEN_EINVAL);
    CHECK_RC(mmu_update1(maddr_of(&l2[1]), mk(d1, TBL)), -XEN_EINVAL);        /* not an L1 */
    CHECK_RC(mmu_update1(maddr_of(&l2[1]), (bogus_mfn << PAGE_SHIFT) | TBL), -XEN_EINVAL);
    CHECK_RC(mmu_update1(maddr_of(&l3[1]), mk(d1, TBL)), -XEN_EINVAL);        /* not an L2 */
    CHECK_RC(mmu_update1(maddr_of(&l3[1]), mk(l1, TBL)), -XEN_EINVAL);        /* an L1 */
    CHECK_RC(mmu_update1(maddr_of(&l2[1]), mk(l1b, TBL)), -XEN_EINVAL);       /* l1b still writable */

    /* Installing validates l1b as an L1: it can no longer be mapped RW. */
    CHECK_OK(set_page_ro(l1b));
    CHECK_OK(mmu_update1(maddr_of(&l2[1]), mk(l1b, TBL)));
    CHECK_EQ(read_va(TEST_VA + (1UL << L2_PAGETABLE_SHIFT)), D1_MARKER);
    CHECK_RC(set_page_rw(l1b), -XEN_EBUSY);
    CHECK_OK(mmu_update1(maddr_of(&l2[1]), 0));
    CHECK_OK(set_page_rw(l1b));

    /* Reserved L4 slots 256..271 cannot be written, whatever the value. */
    uint64_t *l4 = current_l4();
    CHECK_RC(mmu_update1(maddr_of(&l4[256]), l4[256]), -XEN_EINVAL);
    CHECK_RC(mmu_update1(maddr_of(&l4[263]), 0), -XEN_EINVAL);
    CHECK_RC(mmu_update1(maddr_of(&l4[271]), l4[271]), -XEN_EINVAL);

    /* Linear (recursive) L4 entry: read-only only. */
    CHECK_RC(mmu_update1(maddr_of(&l4[LINEAR_SLOT]), mk(l4, TBL)), -XEN_EINVAL);
    CHECK_OK(mmu_update1(maddr_of(&l4[LINEAR_SLOT]), mk(l4, PTE_RO)));
    unsigned long lin = ((unsigned long)LINEAR_SLOT << 39) | ((unsigned long)LINEAR_SLOT << 30) |
                        ((unsigned long)LINEAR_SLOT << 21) | ((unsigned long)LINEAR_SLOT << 12);
    CHECK_EQ(((volatile uint64_t *)lin)[511], l4[511]);
    CHECK_EQ(((volatile uint64_t *)lin)[l4_table_offset(TEST_VA)], l4[l4_table_offset(TEST_VA)]);
    CHECK_OK(mmu_update1(maddr_of(&l4[LINEAR_SLOT]), 0));
    invlpg(lin);
    say("L2 PSE/non-L1 -EINVAL, L3 non-L2 -EINVAL, typed-by-install -EBUSY, L4 slots 256-271 -EINVAL, RO linear L4 ok");
}

static void pin_failures(void)
{
    uint64_t *bad;

    bad = page_alloc();
    bad[0] = mk(d1, PTE_RO | _PAGE_PCD);
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(pin(1, bad), -XEN_EINVAL);
    CHECK_OK(set_page_rw(bad));                 /* failed validation left no type */

    bad = page_alloc();
    bad[7] = mk(l1, PTE_RW);                    /* writable map of a pinned L1 */
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(pin(1, bad), -XEN_EBUSY);
    CHECK_OK(set_page_rw(bad));

    bad = page_alloc();
    bad[0] = (bogus_mfn << PAGE_SHIFT) | PTE_RO;
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(pin(1, bad), -XEN_EPERM);
    CHECK_OK(set_page_rw(bad));

    bad = page_alloc();
    bad[3] = mk(d1, TBL | _PAGE_PSE);
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(pin(2, bad), -XEN_EINVAL);
    CHECK_OK(set_page_rw(bad));

    bad = page_alloc();
    bad[0] = mk(d1, TBL);                       /* L3 entry -> writable page */
    CHECK_OK(set_page_ro(bad));
    CHECK_RC(pin(3, bad), -XEN_EINVAL);
    CHECK_OK(set_page_rw(bad));

    CHECK_RC(mmuext1(MMUEXT_PIN_L1_TABLE, bogus_mfn, 0), -XEN_EINVAL);
    CHECK_RC(unpin(d1), -XEN_EINVAL);           /* never pinned */
    CHECK_RC(mmuext1(MMUEXT_UNPIN_TABLE, bogus_mfn, 0), -XEN_EINVAL);
    say("pinning tables with bad entries refused (-EINVAL/-EBUSY/-EPERM), rolled back; unpin of unpinned -EINVAL");
}

static void accessed_dirty(void)
{
    uint64_t *e = &l1[5];
    unsigned long va = TEST_VA + 5 * PAGE_SIZE;

    CHECK_OK(mmu_update1(maddr_of(e), mk(d2, _PAGE_PRESENT | _PAGE_RW)));
    CHECK_EQ(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), 0);
    invlpg(va);
    *(volatile uint64_t *)(va + 16) = 7;        /* the MMU sets A and D */
    CHECK_EQ(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), _PAGE_ACCESSED | _PAGE_DIRTY);
    CHECK_OK(mmu_update1(maddr_of(e) | MMU_PT_UPDATE_PRESERVE_AD, mk(d2, _PAGE_PRESENT | _PAGE_RW)));
    CHECK_EQ(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), _PAGE_ACCESSED | _PAGE_DIRTY);
    CHECK_OK(mmu_update1(maddr_of(e), mk(d2, _PAGE_PRESENT | _PAGE_RW)));
    CHECK_EQ(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), 0);
    CHECK_OK(mmu_update1(maddr_of(e) | MMU_PT_UPDATE_NO_TRANSLATE, 0));
    CHECK_EQ(*e, 0);
    say("A/D set by the MMU, MMU_PT_UPDATE_PRESERVE_AD keeps them, NORMAL clears them ok");
}

static void flush_ops(void)
{
    struct mmuext_op op = { 0 };

    CHECK_OK(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0));
    CHECK_OK(mmuext1(MMUEXT_INVLPG_LOCAL, TEST_VA, 0));
    op.cmd = MMUEXT_TLB_FLUSH_MULTI;
    op.arg2.vcpumask = &vcpumask;
    CHECK_OK(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF));
    op.cmd = MMUEXT_INVLPG_MULTI;
    op.arg1.linear_addr = TEST_VA;
    CHECK_OK(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF));
    CHECK_OK(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, 0));
    CHECK_OK(mmuext1(MMUEXT_INVLPG_ALL, TEST_VA, 0));
    CHECK_RC(mmuext1(MMUEXT_FLUSH_CACHE, 0, 0), -XEN_EACCES);
    CHECK_RC(mmuext1(MMUEXT_MARK_SUPER, virt_to_mfn(d1), 0), -XEN_EOPNOTSUPP);
    CHECK_RC(mmuext1(MMUEXT_UNMARK_SUPER, virt_to_mfn(d1), 0), -XEN_EOPNOTSUPP);
    CHECK_RC(mmuext1(14, 0, 0), -XEN_ENOSYS);
    CHECK_RC(mmuext1(99, 0, 0), -XEN_ENOSYS);

    /* A remap is visible after INVLPG. */
    CHECK_OK(mmu_update1(maddr_of(&l1[0]), mk(d2, PTE_RW)));
    invlpg(TEST_VA);
    CHECK_EQ(read_va(TEST_VA), D2_MARKER);
    CHECK_OK(HYPERVISOR_update_va_mapping(TEST_VA, mk(d1, PTE_RW), UVMF_TLB_FLUSH | UVMF_ALL));
    CHECK_EQ(read_va(TEST_VA), D1_MARKER);
    CHECK_OK(HYPERVISOR_update_va_mapping(TEST_VA, mk(d2, PTE_RW),
                                          UVMF_INVLPG | UVMF_MULTI | (unsigned long)&vcpumask));
    CHECK_EQ(read_va(TEST_VA), D2_MARKER);
    CHECK_OK(HYPERVISOR_update_va_mapping(TEST_VA, mk(d1, PTE_RW), UVMF_NONE));
    invlpg(TEST_VA);
    CHECK_EQ(read_va(TEST_VA), D1_MARKER);

    CHECK_RC(HYPERVISOR_update_va_mapping(UNMAPPED_VA, mk(d1, PTE_RO), UVMF_INVLPG), -XEN_EINVAL);
    CHECK_RC(HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START, mk(d1, PTE_RO), UVMF_INVLPG),
             -XEN_EINVAL);
    say("TLB flush/invlpg ops, FLUSH_CACHE -EACCES, (UN)MARK_SUPER -EOPNOTSUPP, unknown -ENOSYS, UVMF flags ok");
}

static void writable_pagetables(void)
{
    volatile uint64_t *e6 = &l1[6], *e7 = &l1[7];

    /* Without the assist a store to a read-only L1 is a plain #PF. */
    expect_store_fault(e6, mk(d2, PTE_RO), PFEC_present | PFEC_write);
    CHECK_EQ(*e6, 0);

    CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables));
    trap_reset();
    *e6 = mk(d2, PTE_RO);                        /* emulated and validated by Xen */
    CHECK_EQ(last_trap.count, 0);
    CHECK_EQ(*e6, mk(d2, PTE_RO) | _PAGE_USER | _PAGE_GUEST_KERNEL);
    CHECK_EQ(read_va(TEST_VA + 6 * PAGE_SIZE), D2_MARKER);
    /* An invalid entry fails validation: the #PF reaches the guest. */
    expect_store_fault(e7, mk(l1, PTE_RW), PFEC_present | PFEC_write);
    CHECK_EQ(*e7, 0);
    /* Only L1 tables are emulated. */
    expect_store_fault((volatile uint64_t *)&l2[9], 0, PFEC_present | PFEC_write);
    *e6 = 0;
    CHECK_EQ(*e6, 0);
    CHECK_OK(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables));
    invlpg(TEST_VA + 6 * PAGE_SIZE);
    say("writable pagetables: plain #PF when off, validated store when on, bad entry #PF, L2 #PF ok");
}

static void batches_and_domains(void)
{
    struct mmu_update req[3] = {
        { maddr_of(&l1[8]), mk(d1, PTE_RO) },
        { maddr_of(&l1[9]), (bogus_mfn << PAGE_SHIFT) | PTE_RO },
        { maddr_of(&l1[10]), mk(d1, PTE_RO) },
    };
    unsigned int done = 99;
    CHECK_RC(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), -XEN_EPERM);
    CHECK_EQ(done, 1);
    CHECK(l1[8] & _PAGE_PRESENT);
    CHECK_EQ(l1[9], 0);
    CHECK_EQ(l1[10], 0);
    CHECK_OK(mmu_update1(maddr_of(&l1[8]), 0));
    CHECK_OK(HYPERVISOR_mmu_update(req, 0, NULL, DOMID_SELF));

    CHECK_RC(HYPERVISOR_mmu_update(req, 1, NULL, 0x7fef), -XEN_ESRCH);
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    CHECK_RC(HYPERVISOR_mmuext_op(&op, 1, NULL, 0x7fef), -XEN_ESRCH);
    CHECK_RC(mmu_update1(bogus_mfn << PAGE_SHIFT, 0), -XEN_EINVAL);   /* table not ours */
    CHECK_RC(HYPERVISOR_mmu_update((void *)0x1000, 1, NULL, DOMID_SELF), -XEN_EFAULT);
    CHECK_RC(HYPERVISOR_mmuext_op((void *)0x1000, 1, NULL, DOMID_SELF), -XEN_EFAULT);

    struct mmuext_op ops[3] = {
        { .cmd = MMUEXT_TLB_FLUSH_LOCAL },
        { .cmd = MMUEXT_UNPIN_TABLE },
        { .cmd = MMUEXT_TLB_FLUSH_LOCAL },
    };
    ops[1].arg1.mfn = virt_to_mfn(d1);
    done = 99;
    CHECK_RC(HYPERVISOR_mmuext_op(ops, 3, &done, DOMID_SELF), -XEN_EINVAL);
    CHECK_EQ(done, 1);
    say("batches stop at the first error with *done, bad foreigndom -ESRCH, bad pointers -EFAULT ok");
}

static void copy_and_clear(void)
{
    uint8_t *a = page_alloc(), *b = page_alloc();
    for (int i = 0; i < (int)PAGE_SIZE; i++)
        a[i] = (uint8_t)(i * 7 + 3);
    CHECK_OK(mmuext1(MMUEXT_COPY_PAGE, virt_to_mfn(b), virt_to_mfn(a)));
    CHECK(!memcmp(a, b, PAGE_SIZE));
    CHECK_OK(mmuext1(MMUEXT_CLEAR_PAGE, virt_to_mfn(b), 0));
    for (int i = 0; i < (int)PAGE_SIZE; i++)
        if (b[i])
            FAIL("CLEAR_PAGE left byte %d = %#x", i, b[i]);
    /* The source may be a page table; the destination may not. */
    CHECK_OK(mmuext1(MMUEXT_COPY_PAGE, virt_to_mfn(b), virt_to_mfn(l1)));
    CHECK(!memcmp(b, l1, PAGE_SIZE));
    CHECK_RC(mmuext1(MMUEXT_COPY_PAGE, virt_to_mfn(l1), virt_to_mfn(a)), -XEN_EINVAL);
    CHECK_RC(mmuext1(MMUEXT_CLEAR_PAGE, virt_to_mfn(l1), 0), -XEN_EINVAL);
    CHECK_RC(mmuext1(MMUEXT_CLEAR_PAGE, bogus_mfn, 0), -XEN_EINVAL);
    CHECK_RC(mmuext1(MMUEXT_COPY_PAGE, virt_to_mfn(b), bogus_mfn), -XEN_EINVAL);
    say("COPY_PAGE / CLEAR_PAGE ok, page-table destination -EINVAL");
}

static void unhook_and_unpin(void)
{
    uint64_t *l4e = pte_of(TEST_VA, 4);

    /* Unpinned but still referenced from the live L4: still typed. */
    CHECK_OK(unpin(l3));
    CHECK_OK(unpin(l2));
    CHECK_OK(unpin(l1));
    CHECK_RC(unpin(l1), -XEN_EINVAL);
    CHECK_EQ(read_va(TEST_VA), D1_MARKER);
    CHECK_RC(set_page_rw(l1), -XEN_EBUSY);
    CHECK_RC(set_page_rw(l3), -XEN_EBUSY);
    /* Dropping the last reference releases the whole chain. */
    CHECK_OK(mmu_update1(maddr_of(l4e), 0));
    invlpg(TEST_VA);
    CHECK_OK(set_page_rw(l1));
    CHECK_OK(set_page_rw(l2));
    CHECK_OK(set_page_rw(l3));
    l1[0] = 0;                                   /* plain memory again */
    say("unpin keeps tables typed while referenced; unhooking releases them ok");
}

static unsigned long read_cr3(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));     /* emulated */
    return v;
}

static void base_pointers(void)
{
    uint64_t *nl4 = page_alloc(), *l4 = current_l4();
    unsigned long old = current_l4_mfn(), new = virt_to_mfn(nl4);

    for (int i = 0; i < 512; i++)
        if (i < 256 || i > 271)
            nl4[i] = l4[i];
    CHECK_EQ(read_cr3(), old << PAGE_SHIFT);
    CHECK_RC(mmuext1(MMUEXT_NEW_BASEPTR, new, 0), -XEN_EINVAL);   /* still writable */
    CHECK_RC(mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(d1), 0), -XEN_EINVAL);
    CHECK_OK(set_page_ro(nl4));

    /* Unpinned root: validated on install, typed while in use. */
    CHECK_OK(mmuext1(MMUEXT_NEW_BASEPTR, new, 0));
    CHECK_EQ(read_cr3(), new << PAGE_SHIFT);
    CHECK_RC(set_page_rw(nl4), -XEN_EBUSY);
    say("running on a new L4 %#lx", new);
    CHECK_OK(mmuext1(MMUEXT_NEW_BASEPTR, old, 0));
    CHECK_EQ(read_cr3(), old << PAGE_SHIFT);
    CHECK_OK(set_page_rw(nl4));

    /* Pinned root, switched with an emulated mov to %cr3. */
    CHECK_OK(set_page_ro(nl4));
    CHECK_OK(pin(4, nl4));
    __asm__ volatile("mov %0, %%cr3" : : "r"(new << PAGE_SHIFT) : "memory");
    CHECK_EQ(read_cr3(), new << PAGE_SHIFT);
    __asm__ volatile("mov %0, %%cr3" : : "r"(old << PAGE_SHIFT) : "memory");
    CHECK_EQ(read_cr3(), old << PAGE_SHIFT);
    CHECK_OK(mmuext1(MMUEXT_NEW_USER_BASEPTR, new, 0));
    CHECK_OK(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0));
    CHECK_OK(unpin(nl4));
    CHECK_OK(set_page_rw(nl4));
    say("NEW_BASEPTR / mov %%cr3 / NEW_USER_BASEPTR with pinned and unpinned roots ok");
}

void test_main(void)
{
    long maxpage = maximum_ram_page();
    CHECK(maxpage > 0);
    bogus_mfn = (unsigned long)maxpage + 0x100;
    say("maximum_ram_page=%#lx, using mfn %#lx as a non-RAM frame", maxpage, bogus_mfn);

    build_and_pin();
    illegal_l1_updates();
    illegal_upper_updates();
    pin_failures();
    accessed_dirty();
    flush_ops();
    writable_pagetables();
    batches_and_domains();
    copy_and_clear();
    unhook_and_unpin();
    base_pointers();
}
