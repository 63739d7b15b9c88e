/*
 * memory-op: memory_op sub-ops and the M2P table (docs/xen-pv-abi.md §5.7,
 * §9.5).
 *
 * maximum_ram_page, current/maximum_reservation, machphys_mapping and the
 * read-only M2P at 0xFFFF800000000000 (checked against the p2m for every
 * page), machphys_mfn_list, memory_map; decrease_reservation of an unmapped
 * page, populate_physmap back into the same PFN (M2P set by Xen),
 * increase_reservation of a new page (M2P set with MMU_MACHPHYS_UPDATE),
 * mapping and using the new frames, and giving them back.
 * Needs maxmem > memory so increase_reservation can succeed.
 */
#include "rt.h"

#define MARKER 0x6d656d6f72792d6fUL

static long reservation_op(unsigned int op, xen_pfn_t *list, unsigned long n)
{
    struct xen_memory_reservation r = {
        .extent_start = list,
        .nr_extents = n,
        .extent_order = 0,
        .mem_flags = 0,
        .domid = DOMID_SELF,
    };
    return HYPERVISOR_memory_op(op, &r);
}

static long current_reservation(void)
{
    domid_t d = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &d);
}

static bool in_p2m(unsigned long mfn)
{
    return mfn_to_pfn(mfn) != ~0UL;
}

static void test_info(void)
{
    long maxpage = maximum_ram_page();
    unsigned long highest = 0;
    for (unsigned long pfn = 0; pfn < nr_pages; pfn++)
        if (p2m[pfn] > highest)
            highest = p2m[pfn];
    say("maximum_ram_page=%#lx, highest mfn of ours=%#lx", maxpage, highest);
    CHECK(maxpage > 0);
    CHECK((unsigned long)maxpage > highest);

    long cur = current_reservation();
    domid_t d = DOMID_SELF;
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &d);
    say("current_reservation=%ld maximum_reservation=%ld nr_pages=%lu", cur, max, nr_pages);
    CHECK_EQ(cur, nr_pages);
    CHECK(max > cur);
    d = 0x7fef;
    CHECK_RC(HYPERVISOR_memory_op(XENMEM_current_reservation, &d), -XEN_ESRCH);

    struct xen_machphys_mapping mm;
    CHECK_OK(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mm));
    CHECK_EQ(mm.v_start, MACH2PHYS_VIRT_START);
    CHECK_EQ(mm.v_end, MACH2PHYS_VIRT_END);
    CHECK_EQ(mm.max_mfn, MACH2PHYS_NR_ENTRIES - 1);

    /* The RO M2P agrees with our p2m for every page we own. */
    for (unsigned long pfn = 0; pfn < nr_pages; pfn++) {
        unsigned long got = m2p_read(p2m[pfn]);
        if (got != pfn)
            FAIL("M2P[%#lx] = %#lx, expected pfn %#lx", p2m[pfn], got, pfn);
    }
    /* ... and is read-only. */
    unsigned long rip;
    trap_reset();
    __asm__ volatile("leaq 1f(%%rip), %0\n\t1: movq $0, (%1)\n\t2:\n\t" EXTABLE(1b, 2b)
                     : "=&r"(rip) : "r"(MACH2PHYS_VIRT_START + p2m[0] * 8) : "memory");
    CHECK_EQ(last_trap.vector, X86_EXC_PF);
    CHECK_EQ(last_trap.error_code & (PFEC_present | PFEC_write), PFEC_present | PFEC_write);
    say("machphys_mapping and the M2P table match the p2m for all %lu pages", nr_pages);

    static xen_pfn_t chunks[64];
    struct xen_machphys_mfn_list ml = { .max_extents = ARRAY_SIZE(chunks), .extent_start = chunks };
    CHECK_OK(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml));
    say("machphys_mfn_list: %u extents, first %#lx", ml.nr_extents, (unsigned long)chunks[0]);
    CHECK(ml.nr_extents >= 1 && ml.nr_extents <= ARRAY_SIZE(chunks));

    static struct e820entry map[8];
    struct xen_memory_map mmap = { .nr_entries = ARRAY_SIZE(map), .buffer = map };
    long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &mmap);
    if (rc == -XEN_ENOSYS) {
        say("memory_map: -ENOSYS (no map set by the toolstack)");
    } else {
        CHECK_OK(rc);
        CHECK(mmap.nr_entries >= 1 && mmap.nr_entries <= ARRAY_SIZE(map));
        say("memory_map: %u entries, [0] addr=%#lx size=%#lx type=%u", mmap.nr_entries,
            (unsigned long)map[0].addr, (unsigned long)map[0].size, map[0].type);
        CHECK_EQ(map[0].addr, 0);
        CHECK_EQ(map[0].type, E820_RAM);
        CHECK(map[0].size >= nr_pages * PAGE_SIZE);
    }
    CHECK_RC(HYPERVISOR_memory_op(63, NULL), -XEN_ENOSYS);
}

