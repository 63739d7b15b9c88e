/*
 * The user address space: the first GiB, one L2 (shared by the kernel and
 * user roots through the user L3, see mm.c), L1 tables created on demand.
 *
 * Page-table frames are never mapped writable, so the kernel cannot read
 * back what it put in them. Instead every user L1 has a "shadow" page,
 * mapped RW in the kernel at SHADOW_VA + i*4096, recording for each entry
 * the pseudo-physical frame and permissions. That is all unmapping and
 * freeing needs, without the M2P table or linear page tables.
 *
 * All PTE changes are mmu_update batches; after removing or downgrading
 * entries the TLB is flushed with MMUEXT_TLB_FLUSH_LOCAL before frames are
 * reused. Fresh frames are zeroed by Xen (MMUEXT_CLEAR_PAGE).
 */
#include "kernel.h"

#define SH_PRESENT  1UL
#define SH_WRITE    2UL
#define SH_EXEC     4UL
#define SH_PFN(e)   ((e) >> PAGE_SHIFT)

#define PTE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

/* Kept as pfns, never mfns: a domain restored from a snapshot runs on other machine frames
 * (the hypervisor rewrites page tables and the p2m list, not the kernel's variables). */
static unsigned long user_l2_pfn, shadow_l1_pfn;
static unsigned long user_l1_pfn[PAGETABLE_ENTRIES];   /* per L2 slot, 0 = none */

static uint64_t *shadow(unsigned int l2i)
{
    return (uint64_t *)(SHADOW_VA + (unsigned long)l2i * PAGE_SIZE);
}

void vm_init(unsigned long l2_pfn, unsigned long sh_l1_pfn)
{
    user_l2_pfn = l2_pfn;
    shadow_l1_pfn = sh_l1_pfn;
}

