/** Base of xen-core's error hierarchy: every error carries a stable code. */
export class XenCoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Why the domain builder refused an image or a configuration (nothing was allocated or written). */
export type BuildErrorCode =
  | 'ELF_TRUNCATED'
  | 'ELF_BAD_MAGIC'
  | 'ELF_BAD_CLASS'
  | 'ELF_BAD_DATA'
  | 'ELF_BAD_VERSION'
  | 'ELF_BAD_MACHINE'
  | 'ELF_BAD_TYPE'
  | 'ELF_BAD_PHDR'
  | 'ELF_BAD_SHDR'
  | 'ELF_SEGMENT_OUT_OF_FILE'
  | 'ELF_SEGMENT_FILESZ'
  | 'ELF_SEGMENT_TOO_BIG'
  | 'ELF_OVERLAPPING_SEGMENTS'
  | 'ELF_NO_LOADABLE_SEGMENTS'
  | 'ELF_BAD_NOTE'
  | 'NOT_XEN_IMAGE'
  | 'BAD_XEN_VERSION'
  | 'BAD_LOADER'
  | 'UNKNOWN_REQUIRED_FEATURE'
  | 'UNSUPPORTED_FEATURE'
  | 'PADDR_OFFSET_WITHOUT_VIRT_BASE'
  | 'ADDRESSES_OUT_OF_BOUNDS'
  | 'NOT_PAGE_ALIGNED'
  | 'OUTSIDE_VIRTUAL_RANGE'
  | 'P2M_BASE_IN_KERNEL'
  | 'P2M_WINDOW_CONFLICT'
  | 'HYPERCALL_PAGE_OUT_OF_RANGE'
  | 'TOO_BIG_FOR_MEMORY'
  | 'OUT_OF_MEMORY'
  | 'BAD_CMDLINE'
  | 'BAD_CONFIG';

export class BuildError extends XenCoreError {
  declare readonly code: BuildErrorCode;
  constructor(code: BuildErrorCode, message: string) {
    super(code, message);
  }
}
