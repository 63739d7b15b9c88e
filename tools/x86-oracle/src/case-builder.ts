/**
 * Builds one oracle vector: initial registers, flags, memory patches, code, the label used to group
 * mismatches and the masks of what the SDM leaves undefined for it.
 */
import { encode, type InstrSpec, type MemOp } from './encoder';
import { DF, RFLAGS_FIXED, STATUS } from './flags';
import type { Rng } from './rng';

export const CODE_BASE = 0x10000000n;
export const DATA_BASE = 0x20000000n;
export const STACK_BASE = 0x30000000n;
export const WINDOW = 4096;
export const RSP = 4;
export const M64 = (1n << 64n) - 1n;

export type Size = 8 | 16 | 32 | 64;
export type Win = 0 | 1;

export interface Patch {
  win: Win;
  off: number;
  bytes: Uint8Array;
}

/** One generated vector (inputs + what the comparison must ignore). */
export interface OracleCase {
  code: Uint8Array;
  gpr: bigint[];
  rflags: bigint;
  patches: Patch[];
  /** Instruction form, e.g. "add r/m32, imm8"; mismatches are grouped by it. */
  label: string;
  /** RFLAGS bits the SDM leaves undefined for this vector. */
  undefFlags: number;
  /** GPRs (bit i = register i) whose final value the SDM leaves undefined. */
  undefRegs: number;
}

export const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

/** An interesting value of `bits` width: boundaries of sign and carry, small, single-bit, random. */
export function edgeLow(rng: Rng, bits: number): bigint {
  const m = (1n << BigInt(bits)) - 1n;
  const sign = 1n << BigInt(bits - 1);
  switch (rng.below(16)) {
    case 0:
      return 0n;
    case 1:
      return 1n;
    case 2:
      return m;
    case 3:
      return sign;
    case 4:
      return sign - 1n;
    case 5:
      return (sign + 1n) & m;
    case 6:
      return (m - 1n) & m;
    case 7:
      return 1n << BigInt(rng.below(bits));
    case 8:
      return ((1n << BigInt(rng.below(bits))) - 1n) & m;
    case 9:
      return BigInt(rng.below(64));
    case 10:
      return (m - BigInt(rng.below(64))) & m;
    case 11:
      return m ^ (1n << BigInt(rng.below(bits)));
    default:
      return rng.u64() & m;
  }
}

/** A full 64-bit register value whose low `size` bits are an edge value; upper bits random/0/ones. */
export function regValue(rng: Rng, size: Size): bigint {
  const low = edgeLow(rng, size);
  if (size === 64) return low;
  const upperChoice = rng.below(4);
  const upper = upperChoice === 0 ? 0n : upperChoice === 1 ? M64 : rng.u64();
  return ((upper & ~mask(size)) | low) & M64;
}

export interface MemChoice {
  op: MemOp;
  win: Win;
  off: number;
  addr: bigint;
}

export interface MemOptions {
  /** Required alignment of the target offset (default: any). */
  align?: number;
  /** Exact offset inside the window. */
  offset?: number;
  /** Registers that must not be used for addressing (bit mask). */
  avoid?: number;
  /** Disallow RIP-relative / absolute forms (e.g. for bit offsets that need a register base). */
  needBase?: boolean;
  /** Allow the stack window through an RSP base (default true). */
  allowStack?: boolean;
  /** Allow the 0x67 address-size prefix (default true). */
  allowAddr32?: boolean;
}

export class CaseBuilder {
  readonly gpr: bigint[] = [];
  readonly patches: Patch[] = [];
  readonly code: number[] = [];
  /** Registers whose values are constrained (bit i = register i). */
  pinned = 1 << RSP;
  rflags: bigint;
  undefFlags = 0;
  undefRegs = 0;
  label = '';

  constructor(readonly rng: Rng) {
    for (let i = 0; i < 16; i++) this.gpr.push(regValue(rng, rng.pick([8, 16, 32, 64] as const)));
    const rspOff = rng.chance(1, 8) ? rng.range(0x200, 0xe00) : rng.range(0x40, 0x1c0) * 8;
    this.gpr[RSP] = STACK_BASE + BigInt(rspOff);
    this.rflags = BigInt((rng.u32() & STATUS) | RFLAGS_FIXED | (rng.chance(1, 8) ? DF : 0));
  }

  get rspOffset(): number {
    return Number(this.gpr[RSP] - STACK_BASE);
  }

  at(): bigint {
    return CODE_BASE + BigInt(this.code.length);
  }

  emit(spec: InstrSpec): number[] {
    const bytes = encode(spec, this.at());
    this.code.push(...bytes);
    return bytes;
  }

  raw(bytes: readonly number[]): void {
    this.code.push(...bytes);
  }

  setReg(r: number, v: bigint): void {
    this.gpr[r] = v & M64;
    this.pinned |= 1 << r;
  }

  isPinned(r: number): boolean {
    return ((this.pinned >> r) & 1) === 1;
  }

  /** A register that is neither pinned nor in `avoid`; pins it. */
  takeReg(avoid = 0): number {
    const free: number[] = [];
    for (let r = 0; r < 16; r++) if (!((this.pinned | avoid) & (1 << r))) free.push(r);
    if (free.length === 0) throw new Error('no free register');
    const r = this.rng.pick(free);
    this.pinned |= 1 << r;
    return r;
  }

  poke(win: Win, off: number, bytes: Uint8Array): void {
    if (off < 0 || off + bytes.length > WINDOW)
      throw new Error(`patch out of window: ${off}+${bytes.length}`);
    this.patches.push({ win, off, bytes });
  }

