/** XENFEAT_* bits (xen/include/public/features.h). */
export const XENFEAT_writable_page_tables = 0;
export const XENFEAT_writable_descriptor_tables = 1;
export const XENFEAT_auto_translated_physmap = 2;
export const XENFEAT_supervisor_mode_kernel = 3;
export const XENFEAT_pae_pgdir_above_4gb = 4;
export const XENFEAT_mmu_pt_update_preserve_ad = 5;
export const XENFEAT_highmem_assist = 6;
export const XENFEAT_gnttab_map_avail_bits = 7;
export const XENFEAT_hvm_callback_vector = 8;
export const XENFEAT_hvm_safe_pvclock = 9;
export const XENFEAT_hvm_pirqs = 10;
export const XENFEAT_dom0 = 11;
export const XENFEAT_grant_map_identity = 12;
export const XENFEAT_memory_op_vnode_supported = 13;
export const XENFEAT_ARM_SMCCC_supported = 14;
export const XENFEAT_linux_rsdp_unrestricted = 15;
export const XENFEAT_not_direct_mapped = 16;
export const XENFEAT_direct_mapped = 17;
export const XENFEAT_NR_SUBMAPS = 1;

/** Feature names libelf understands in the FEATURES note, indexed by bit. */
export const ELF_XEN_FEATURE_NAMES: ReadonlyMap<string, number> = new Map([
  ['writable_page_tables', XENFEAT_writable_page_tables],
  ['writable_descriptor_tables', XENFEAT_writable_descriptor_tables],
  ['auto_translated_physmap', XENFEAT_auto_translated_physmap],
  ['supervisor_mode_kernel', XENFEAT_supervisor_mode_kernel],
  ['pae_pgdir_above_4gb', XENFEAT_pae_pgdir_above_4gb],
  ['hvm_callback_vector', XENFEAT_hvm_callback_vector],
  ['dom0', XENFEAT_dom0],
]);
