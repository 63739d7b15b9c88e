/**
 * Default CPUID policy: a plain x86-64 CPU with the features the core implements (SSE/SSE2 come from
 * src/fpu). The embedder's cpuid hook can override any leaf.
 */

/** Feature bits reported in leaf 1 EDX. */
const L1_EDX =
  (1 << 0) | // FPU
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 13) | // PGE
  (1 << 15) | // CMOV
  (1 << 16) | // PAT
  (1 << 19) | // CLFSH
  (1 << 23) | // MMX
  (1 << 24) | // FXSR
  (1 << 25) | // SSE
  (1 << 26); // SSE2
/** Leaf 1 ECX: SSE3, CX16, POPCNT. */
const L1_ECX = (1 << 0) | (1 << 13) | (1 << 23);
/** 0x80000001 EDX: SYSCALL, NX, RDTSCP, LM. ECX: LAHF/SAHF in 64-bit mode, ABM (LZCNT). */
const E1_EDX = (1 << 11) | (1 << 20) | (1 << 27) | (1 << 29);
const E1_ECX = (1 << 0) | (1 << 5);
/** Leaf 7 EBX: FSGSBASE, SMEP (bit 7). SMAP (bit 20) is not implemented. */
const L7_EBX = (1 << 0) | (1 << 7);

const str4 = (s: string, k: number): number =>
  s.charCodeAt(k) | (s.charCodeAt(k + 1) << 8) | (s.charCodeAt(k + 2) << 16) | (s.charCodeAt(k + 3) << 24);

const BRAND = 'Xenoserver x86-64 TypeScript CPU'.padEnd(48, '\0');

export interface CpuidConfig {
  physAddrBits: number;
  apicId: number;
}

/** Fill out[0..3] = eax, ebx, ecx, edx for (leaf, subleaf). */
export function defaultCpuid(leaf: number, subleaf: number, cfg: CpuidConfig, out: Int32Array): void {
  out[0] = out[1] = out[2] = out[3] = 0;
  leaf >>>= 0;
  switch (leaf) {
    case 0:
      out[0] = 7;
      out[1] = str4('GenuineIntel', 0);
      out[3] = str4('GenuineIntel', 4);
      out[2] = str4('GenuineIntel', 8);
      return;
    case 1:
      // family 6, model 0x3A (extended model 3, model A), stepping 9
      out[0] = 0x000306a9;
      out[1] = (cfg.apicId << 24) | (1 << 16) | (8 << 8);
      out[2] = L1_ECX;
      out[3] = L1_EDX;
      return;
    case 7:
      if (subleaf === 0) out[1] = L7_EBX;
      return;
    case 0x80000000:
      out[0] = 0x80000008;
      return;
    case 0x80000001:
      out[2] = E1_ECX;
      out[3] = E1_EDX;
      return;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const base = (leaf - 0x80000002) * 16;
      for (let k = 0; k < 4; k++) out[k] = str4(BRAND, base + k * 4);
      return;
    }
    case 0x80000008:
      out[0] = cfg.physAddrBits | (48 << 8);
      return;
    default:
      return;
  }
}
