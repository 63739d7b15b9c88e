/**
 * Grant-table constants and struct layouts from xen/include/public/grant_table.h and memory.h
 * (ABI doc §8), plus the limits of xen/common/grant_table.c.
 */

// GNTTABOP_* (grant_table_op, hypercall 20).
export const GNTTABOP_map_grant_ref = 0;
export const GNTTABOP_unmap_grant_ref = 1;
export const GNTTABOP_setup_table = 2;
export const GNTTABOP_dump_table = 3;
export const GNTTABOP_transfer = 4;
export const GNTTABOP_copy = 5;
export const GNTTABOP_query_size = 6;
export const GNTTABOP_unmap_and_replace = 7;
export const GNTTABOP_set_version = 8;
export const GNTTABOP_get_status_frames = 9;
export const GNTTABOP_get_version = 10;
export const GNTTABOP_swap_grant_ref = 11;
export const GNTTABOP_cache_flush = 12;
/** cmd bits 12+ are a continuation argument, only meaningful for cache_flush. */
export const GNTTABOP_CONTINUATION_ARG_SHIFT = 12;
export const GNTTABOP_CMD_MASK = (1 << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1;

// grant_entry_v1 flags.
export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_type_mask = 3;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
export const GTF_PWT = 1 << 5;
export const GTF_PCD = 1 << 6;
export const GTF_PAT = 1 << 7;
export const GTF_sub_page = 1 << 8;
export const GTF_transfer_committed = 1 << 2;
export const GTF_transfer_completed = 1 << 3;

// GNTMAP_* (map_grant_ref flags).
export const GNTMAP_device_map = 1 << 0;
export const GNTMAP_host_map = 1 << 1;
export const GNTMAP_readonly = 1 << 2;
export const GNTMAP_application_map = 1 << 3;
export const GNTMAP_contains_pte = 1 << 4;
/** Bits 16.. carry values for the PTE's AVAIL bits (XENFEAT_gnttab_map_avail_bits). */
export const _GNTMAP_guest_avail0 = 16;

// GNTST_* per-operation status codes.
export const GNTST_okay = 0;
export const GNTST_general_error = -1;
export const GNTST_bad_domain = -2;
export const GNTST_bad_gntref = -3;
export const GNTST_bad_handle = -4;
export const GNTST_bad_virt_addr = -5;
export const GNTST_bad_dev_addr = -6;
export const GNTST_no_device_space = -7;
export const GNTST_permission_denied = -8;
export const GNTST_bad_page = -9;
export const GNTST_bad_copy_arg = -10;
export const GNTST_address_too_big = -11;
export const GNTST_eagain = -12;
export const GNTST_no_space = -13;

// gnttab_copy flags.
export const GNTCOPY_source_gref = 1 << 0;
export const GNTCOPY_dest_gref = 1 << 1;

/** Refs 0..7 are reserved for the toolstack: 0 = console ring, 1 = xenstore ring. */
export const GNTTAB_NR_RESERVED_ENTRIES = 8;
export const GNTTAB_RESERVED_CONSOLE = 0;
export const GNTTAB_RESERVED_XENSTORE = 1;

/** struct grant_entry_v1: u16 flags @0, domid_t domid @2, u32 frame @4. */
export const GRANT_ENTRY_V1_SIZE = 8;
export const GRANT_ENTRY_FLAGS = 0;
export const GRANT_ENTRY_DOMID = 2;
export const GRANT_ENTRY_FRAME = 4;
export const GRANTS_PER_FRAME_V1 = 4096 / GRANT_ENTRY_V1_SIZE;

export const INITIAL_NR_GRANT_FRAMES = 1;
/** opt_max_grant_frames / opt_max_maptrack_frames defaults. */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
export const DEFAULT_MAX_MAPTRACK_FRAMES = 1024;
/** struct grant_mapping is 16 bytes. */
export const MAPTRACK_PER_PAGE = 256;

// Pin counts in active_grant_entry.pin.
export const GNTPIN_hstw_inc = 1 << 0;
export const GNTPIN_hstw_mask = 0xff << 0;
export const GNTPIN_hstr_inc = 1 << 8;
export const GNTPIN_hstr_mask = 0xff << 8;
export const GNTPIN_devw_inc = 1 << 16;
export const GNTPIN_devw_mask = 0xff << 16;
export const GNTPIN_devr_inc = 1 << 24;
export const GNTPIN_devr_mask = 0xff << 24;
/** Any counter at ≥ 0x80 refuses further pins (overflow guard). */
export const GNTPIN_OVERFLOW = 0x80808080;

// Struct sizes and offsets (x86_64).
export const MAP_GRANT_REF_SIZE = 32; // host_addr@0 flags@8 ref@12 dom@16 status@18 handle@20 dev_bus_addr@24
export const UNMAP_GRANT_REF_SIZE = 24; // host_addr@0 dev_bus_addr@8 handle@16 status@20
export const UNMAP_AND_REPLACE_SIZE = 24; // host_addr@0 new_addr@8 handle@16 status@20
export const SETUP_TABLE_SIZE = 24; // dom@0 nr_frames@4 status@8 frame_list@16
export const COPY_SIZE = 40; // source{u@0 domid@8 offset@10} dest{@16..} len@32 flags@34 status@36
export const QUERY_SIZE_SIZE = 16; // dom@0 nr_frames@4 max_nr_frames@8 status@12
export const SET_VERSION_SIZE = 4;
export const GET_VERSION_SIZE = 8; // dom@0 version@4
export const GET_STATUS_FRAMES_SIZE = 16; // nr_frames@0 dom@4 status@6 frame_list@8
export const SWAP_GRANT_REF_SIZE = 12; // ref_a@0 ref_b@4 status@8

// memory_op add_to_physmap (memory.h).
export const XENMAPSPACE_shared_info = 0;
export const XENMAPSPACE_grant_table = 1;
export const XENMAPSPACE_gmfn = 2;
export const XENMAPSPACE_gmfn_range = 3;
export const XENMAPSPACE_gmfn_foreign = 4;
export const XENMAPSPACE_dev_mmio = 5;
export const XENMAPIDX_grant_table_status = 0x80000000;
/** struct xen_add_to_physmap: domid@0 size@2 space@4 idx@8 gpfn@16. */
export const ADD_TO_PHYSMAP_SIZE = 24;