  pokeValue(win: Win, off: number, sizeBytes: number, value: bigint): void {
    const b = new Uint8Array(sizeBytes);
    let v = value & M64;
    for (let i = 0; i < sizeBytes; i++) {
      b[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.poke(win, off, b);
  }

  /** Pick an offset for an access of `bytes` bytes: aligned, unaligned, window edges, line crossings. */
  pickOffset(bytes: number, align = 1, lo = 0, hi = WINDOW - bytes): number {
    const rng = this.rng;
    let off: number;
    switch (rng.below(6)) {
      case 0:
        off = hi;
        break;
      case 1:
        off = lo + rng.below(16);
        break;
      case 2:
        off = rng.range(1, 63) * 64 - rng.range(1, Math.max(1, bytes - 1));
        break;
      default:
        off = rng.range(lo, hi);
    }
    off = Math.max(lo, Math.min(hi, off));
    off -= off % align;
    return off < lo ? off + align : off;
  }

  /** A memory operand addressing `bytes` bytes in the data (or, through RSP, the stack) window. */
  mem(bytes: number, opts: MemOptions = {}): MemChoice {
    const rng = this.rng;
    const align = opts.align ?? 1;
    const avoid = (opts.avoid ?? 0) | this.pinned;
    const allowStack = opts.allowStack ?? true;
    const allowAddr32 = opts.allowAddr32 ?? true;
    const form = rng.below(20);
    if (allowStack && form === 0) {
      // [rsp + disp] or [rsp + index*scale + disp] into the stack window.
      const off = opts.offset ?? this.pickOffset(bytes, align);
      const useIndex = rng.bool();
      let indexReg: number | null = null;
      let scale: 1 | 2 | 4 | 8 = 1;
      let idxVal = 0n;
      if (useIndex) {
        indexReg = this.takeReg(avoid | (1 << RSP));
        scale = rng.pick([1, 2, 4, 8] as const);
        idxVal = BigInt(rng.range(-16, 16));
        this.setReg(indexReg, idxVal);
      }
      const disp = off - this.rspOffset - Number(idxVal) * scale;
      const dispSize = disp === 0 && rng.bool() ? 0 : disp >= -128 && disp <= 127 ? 1 : 4;
      const op: MemOp = { kind: 'mem', base: RSP, index: indexReg, scale, disp, dispSize };
      return { op, win: 1, off, addr: STACK_BASE + BigInt(off) };
    }
    const off = opts.offset ?? this.pickOffset(bytes, align);
    const addr = DATA_BASE + BigInt(off);
    if (!opts.needBase && form <= 3) {
      const op: MemOp = {
        kind: 'mem',
        base: null,
        index: null,
        scale: 1,
        disp: 0,
        dispSize: 4,
        rip: true,
        ripTarget: addr,
      };
      return { op, win: 0, off, addr };
    }
    if (!opts.needBase && form <= 5) {
      const op: MemOp = { kind: 'mem', base: null, index: null, scale: 1, disp: Number(addr), dispSize: 4 };
      return { op, win: 0, off, addr };
    }
    const addr32 = allowAddr32 && rng.chance(1, 8);
    const width = addr32 ? 32n : 64n;
    const wrap = (v: bigint) => BigInt.asUintN(Number(width), v);
    const noBase = !opts.needBase && form === 6;
    const useIndex = noBase || rng.chance(2, 5);
    let index: number | null = null;
    let scale: 1 | 2 | 4 | 8 = 1;
    let idxVal = 0n;
    if (useIndex) {
      index = this.takeReg(avoid | (1 << RSP));
      scale = rng.pick([1, 2, 4, 8] as const);
      idxVal = rng.chance(1, 4) ? 0n : BigInt(rng.range(-200, 200));
      if (noBase) idxVal = BigInt(rng.range(0, 64));
    }
    const dispSize: 0 | 1 | 4 = noBase ? 4 : rng.pick([0, 1, 1, 4] as const);
    let disp = 0;
    if (noBase) disp = off + 0x20000000 - Number(idxVal) * scale;
    else if (dispSize === 1) disp = rng.range(-128, 127);
    else if (dispSize === 4)
      disp = rng.chance(1, 2) ? rng.range(-0x8000, 0x8000) : rng.range(-0x7fffffff, 0x7fffffff);
    let base: number | null = null;
    if (!noBase) {
      base = this.takeReg(avoid);
      const baseVal = wrap(addr - BigInt(disp) - idxVal * BigInt(scale));
      // With 0x67 the upper half of the registers is ignored: fill it with junk.
      this.setReg(base, addr32 ? (rng.u64() & ~0xffffffffn) | baseVal : baseVal);
    }
    if (index !== null) {
      const v = BigInt.asUintN(64, idxVal);
      this.setReg(index, addr32 ? (rng.u64() & ~0xffffffffn) | (v & 0xffffffffn) : v);
    }
    const op: MemOp = {
      kind: 'mem',
      base,
      index,
      scale,
      disp,
      dispSize: base === null ? 4 : dispSize,
      addr32,
    };
    return { op, win: 0, off, addr };
  }

  build(): OracleCase {
    return {
      code: Uint8Array.from(this.code),
      gpr: this.gpr.slice(),
      rflags: this.rflags,
      patches: this.patches,
      label: this.label,
      undefFlags: this.undefFlags,
      undefRegs: this.undefRegs,
    };
  }
}
