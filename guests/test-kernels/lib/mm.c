/*
 * Memory helpers: reverse p2m lookup, walks of the current kernel page
 * tables, remapping our own pages RO/RW, and a page pool in .bss.
 */
#include "rt.h"

#define POOL_PAGES 96
static uint8_t pool[POOL_PAGES][PAGE_SIZE] aligned_page __attribute__((section(".bss.pool")));
static unsigned int pool_next;

void *page_alloc(void)
{
    if (pool_next >= POOL_PAGES)
        FAIL("page pool exhausted (%d pages)", POOL_PAGES);
    return pool[pool_next++];
}

unsigned long pool_pages_left(void)
{
    return POOL_PAGES - pool_next;
}

unsigned long mfn_to_pfn(unsigned long mfn)
{
    for (unsigned long pfn = 0; pfn < nr_pages; pfn++)
        if (p2m[pfn] == mfn)
            return pfn;
    return ~0UL;
}

void *mfn_to_virt(unsigned long mfn)
{
    unsigned long pfn = mfn_to_pfn(mfn);
    return pfn == ~0UL ? NULL : pfn_to_virt(pfn);
}

unsigned long current_l4_mfn(void)
{
    return virt_to_mfn((void *)start_info->pt_base);
}

uint64_t *current_l4(void)
{
    return (uint64_t *)start_info->pt_base;
}

/* Pointer to the level-`level` entry mapping va (level 1..4), via the
 * (read-only) mappings of the table frames inside our initial region. */
uint64_t *pte_of(unsigned long va, int level)
{
    uint64_t *table = current_l4();
    for (int l = 4; l >= 1; l--) {
        unsigned int idx = (va >> (12 + 9 * (l - 1))) & 511;
        if (l == level)
            return &table[idx];
        uint64_t e = table[idx];
        if (!(e & _PAGE_PRESENT))
            return NULL;
        table = mfn_to_virt((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
        if (!table)
            return NULL;
    }
    return NULL;
}

uint64_t pte_maddr(unsigned long va, int level)
{
    uint64_t *e = pte_of(va, level);
    return e ? virt_to_maddr(e) : 0;
}

long set_page_ro(void *va)
{
    return HYPERVISOR_update_va_mapping((unsigned long)va,
                                        (virt_to_mfn(va) << PAGE_SHIFT) | PTE_KERNEL_RO,
                                        UVMF_INVLPG);
}

long set_page_rw(void *va)
{
    return HYPERVISOR_update_va_mapping((unsigned long)va,
                                        (virt_to_mfn(va) << PAGE_SHIFT) | PTE_KERNEL_RW,
                                        UVMF_INVLPG);
}
