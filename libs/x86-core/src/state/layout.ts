/**
 * Processor state layout: one flat buffer, laid out like a C struct so that a later WebAssembly JIT
 * tier can address the same bytes. All multi-byte fields are little-endian; a 64-bit value is a pair
 * of int32 words (lo at the even index, hi at the odd one), so `s[REG_LO(r)]` / `s[REG_HI(r)]` are the
 * halves of GPR r. Indices below are Int32Array indices (byte offset / 4).
 */

/** GPR numbers in encoding order. */
export const RAX = 0;
export const RCX = 1;
export const RDX = 2;
export const RBX = 3;
export const RSP = 4;
export const RBP = 5;
export const RSI = 6;
export const RDI = 7;

/** Words 0..31: the 16 general-purpose registers (lo, hi). */
export const GPR = 0;
/** Words 32,33: RIP. */
export const RIP_LO = 32;
export const RIP_HI = 33;
/** Word 34: the materialised (non-lazy) RFLAGS bits. Word 35 stays 0. */
export const FLAGS = 34;
/** Word 36: mask of arithmetic flags (CF PF AF ZF SF OF) that must be computed from the lazy record. */
export const LF_MASK = 36;
/** Word 37: lazy operation (see flags.ts LF_*). */
export const LF_OP = 37;
/** Word 38: lazy operand width in bits (8, 16, 32, 64). */
export const LF_BITS = 38;
/** Words 40..45: lazy result, first operand, second operand (lo, hi each). */
export const LF_RES = 40;
export const LF_A = 42;
export const LF_B = 44;
/** Word 46: current privilege level. */
export const CPL = 46;
/** Word 47: code size of CS (16, 32 or 64). */
export const CODE_BITS = 47;

/** Segment register numbers (encoding order), plus LDTR and TR. */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const LDTR = 6;
export const TR = 7;
/** Words 48..111: 8 segment caches of 8 words: selector, attributes, limit, pad, base lo, base hi, pad, pad. */
export const SEG = 48;
export const SEG_WORDS = 8;
export const SEG_SEL = 0;
export const SEG_ATTR = 1;
export const SEG_LIMIT = 2;
export const SEG_BASE_LO = 4;
export const SEG_BASE_HI = 5;
export const segIdx = (seg: number, field: number): number => SEG + seg * SEG_WORDS + field;

/**
 * Segment attribute word (VMX "access rights" format): bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL,
 * 13 L, 14 D/B, 15 G, 16 unusable (null selector loaded).
 */
export const ATTR_S = 1 << 4;
export const ATTR_P = 1 << 7;
export const ATTR_L = 1 << 13;
export const ATTR_DB = 1 << 14;
export const ATTR_G = 1 << 15;
export const ATTR_UNUSABLE = 1 << 16;

/** Control registers and system state. */
export const CR0 = 112;
export const CR2_LO = 114;
export const CR2_HI = 115;
export const CR3_LO = 116;
export const CR3_HI = 117;
export const CR4 = 118;
export const CR8 = 119;
export const EFER = 120;
export const XCR0 = 121;
/** Words 122..137: DR0..DR7 (lo, hi). DR4/DR5 alias DR6/DR7. */
export const DR = 122;
export const GDTR_BASE_LO = 138;
export const GDTR_BASE_HI = 139;
export const GDTR_LIMIT = 140;
export const IDTR_BASE_LO = 142;
export const IDTR_BASE_HI = 143;
export const IDTR_LIMIT = 144;
/** Model-specific registers the core implements itself (lo, hi). */
export const MSR_STAR = 146;
export const MSR_LSTAR = 148;
export const MSR_CSTAR = 150;
export const MSR_SFMASK = 152;
export const MSR_KGSBASE = 154;
export const MSR_TSC_AUX = 156;
export const MSR_SYSENTER_CS = 158;
export const MSR_SYSENTER_ESP = 160;
export const MSR_SYSENTER_EIP = 162;
export const MSR_PAT = 164;
/** Word 166: interrupt shadow (STI / MOV SS): 1 while the next instruction must not be interrupted. */
export const INT_SHADOW = 166;
/** Word 167: non-zero while halted (HLT executed, waiting for an interrupt). */
export const HALTED = 167;

/** Words 256..511 (bytes 0x400..0x7FF) are reserved for x87/SSE state (owned by src/fpu). */
export const FPU_AREA_BYTE = 0x400;
export const FPU_AREA_BYTES = 0x400;

/** Total size of the state buffer in bytes. */
export const STATE_BYTES = 0x800;

/** Byte offset of a 16-bit register r in the state buffer (as Uint16Array index: r*4). */
export const reg16Index = (r: number): number => r << 2;

/** RFLAGS bits. */
export const F_CF = 1 << 0;
export const F_FIXED1 = 1 << 1;
export const F_PF = 1 << 2;
export const F_AF = 1 << 4;
export const F_ZF = 1 << 6;
export const F_SF = 1 << 7;
export const F_TF = 1 << 8;
export const F_IF = 1 << 9;
export const F_DF = 1 << 10;
export const F_OF = 1 << 11;
export const F_IOPL = 3 << 12;
export const F_NT = 1 << 14;
export const F_RF = 1 << 16;
export const F_VM = 1 << 17;
export const F_AC = 1 << 18;
export const F_VIF = 1 << 19;
export const F_VIP = 1 << 20;
export const F_ID = 1 << 21;
/** The six arithmetic flags tracked lazily. */
export const F_ARITH = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF;

/** CR0 bits. */
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

/** CR4 bits. */
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10;
export const CR4_UMIP = 1 << 11;
export const CR4_FSGSBASE = 1 << 16;
export const CR4_OSXSAVE = 1 << 18;
/** Supervisor-mode execution prevention: CPL < 3 may not fetch from user pages. */
export const CR4_SMEP = 1 << 20;
/** CR4 bits the core accepts (others → #GP on mov to CR4). */
export const CR4_SUPPORTED =
  CR4_VME |
  CR4_PVI |
  CR4_TSD |
  CR4_DE |
  CR4_PSE |
  CR4_PAE |
  CR4_MCE |
  CR4_PGE |
  CR4_PCE |
  CR4_OSFXSR |
  CR4_OSXMMEXCPT |
  CR4_UMIP |
  CR4_FSGSBASE |
  CR4_OSXSAVE |
  CR4_SMEP;

/** EFER bits. */
export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;
export const EFER_FFXSR = 1 << 14;
export const EFER_SUPPORTED = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_FFXSR;
