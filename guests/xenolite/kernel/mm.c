/*
 * Memory: xenolite's own page tables and the frame allocator.
 *
 * At boot the kernel replaces the builder's bootstrap tables (§3.3) with its
 * own, built entirely through hypercalls (FEATURES "!writable_page_tables":
 * no page-table frame is ever written through a mapping):
 *
 *   1. take fresh frames past the builder's region, zero them with
 *      MMUEXT_CLEAR_PAGE (they are mapped nowhere, so nothing conflicts);
 *   2. fill them with one batched mmu_update (plain writes: the frames are
 *      not yet page tables, §5.3);
 *   3. one mmuext_op batch: PIN_L4_TABLE (Xen validates the whole tree),
 *      NEW_BASEPTR, UNPIN the builder's L4, PIN + NEW_USER_BASEPTR the user
 *      root.
 *
 * Kernel table (L4 slot 511 -> L3 slot 510 -> L2):
 *   L2 0..k   direct map of pseudo-physical [0, map_end): the image, p2m,
 *             start_info, xenstore and console rings, the builder's tables
 *             (read-only: they are still page tables when we pin), and the
 *             allocator bitmap. Text RX, rodata R, everything else RW+NX.
 *   L2 510    shadow window (vm.c), L2 511 fixmap (shared_info).
 * L4 slot 0 -> the user L3, shared by the kernel root and the user root, so
 * the kernel reaches user memory directly while user mode sees only it.
 *
 * Everything above map_end is unmapped free memory, handed out by a bitmap
 * allocator and mapped on demand into the user address space.
 */
#include "kernel.h"

unsigned long nr_pages;
unsigned long *p2m;
uint64_t pte_nx;
struct mm_stats mm_stats;

extern char _image_start[], _text_end[], _rodata_end[], _image_end[];

#define PTE_TABLE  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define PTE_K_RW   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_K_RO   (_PAGE_PRESENT | _PAGE_ACCESSED)

static uint64_t *bitmap;          /* bit set = pfn free */
static unsigned long alloc_hint;

long mmu_update_batch(struct mmu_update *req, unsigned int n)
{
    unsigned int done = 0;
    long rc = HYPERVISOR_mmu_update(req, n, &done, DOMID_SELF);
    if (rc)
        panic("mmu_update: %ld after %u of %u (ptr %#lx val %#lx)", rc, done, n,
              (unsigned long)req[done].ptr, (unsigned long)req[done].val);
    return rc;
}

long mmu_update1(uint64_t ptr, uint64_t val)
{
    struct mmu_update u = { .ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val };
    return mmu_update_batch(&u, 1);
}

long mmuext1(unsigned int cmd, unsigned long arg1)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg1;
    long rc = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
    if (rc)
        panic("mmuext_op(cmd %u, %#lx): %ld", cmd, arg1, rc);
    return rc;
}

/* Boot-time lookups only: the builder puts xenstore and console right after
 * start_info (§3.2), so try there before scanning the p2m. */
unsigned long mfn_to_pfn(unsigned long mfn)
{
    unsigned long si = virt_to_pfn(start_info);
    for (unsigned long pfn = si + 1; pfn <= si + 2 && pfn < nr_pages; pfn++)
        if (p2m[pfn] == mfn)
            return pfn;
    for (unsigned long pfn = 0; pfn < nr_pages; pfn++)
        if (p2m[pfn] == mfn)
            return pfn;
    panic("mfn %#lx is not in the p2m", mfn);
}

long frame_alloc(void)
{
    unsigned long words = DIV_ROUND_UP(nr_pages, 64);
    for (unsigned long n = 0; n < words; n++) {
        unsigned long w = (alloc_hint + n) % words;
        if (bitmap[w]) {
            unsigned long pfn = w * 64 + __builtin_ctzll(bitmap[w]);
            bitmap[w] &= bitmap[w] - 1;
            alloc_hint = w;
            mm_stats.free--;
            return (long)pfn;
        }
    }
    return -1;
}

void frame_free(unsigned long pfn)
{
    if (pfn >= nr_pages || (bitmap[pfn / 64] & (1UL << (pfn % 64))))
        panic("frame_free(%#lx): bad or already free", pfn);
    bitmap[pfn / 64] |= 1UL << (pfn % 64);
    mm_stats.free++;
}

/* ---- boot ----------------------------------------------------------------- */

/*
 * Frames for the new tables must have no writable mapping when they are
 * pinned. The builder maps its region [0, end) read-write (§3.2), so take
 * frames above `end`; only a domain too small to have any (everything
 * mapped) gets frames remapped read-only first.
 */
static unsigned long boot_next, boot_mapped_end;
static unsigned long table_pfns[32];
static unsigned int nr_tables;

