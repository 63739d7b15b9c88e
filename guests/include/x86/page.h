/*
 * x86-64 4-level paging geometry and PTE bits, plus the bits Xen gives
 * meaning to in PV guest PTEs (docs/xen-pv-abi.md §5.1).
 */
#ifndef XENO_X86_PAGE_H
#define XENO_X86_PAGE_H

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1UL << PAGE_SHIFT)
#define PAGE_MASK   (~(PAGE_SIZE - 1))

#define L1_PAGETABLE_SHIFT  12
#define L2_PAGETABLE_SHIFT  21
#define L3_PAGETABLE_SHIFT  30
#define L4_PAGETABLE_SHIFT  39
#define PAGETABLE_ENTRIES   512

#define _PAGE_PRESENT   (1UL << 0)
#define _PAGE_RW        (1UL << 1)
#define _PAGE_USER      (1UL << 2)
#define _PAGE_PWT       (1UL << 3)
#define _PAGE_PCD       (1UL << 4)
#define _PAGE_ACCESSED  (1UL << 5)
#define _PAGE_DIRTY     (1UL << 6)
#define _PAGE_PSE       (1UL << 7)   /* L2/L3: superpage (forbidden for PV) */
#define _PAGE_PAT       (1UL << 7)   /* L1: PAT index bit */
#define _PAGE_GLOBAL    (1UL << 8)
#define _PAGE_AVAIL0    (1UL << 9)
#define _PAGE_AVAIL1    (1UL << 10)
#define _PAGE_AVAIL2    (1UL << 11)
#define _PAGE_NX        (1UL << 63)

/* Xen PV meanings. */
#define _PAGE_GUEST_KERNEL  (1UL << 52)  /* set by Xen on L1 entries the guest wrote with U=0 */
#define _PAGE_GNTTAB        (1UL << 62)  /* reserved to Xen; guests may not set it */

#define PTE_ADDR_MASK   0x000FFFFFFFFFF000UL

#define l1_table_offset(va) (((va) >> L1_PAGETABLE_SHIFT) & (PAGETABLE_ENTRIES - 1))
#define l2_table_offset(va) (((va) >> L2_PAGETABLE_SHIFT) & (PAGETABLE_ENTRIES - 1))
#define l3_table_offset(va) (((va) >> L3_PAGETABLE_SHIFT) & (PAGETABLE_ENTRIES - 1))
#define l4_table_offset(va) (((va) >> L4_PAGETABLE_SHIFT) & (PAGETABLE_ENTRIES - 1))

/* Page-fault error code bits. */
#define PFEC_present      (1U << 0)
#define PFEC_write        (1U << 1)
#define PFEC_user         (1U << 2)
#define PFEC_reserved     (1U << 3)
#define PFEC_insn_fetch   (1U << 4)

#endif /* XENO_X86_PAGE_H */