static void test_reservations(void)
{
    long start = current_reservation();
    unsigned long bogus = (unsigned long)maximum_ram_page() + 0x100;
    xen_pfn_t ext[1];

    /* Give back a page we no longer map. */
    uint64_t *a = page_alloc();
    unsigned long pfn_a = virt_to_pfn(a), mfn_a = p2m[pfn_a];
    CHECK_OK(HYPERVISOR_update_va_mapping((unsigned long)a, 0, UVMF_INVLPG));
    ext[0] = mfn_a;
    CHECK_RC(reservation_op(XENMEM_decrease_reservation, ext, 1), 1);
    p2m[pfn_a] = INVALID_P2M_ENTRY;
    CHECK_RC(current_reservation(), start - 1);
    ext[0] = bogus;
    CHECK_RC(reservation_op(XENMEM_decrease_reservation, ext, 1), 0);
    CHECK_RC(current_reservation(), start - 1);
    say("decrease_reservation: mfn %#lx released, non-RAM mfn ignored", mfn_a);

    /* Populate the hole again: Xen picks a frame, sets M2P, returns the MFN. */
    ext[0] = pfn_a;
    CHECK_RC(reservation_op(XENMEM_populate_physmap, ext, 1), 1);
    unsigned long m1 = ext[0];
    CHECK_RC(current_reservation(), start);
    CHECK(!in_p2m(m1));
    CHECK_EQ(m2p_read(m1), pfn_a);
    p2m[pfn_a] = m1;
    CHECK_OK(HYPERVISOR_update_va_mapping((unsigned long)a, (m1 << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG));
    a[0] = MARKER;
    a[511] = ~MARKER;
    CHECK_EQ(a[0], MARKER);
    CHECK_EQ(a[511], ~MARKER);
    CHECK_OK(mmu_update1((m1 << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn_a));
    say("populate_physmap: pfn %#lx -> new mfn %#lx, mapped and usable", pfn_a, m1);

    /* A brand-new page beyond nr_pages: the guest sets its M2P entry. */
    ext[0] = 0;
    CHECK_RC(reservation_op(XENMEM_increase_reservation, ext, 1), 1);
    unsigned long m2 = ext[0];
    CHECK_RC(current_reservation(), start + 1);
    CHECK(m2 != m1 && !in_p2m(m2));
    CHECK_OK(mmu_update1((m2 << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, nr_pages));
    CHECK_EQ(m2p_read(m2), nr_pages);
    CHECK_RC(mmu_update1((bogus << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0), -XEN_EINVAL);

    /* Map it over one of our pages for a while. */
    uint64_t *b = page_alloc();
    unsigned long mfn_b = virt_to_mfn(b);
    b[0] = 1;
    CHECK_OK(HYPERVISOR_update_va_mapping((unsigned long)b, (m2 << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG));
    b[0] = MARKER;
    CHECK_EQ(b[0], MARKER);
    CHECK_OK(HYPERVISOR_update_va_mapping((unsigned long)b, (mfn_b << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG));
    CHECK_EQ(b[0], 1);
    ext[0] = m2;
    CHECK_RC(reservation_op(XENMEM_decrease_reservation, ext, 1), 1);
    CHECK_RC(current_reservation(), start);
    say("increase_reservation: new mfn %#lx, M2P via MMU_MACHPHYS_UPDATE, mapped, released", m2);

    /* Zero extents is a no-op. */
    CHECK_RC(reservation_op(XENMEM_increase_reservation, ext, 0), 0);
    CHECK_RC(reservation_op(XENMEM_decrease_reservation, ext, 0), 0);
}

void test_main(void)
{
    test_info();
    test_reservations();
}
