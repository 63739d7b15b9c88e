/* memory_op() sub-ops and argument layouts (docs/xen-pv-abi.md §9.5). */
#ifndef XENO_XEN_MEMORY_H
#define XENO_XEN_MEMORY_H

#define XENMEM_increase_reservation    0
#define XENMEM_decrease_reservation    1
#define XENMEM_maximum_ram_page        2
#define XENMEM_current_reservation     3
#define XENMEM_maximum_reservation     4
#define XENMEM_machphys_mfn_list       5
#define XENMEM_populate_physmap        6
#define XENMEM_add_to_physmap          7
#define XENMEM_memory_map              9
#define XENMEM_machine_memory_map     10
#define XENMEM_exchange               11
#define XENMEM_machphys_mapping       12
#define XENMEM_maximum_gpfn           14

/* cmd bits 6.. carry the continuation start extent. */
#define MEMOP_EXTENT_SHIFT  6
#define MEMOP_CMD_MASK      ((1 << MEMOP_EXTENT_SHIFT) - 1)

#define E820_RAM       1
#define E820_RESERVED  2

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>

struct xen_memory_reservation {
    xen_pfn_t *extent_start;   /* IN/OUT: PFNs or MFNs, see §9.5 */
    uint64_t   nr_extents;
    uint32_t   extent_order;
    uint32_t   mem_flags;
    domid_t    domid;
    uint16_t   _pad[3];
};

struct xen_machphys_mfn_list {
    uint32_t   max_extents;
    uint32_t   _pad0;
    xen_pfn_t *extent_start;
    uint32_t   nr_extents;     /* OUT */
    uint32_t   _pad1;
};

struct xen_memory_map {
    uint32_t nr_entries;       /* IN: capacity, OUT: entries used */
    uint32_t _pad;
    void    *buffer;           /* array of struct e820entry */
};

struct xen_machphys_mapping {
    uint64_t v_start, v_end;
    uint64_t max_mfn;
};

struct e820entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24, "reservation.domid");
_Static_assert(sizeof(struct xen_machphys_mfn_list) == 24, "xen_machphys_mfn_list");
_Static_assert(offsetof(struct xen_machphys_mfn_list, nr_extents) == 16, "mfn_list.nr_extents");
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map");
_Static_assert(sizeof(struct xen_machphys_mapping) == 24, "xen_machphys_mapping");
_Static_assert(sizeof(struct e820entry) == 20, "e820entry");
#endif

#endif /* XENO_XEN_MEMORY_H */