static unsigned long boot_frame(void)
{
    while (boot_next < nr_pages && p2m[boot_next] == INVALID_P2M_ENTRY)
        boot_next++;
    if (boot_next >= nr_pages || nr_tables == ARRAY_SIZE(table_pfns))
        panic("out of memory building page tables");
    unsigned long pfn = boot_next++;
    if (pfn < boot_mapped_end) {
        long rc = HYPERVISOR_update_va_mapping((unsigned long)pfn_to_virt(pfn),
                                               ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) | PTE_K_RO,
                                               UVMF_INVLPG);
        if (rc)
            panic("update_va_mapping(pfn %#lx read-only): %ld", pfn, rc);
    }
    table_pfns[nr_tables++] = pfn;
    return pfn;
}

/* The builder's tables are readable (mapped read-only): walk them to see
 * how far its mapping of VIRT_BASE goes. If they are not laid out as
 * expected, assume the worst case: 512 pages per bootstrap table frame. */
static unsigned long builder_mapped_end(unsigned long pt_pfn, unsigned long pt_end)
{
    unsigned long worst = MIN(nr_pages, (pt_end - pt_pfn) * PAGETABLE_ENTRIES);
    uint64_t *table = pfn_to_virt(pt_pfn);
    static const unsigned int shift[] = { L4_PAGETABLE_SHIFT, L3_PAGETABLE_SHIFT };
    for (unsigned int level = 0; level < 2; level++) {
        uint64_t e = table[(VIRT_BASE >> shift[level]) & (PAGETABLE_ENTRIES - 1)];
        unsigned long mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT, pfn = pt_pfn;
        while (pfn < pt_end && p2m[pfn] != mfn)
            pfn++;
        if (!(e & _PAGE_PRESENT) || pfn == pt_end)
            return worst;
        table = pfn_to_virt(pfn);
    }
    unsigned int n = 0;        /* table is the L2 for VIRT_BASE (1 GiB aligned) */
    while (n < PAGETABLE_ENTRIES && (table[n] & _PAGE_PRESENT))
        n++;
    return MIN(worst, (unsigned long)n * PAGETABLE_ENTRIES);
}

static bool is_table(unsigned long pfn)
{
    for (unsigned int i = 0; i < nr_tables; i++)
        if (table_pfns[i] == pfn)
            return true;
    return false;
}

static struct mmu_update batch[256];
static unsigned int batch_n;

static void batch_flush(void)
{
    if (batch_n)
        mmu_update_batch(batch, batch_n);
    batch_n = 0;
}

/* Queue "entry `idx` of table frame `table_pfn` = val". */
static void batch_set(unsigned long table_pfn, unsigned int idx, uint64_t val)
{
    batch[batch_n].ptr = (((uint64_t)pfn_to_mfn(table_pfn) << PAGE_SHIFT) + idx * 8) | MMU_NORMAL_PT_UPDATE;
    batch[batch_n].val = val;
    if (++batch_n == ARRAY_SIZE(batch))
        batch_flush();
}

static uint64_t table_entry(unsigned long pfn)
{
    return ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) | PTE_TABLE;
}

static bool in(unsigned long pfn, unsigned long lo, unsigned long hi)
{
    return pfn >= lo && pfn < hi;
}

