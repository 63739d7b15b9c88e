/** Byte offsets of the shared structures (ABI doc §4, verified against the public headers). */

// struct start_info (x86_64), 0x490 bytes.
export const START_INFO_SIZE = 0x490;
export const SI_MAGIC = 0x000;
export const SI_MAGIC_LEN = 32;
export const SI_NR_PAGES = 0x020;
export const SI_SHARED_INFO = 0x028;
export const SI_FLAGS = 0x030;
export const SI_STORE_MFN = 0x038;
export const SI_STORE_EVTCHN = 0x040;
export const SI_CONSOLE_MFN = 0x048;
export const SI_CONSOLE_EVTCHN = 0x050;
export const SI_PT_BASE = 0x058;
export const SI_NR_PT_FRAMES = 0x060;
export const SI_MFN_LIST = 0x068;
export const SI_MOD_START = 0x070;
export const SI_MOD_LEN = 0x078;
export const SI_CMD_LINE = 0x080;
export const MAX_GUEST_CMDLINE = 1024;
export const SI_FIRST_P2M_PFN = 0x480;
export const SI_NR_P2M_FRAMES = 0x488;

// struct vcpu_info, 64 bytes.
export const VCPU_INFO_SIZE = 0x40;
export const VI_EVTCHN_UPCALL_PENDING = 0x00;
export const VI_EVTCHN_UPCALL_MASK = 0x01;
export const VI_EVTCHN_PENDING_SEL = 0x08;
export const VI_ARCH_CR2 = 0x10;
export const VI_TIME = 0x20;

// struct shared_info, 0xC40 bytes.
export const SHARED_INFO_SIZE = 0xc40;
export const SH_VCPU_INFO = 0x000;
export const SH_EVTCHN_PENDING = 0x800;
export const SH_EVTCHN_MASK = 0xa00;
export const SH_WC_VERSION = 0xc00;
export const SH_WC_SEC = 0xc04;
export const SH_WC_NSEC = 0xc08;
export const SH_WC_SEC_HI = 0xc0c;
export const SH_ARCH_MAX_PFN = 0xc10;
export const SH_ARCH_P2M_FRAME_LIST_LIST = 0xc18;
export const SH_ARCH_NMI_REASON = 0xc20;
export const SH_ARCH_P2M_CR3 = 0xc28;
export const SH_ARCH_P2M_VADDR = 0xc30;
export const SH_ARCH_P2M_GENERATION = 0xc38;

// struct xencons_interface.
export const XENCONS_IN = 0x000;
export const XENCONS_OUT = 0x400;
export const XENCONS_IN_CONS = 0xc00;
export const XENCONS_IN_PROD = 0xc04;
export const XENCONS_OUT_CONS = 0xc08;
export const XENCONS_OUT_PROD = 0xc0c;
export const XENCONS_CONNECTION = 0xc10;

// struct mmu_update / mmuext_op / multicall_entry.
export const MMU_UPDATE_SIZE = 16;
export const MMUEXT_OP_SIZE = 24;
export const MMUEXT_OP_CMD = 0;
export const MMUEXT_OP_ARG1 = 8;
export const MMUEXT_OP_ARG2 = 16;
export const MULTICALL_ENTRY_SIZE = 64;
export const MULTICALL_OP = 0;
export const MULTICALL_RESULT = 8;
export const MULTICALL_ARGS = 16;
