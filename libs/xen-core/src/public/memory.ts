/** XENMEM_* sub-ops (xen/include/public/memory.h). */
export const XENMEM_increase_reservation = 0;
export const XENMEM_decrease_reservation = 1;
export const XENMEM_maximum_ram_page = 2;
export const XENMEM_current_reservation = 3;
export const XENMEM_maximum_reservation = 4;
export const XENMEM_machphys_mfn_list = 5;
export const XENMEM_populate_physmap = 6;
export const XENMEM_add_to_physmap = 7;
export const XENMEM_memory_map = 9;
export const XENMEM_machine_memory_map = 10;
export const XENMEM_exchange = 11;
export const XENMEM_machphys_mapping = 12;
export const XENMEM_set_memory_map = 13;
export const XENMEM_maximum_gpfn = 14;
export const XENMEM_remove_from_physmap = 15;
export const XENMEM_add_to_physmap_batch = 23;

export const MEMOP_EXTENT_SHIFT = 6;
export const MEMOP_CMD_MASK = (1 << MEMOP_EXTENT_SHIFT) - 1;
/** Largest extent order a PV domU may request (CONFIG_DOMU_MAX_ORDER). */
export const DOMU_MAX_ORDER = 9;

// struct xen_memory_reservation (32 bytes).
export const RESERVATION_EXTENT_START = 0;
export const RESERVATION_NR_EXTENTS = 8;
export const RESERVATION_EXTENT_ORDER = 16;
export const RESERVATION_MEM_FLAGS = 20;
export const RESERVATION_DOMID = 24;
export const RESERVATION_SIZE = 32;

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ENTRY_SIZE = 20;