void mm_init(void)
{
    nr_pages = start_info->nr_pages;
    p2m = (unsigned long *)start_info->mfn_list;

    /* NX only if the (virtual) CPU has it: Xen refuses bit 63 otherwise. */
    struct xl_cpuid ext = cpuid_fep(0x80000000, 0);
    if (ext.eax >= 0x80000001 && (cpuid_fep(0x80000001, 0).edx & (1U << 20)))
        pte_nx = _PAGE_NX;

    /* The builder's region, in order: image, p2m, start_info, xenstore,
     * console, bootstrap tables, boot stack, padding (§3.2). Keep everything
     * up to the tables; the stack page onward becomes ours. */
    unsigned long pt_pfn = virt_to_pfn((void *)start_info->pt_base);
    unsigned long pt_end = pt_pfn + start_info->nr_pt_frames;
    unsigned long bitmap_pfn = pt_end;
    unsigned long bitmap_pages = DIV_ROUND_UP(nr_pages, 8 * PAGE_SIZE);
    unsigned long map_end = bitmap_pfn + bitmap_pages;
    unsigned long nr_l1 = DIV_ROUND_UP(map_end, PAGETABLE_ENTRIES);
    if (map_end > nr_pages || nr_l1 > KERNEL_L2_SLOTS)
        panic("unexpected layout: map_end %lu, nr_pages %lu", map_end, nr_pages);

    unsigned long text_lo = virt_to_pfn(_image_start), text_hi = virt_to_pfn(_text_end);
    unsigned long ro_hi = virt_to_pfn(_rodata_end);
    unsigned long p2m_lo = virt_to_pfn(p2m);
    unsigned long p2m_hi = p2m_lo + DIV_ROUND_UP(nr_pages * 8, PAGE_SIZE);
    unsigned long si_pfn = virt_to_pfn(start_info);

    /* 1. Table frames, zeroed by Xen (MMUEXT_CLEAR_PAGE, one batch). */
    boot_mapped_end = builder_mapped_end(pt_pfn, pt_end);
    boot_next = boot_mapped_end + 64 <= nr_pages ? MAX(map_end, boot_mapped_end) : map_end;
    unsigned long l4 = boot_frame(), l3 = boot_frame(), l2 = boot_frame();
    unsigned long shadow_l1 = boot_frame(), fix_l1 = boot_frame();
    unsigned long ul4 = boot_frame(), ul3 = boot_frame(), ul2 = boot_frame();
    unsigned long l1s[KERNEL_L2_SLOTS];
    if (nr_l1 + 8 > ARRAY_SIZE(table_pfns))
        panic("direct map too large (%lu L1 tables)", nr_l1);
    for (unsigned long i = 0; i < nr_l1; i++)
        l1s[i] = boot_frame();

    struct mmuext_op ops[16];
    unsigned int nops = 0;
    for (unsigned int t = 0; t < nr_tables; t++) {
        unsigned long pfn = table_pfns[t];
        if (nops == ARRAY_SIZE(ops)) {
            if (HYPERVISOR_mmuext_op(ops, nops, NULL, DOMID_SELF))
                panic("MMUEXT_CLEAR_PAGE failed");
            nops = 0;
        }
        ops[nops] = (struct mmuext_op){ .cmd = MMUEXT_CLEAR_PAGE };
        ops[nops++].arg1.mfn = pfn_to_mfn(pfn);
    }
    long rc = HYPERVISOR_mmuext_op(ops, nops, NULL, DOMID_SELF);
    if (rc)
        panic("MMUEXT_CLEAR_PAGE: %ld", rc);
    bootlog("builder mapped %lu pages; %u table frames from pfn %lu; direct map of %lu pages; nx=%d\n",
            boot_mapped_end, nr_tables, table_pfns[0], map_end, pte_nx != 0);

    /* 2. Contents, bottom-up, through mmu_update. */
    for (unsigned long pfn = 0; pfn < map_end; pfn++) {
        uint64_t flags;
        if (in(pfn, text_lo, text_hi))
            flags = PTE_K_RO;
        else if (in(pfn, text_hi, ro_hi) || in(pfn, pt_pfn, pt_end) || in(pfn, p2m_lo, p2m_hi) ||
                 pfn == si_pfn)
            flags = PTE_K_RO | pte_nx;
        else
            flags = PTE_K_RW | pte_nx;
        if (p2m[pfn] == INVALID_P2M_ENTRY)
            continue;
        batch_set(l1s[pfn / PAGETABLE_ENTRIES], pfn % PAGETABLE_ENTRIES,
                  ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) | flags);
    }
    batch_set(fix_l1, l1_table_offset(SHARED_INFO_VA),
              (start_info->shared_info & PTE_ADDR_MASK) | PTE_K_RW | pte_nx);
    for (unsigned long i = 0; i < nr_l1; i++)
        batch_set(l2, i, table_entry(l1s[i]));
    batch_set(l2, l2_table_offset(SHADOW_VA), table_entry(shadow_l1));
    batch_set(l2, l2_table_offset(FIXMAP_VA), table_entry(fix_l1));
    batch_set(l3, l3_table_offset(VIRT_BASE), table_entry(l2));
    batch_set(l4, l4_table_offset(VIRT_BASE), table_entry(l3));
    batch_set(ul3, 0, table_entry(ul2));
    batch_set(l4, 0, table_entry(ul3));
    batch_set(ul4, 0, table_entry(ul3));
    batch_flush();

    /* 3. Pin and switch; the builder's tables lose their last references. */
    unsigned long old_l4_mfn = pfn_to_mfn(pt_pfn);
    struct mmuext_op sw[] = {
        { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = pfn_to_mfn(l4) },
        { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = pfn_to_mfn(l4) },
        { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = old_l4_mfn },
        { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = pfn_to_mfn(ul4) },
        { .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = pfn_to_mfn(ul4) },
    };
    unsigned int done = 0;
    rc = HYPERVISOR_mmuext_op(sw, ARRAY_SIZE(sw), &done, DOMID_SELF);
    if (rc)
        panic("page-table switch: mmuext_op %u of %u failed: %ld", done, (unsigned)ARRAY_SIZE(sw), rc);
    shared = (struct shared_info *)SHARED_INFO_VA;
    vcpu = &shared->vcpu_info[0];
    bootlog("own page tables live (L4 mfn %#lx, user L4 mfn %#lx)\n", pfn_to_mfn(l4), pfn_to_mfn(ul4));

    /* 4. Allocator: everything past our tables plus the builder's tables
     * (now ordinary, read-only-mapped frames). */
    bitmap = pfn_to_virt(bitmap_pfn);
    memset(bitmap, 0, bitmap_pages * PAGE_SIZE);
    for (unsigned long pfn = map_end; pfn < nr_pages; pfn++)
        if (p2m[pfn] != INVALID_P2M_ENTRY && !is_table(pfn))
            frame_free(pfn);
    for (unsigned long pfn = pt_pfn; pfn < pt_end; pfn++)
        frame_free(pfn);
    mm_stats.pagetable = nr_tables;
    mm_stats.kernel = nr_pages - mm_stats.free - nr_tables;

    vm_init(ul2, shadow_l1);
}