static uint64_t user_pte(unsigned long pfn, uint64_t sh)
{
    uint64_t pte = ((uint64_t)pfn_to_mfn(pfn) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER |
                   _PAGE_ACCESSED;
    if (sh & SH_WRITE)
        pte |= _PAGE_RW | _PAGE_DIRTY;
    if (!(sh & SH_EXEC))
        pte |= pte_nx;
    return pte;
}

static uint64_t l1e_maddr(uint64_t va)
{
    unsigned long l1 = user_l1_pfn[l2_table_offset(va)];
    return ((uint64_t)pfn_to_mfn(l1) << PAGE_SHIFT) + l1_table_offset(va) * 8;
}

/* Make sure the L1 (and its shadow) covering va exist. */
static long ensure_l1(uint64_t va)
{
    unsigned int i = l2_table_offset(va);
    if (user_l1_pfn[i])
        return 0;
    long l1 = frame_alloc();
    long sh = frame_alloc();
    if (l1 < 0 || sh < 0) {
        if (l1 >= 0) frame_free(l1);
        if (sh >= 0) frame_free(sh);
        return -XL_ENOMEM;
    }
    /* Shadow page first: a plain RW kernel mapping, then zeroed. */
    mmu_update1(((uint64_t)pfn_to_mfn(shadow_l1_pfn) << PAGE_SHIFT) + i * 8,
                ((uint64_t)pfn_to_mfn(sh) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
                    _PAGE_ACCESSED | _PAGE_DIRTY | pte_nx);
    memset(shadow(i), 0, PAGE_SIZE);
    /* The L1 itself: zeroed by Xen, then hooked into the user L2, which
     * makes Xen validate it as an L1. */
    mmuext1(MMUEXT_CLEAR_PAGE, pfn_to_mfn(l1));
    mmu_update1(((uint64_t)pfn_to_mfn(user_l2_pfn) << PAGE_SHIFT) + i * 8,
                ((uint64_t)pfn_to_mfn(l1) << PAGE_SHIFT) | PTE_TABLE);
    user_l1_pfn[i] = l1;
    mm_stats.pagetable++;
    mm_stats.kernel++;     /* the shadow page */
    return 0;
}

void vm_flush(void)
{
    mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

static struct mmu_update upd[128];
static unsigned int nupd;
static struct mmuext_op clr[64];
static unsigned int nclr;

static void upd_flush(void)
{
    if (nupd)
        mmu_update_batch(upd, nupd);
    nupd = 0;
}

static void upd_add(uint64_t va, uint64_t val)
{
    upd[nupd].ptr = l1e_maddr(va) | MMU_NORMAL_PT_UPDATE;
    upd[nupd].val = val;
    if (++nupd == ARRAY_SIZE(upd))
        upd_flush();
}

static void clr_flush(void)
{
    if (nclr && HYPERVISOR_mmuext_op(clr, nclr, NULL, DOMID_SELF))
        panic("MMUEXT_CLEAR_PAGE failed");
    nclr = 0;
}

static void clr_add(unsigned long pfn)
{
    clr[nclr] = (struct mmuext_op){ .cmd = MMUEXT_CLEAR_PAGE };
    clr[nclr].arg1.mfn = pfn_to_mfn(pfn);
    if (++nclr == ARRAY_SIZE(clr))
        clr_flush();
}

/* Map `pages` zeroed RW pages at va (which must be unmapped). */
long vm_map(uint64_t va, size_t pages, bool writable, bool exec)
{
    uint64_t sh_flags = SH_PRESENT | (writable ? SH_WRITE : 0) | (exec ? SH_EXEC : 0);
    if (va & (PAGE_SIZE - 1) || va + pages * PAGE_SIZE > USER_VA_END || va + pages * PAGE_SIZE < va)
        return -XL_EINVAL;
    for (size_t n = 0; n < pages; n++) {
        uint64_t a = va + n * PAGE_SIZE;
        long pfn;
        if (ensure_l1(a) || (pfn = frame_alloc()) < 0) {
            clr_flush();
            upd_flush();
            vm_unmap(va, n);
            return -XL_ENOMEM;
        }
        uint64_t *e = &shadow(l2_table_offset(a))[l1_table_offset(a)];
        if (*e)
            panic("vm_map: %#lx already mapped", (unsigned long)a);
        *e = ((uint64_t)pfn << PAGE_SHIFT) | sh_flags;
        clr_add(pfn);
        upd_add(a, user_pte(pfn, sh_flags));
        mm_stats.user++;
    }
    clr_flush();       /* zero before the mapping becomes visible */
    upd_flush();
    return 0;
}

/* Change permissions of mapped pages (e.g. text to RX after loading). */
long vm_protect(uint64_t va, size_t pages, bool writable, bool exec)
{
    for (size_t n = 0; n < pages; n++) {
        uint64_t a = va + n * PAGE_SIZE;
        if (!user_l1_pfn[l2_table_offset(a)])
            continue;
        uint64_t *e = &shadow(l2_table_offset(a))[l1_table_offset(a)];
        if (!*e)
            continue;
        *e = (*e & ~(SH_WRITE | SH_EXEC)) | (writable ? SH_WRITE : 0) | (exec ? SH_EXEC : 0);
        upd_add(a, user_pte(SH_PFN(*e), *e));
    }
    upd_flush();
    vm_flush();
    return 0;
}

void vm_unmap(uint64_t va, size_t pages)
{
    unsigned long freed[ARRAY_SIZE(upd)];
    unsigned int nfreed = 0;

    for (size_t n = 0; n <= pages; n++) {
        /* Every full batch (and at the end): clear the PTEs, flush the TLB,
         * only then give the frames back. */
        if (n == pages || nfreed == ARRAY_SIZE(freed)) {
            upd_flush();
            if (nfreed)
                vm_flush();
            for (unsigned int k = 0; k < nfreed; k++)
                frame_free(freed[k]);
            nfreed = 0;
            if (n == pages)
                break;
        }
        uint64_t a = va + n * PAGE_SIZE;
        if (a >= USER_VA_END || !user_l1_pfn[l2_table_offset(a)])
            continue;
        uint64_t *e = &shadow(l2_table_offset(a))[l1_table_offset(a)];
        if (!*e)
            continue;
        freed[nfreed++] = SH_PFN(*e);
        *e = 0;
        upd_add(a, 0);
        mm_stats.user--;
    }
}

bool vm_user_range_ok(uint64_t va, size_t len, bool write)
{
    if (va + len < va || va + len > USER_VA_END)
        return false;
    for (uint64_t a = va & PAGE_MASK; a < va + len; a += PAGE_SIZE) {
        if (!user_l1_pfn[l2_table_offset(a)])
            return false;
        uint64_t e = shadow(l2_table_offset(a))[l1_table_offset(a)];
        if (!(e & SH_PRESENT) || (write && !(e & SH_WRITE)))
            return false;
    }
    return true;
}

/* ---- mmap: first-fit over a short list of ranges --------------------------- */

static struct { uint64_t va; size_t pages; } maps[16];

long vm_mmap(size_t pages)
{
    if (!pages || pages > (USER_MMAP_END - USER_MMAP_BASE) / PAGE_SIZE)
        return -XL_EINVAL;
    if (pages > mm_stats.free)
        return -XL_ENOMEM;
    int slot = -1;
    for (unsigned int i = 0; i < ARRAY_SIZE(maps); i++)
        if (!maps[i].pages)
            slot = i;
    if (slot < 0)
        return -XL_ENOMEM;
    /* Lowest gap, keeping one unmapped guard page after each range. */
    uint64_t va = USER_MMAP_BASE;
    for (bool moved = true; moved;) {
        moved = false;
        for (unsigned int i = 0; i < ARRAY_SIZE(maps); i++) {
            uint64_t lo = maps[i].va, hi = lo + (maps[i].pages + 1) * PAGE_SIZE;
            if (maps[i].pages && va < hi && va + (pages + 1) * PAGE_SIZE > lo) {
                va = hi;
                moved = true;
            }
        }
    }
    if (va + pages * PAGE_SIZE > USER_MMAP_END)
        return -XL_ENOMEM;
    long rc = vm_map(va, pages, true, false);
    if (rc)
        return rc;
    maps[slot].va = va;
    maps[slot].pages = pages;
    return (long)va;
}

long vm_munmap(uint64_t va, size_t pages)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(maps); i++) {
        if (maps[i].pages && maps[i].va == va && maps[i].pages == pages) {
            vm_unmap(va, pages);
            maps[i].pages = 0;
            return 0;
        }
    }
    return -XL_EINVAL;
}

/* Process exit: unmap every user page (the L1s stay for the next process). */
void vm_reset(void)
{
    for (unsigned int i = 0; i < PAGETABLE_ENTRIES; i++)
        if (user_l1_pfn[i])
            vm_unmap((uint64_t)i << L2_PAGETABLE_SHIFT, PAGETABLE_ENTRIES);
    memset(maps, 0, sizeof(maps));
}
