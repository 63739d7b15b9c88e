/**
 * Loader and executors for the hardware reference vectors produced by tools/fpu-oracle (format
 * documented in oracle.c). Each executor replays one vector on a fresh FpuState and returns what the
 * hardware would have produced, in the same encoding as the vector file.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { FpuState } from '../../src/fpu/fpu-state';
import * as int from '../../src/fpu/sse/sse-int';
import * as mv from '../../src/fpu/sse/sse-move';
import * as fp from '../../src/fpu/sse/sse-fp';
import * as cvt from '../../src/fpu/sse/sse-cvt';
import * as ar from '../../src/fpu/x87/x87-arith';
import * as ls from '../../src/fpu/x87/x87-ldst';
import * as bcd from '../../src/fpu/x87/x87-bcd';
import * as cmp from '../../src/fpu/x87/x87-cmp';
import { fldcw, fninit } from '../../src/fpu/x87/x87-env';
import { phys, rawOff } from '../../src/fpu/x87/x87-stack';

export interface SseVector {
  op: string;
  mx: number;
  d: Buffer;
  s: Buffer;
  outD: Buffer;
  outMx: number;
  line: string;
}
export interface X87Vector {
  op: string;
  cw: number;
  a: Buffer;
  b: Buffer;
  r: Buffer;
  r2: Buffer;
  fsw: number;
  efl: number;
  line: string;
}

export interface Vectors {
  sse: Map<string, SseVector[]>;
  x87: Map<string, X87Vector[]>;
  images: Map<string, Buffer>;
  total: number;
}

let cache: Vectors | null = null;

export function loadVectors(): Vectors {
  if (cache) return cache;
  const text = gunzipSync(readFileSync(join(__dirname, 'vectors', 'fpu-vectors.txt.gz'))).toString('utf8');
  const sse = new Map<string, SseVector[]>();
  const x87 = new Map<string, X87Vector[]>();
  const images = new Map<string, Buffer>();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    total++;
    if (f[0] === 'S') {
      const v: SseVector = {
        op: f[1],
        mx: parseInt(f[2], 16),
        d: Buffer.from(f[3], 'hex'),
        s: Buffer.from(f[4], 'hex'),
        outD: Buffer.from(f[6], 'hex'),
        outMx: parseInt(f[7], 16),
        line,
      };
      if (!sse.has(v.op)) sse.set(v.op, []);
      sse.get(v.op)!.push(v);
    } else if (f[0] === 'X') {
      const v: X87Vector = {
        op: f[1],
        cw: parseInt(f[2], 16),
        a: Buffer.from(f[3], 'hex'),
        b: Buffer.from(f[4], 'hex'),
        r: Buffer.from(f[6], 'hex'),
        r2: Buffer.from(f[7], 'hex'),
        fsw: parseInt(f[8], 16),
        efl: parseInt(f[9], 16),
        line,
      };
      if (!x87.has(v.op)) x87.set(v.op, []);
      x87.get(v.op)!.push(v);
    } else if (f[0] === 'F') {
      images.set(f[1], Buffer.from(f[2], 'hex'));
    } else throw new Error(`bad vector line: ${line}`);
  }
  cache = { sse, x87, images, total };
  return cache;
}

// ---------------------------------------------------------------- SSE

type SseExec = (st: FpuState) => Buffer | null;

function gprResult(lo: number, hi: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(lo | 0, 0);
  b.writeInt32LE(hi | 0, 4);
  return b;
}

const binInt: Record<string, (st: FpuState, d: number, s: number) => void> = {
  ...(int as unknown as Record<string, (st: FpuState, d: number, s: number) => void>),
  unpcklps: mv.unpcklps,
  unpckhps: mv.unpckhps,
  unpcklpd: mv.unpcklpd,
  unpckhpd: mv.unpckhpd,
  movhlps: mv.movhlps,
  movlhps: mv.movlhps,
  movss: mv.movssReg,
  movsd: mv.movsdReg,
  movq: mv.movqZext,
};

const immOps: Record<string, (st: FpuState, n: number) => void> = {
  psllwi: (st, n) => int.psllwImm(st, 0, n),
  pslldi: (st, n) => int.pslldImm(st, 0, n),
  psllqi: (st, n) => int.psllqImm(st, 0, n),
  psrlwi: (st, n) => int.psrlwImm(st, 0, n),
  psrldi: (st, n) => int.psrldImm(st, 0, n),
  psrlqi: (st, n) => int.psrlqImm(st, 0, n),
  psrawi: (st, n) => int.psrawImm(st, 0, n),
  psradi: (st, n) => int.psradImm(st, 0, n),
  pslldq: (st, n) => int.pslldq(st, 0, n),
  psrldq: (st, n) => int.psrldq(st, 0, n),
  pshufd: (st, n) => int.pshufd(st, 0, 1, n),
  pshuflw: (st, n) => int.pshuflw(st, 0, 1, n),
  pshufhw: (st, n) => int.pshufhw(st, 0, 1, n),
  shufps: (st, n) => mv.shufps(st, 0, 1, n),
  shufpd: (st, n) => mv.shufpd(st, 0, 1, n),
  cmpps: (st, n) => expectNoFault(fp.cmpps(st, 0, 1, n)),
  cmpss: (st, n) => expectNoFault(fp.cmpss(st, 0, 1, n)),
  cmppd: (st, n) => expectNoFault(fp.cmppd(st, 0, 1, n)),
  cmpsd: (st, n) => expectNoFault(fp.cmpsd(st, 0, 1, n)),
};

function expectNoFault(f: number): void {
  if (f !== 0) throw new Error(`unexpected SIMD exception ${f} with all exceptions masked`);
}

const fpOps: Record<string, (st: FpuState, d: number, s: number) => number> = {
  ...(fp as unknown as Record<string, (st: FpuState, d: number, s: number) => number>),
  ...(cvt as unknown as Record<string, (st: FpuState, d: number, s: number) => number>),
};

export function sseExecutor(op: string): SseExec | null {
  const m = /^(\w+?)_(\d+)$/.exec(op);
  if (m && immOps[m[1]]) {
    const f = immOps[m[1]];
    const n = Number(m[2]);
    return (st) => (f(st, n), null);
  }
  if (op === 'pmovmskb' || op === 'movmskps' || op === 'movmskpd') {
    const f = op === 'pmovmskb' ? int.pmovmskb : op === 'movmskps' ? int.movmskps : int.movmskpd;
    return (st) => gprResult(f(st, 1), 0);
  }
  let cm: RegExpExecArray | null;
  if ((cm = /^(u?comis[sd])$/.exec(op))) {
    const f = fpOps[cm[1]];
    return (st) => {
      expectNoFault(f(st, 0, 1));
      return gprResult(fp.comiOut.eflags, 0);
    };
  }
  if ((cm = /^cvt(t?)(ss|sd)2si(32|64)$/.exec(op))) {
    const f = cm[2] === 'ss' ? cvt.cvtss2si : cvt.cvtsd2si;
    const trunc = cm[1] === 't';
    const is64 = cm[3] === '64';
    return (st) => {
      expectNoFault(f(st, 1, is64, trunc));
      return gprResult(cvt.gprOut.lo, cvt.gprOut.hi);
    };
  }
  if ((cm = /^cvtsi2(ss|sd)(32|64)$/.exec(op))) {
    const f = cm[1] === 'ss' ? cvt.cvtsi2ss : cvt.cvtsi2sd;
    const is64 = cm[2] === '64';
    return (st) => (expectNoFault(f(st, 0, st.i32[4], st.i32[5], is64)), null);
  }
  if (binInt[op] && !fpOps[op]) {
    const f = binInt[op];
    return (st) => (f(st, 0, 1), null);
  }
  if (fpOps[op]) {
    const f = fpOps[op];
    return (st) => (expectNoFault(f(st, 0, 1)), null);
  }
  return null;
}

/** Replays a vector; returns [dst, mxcsr] as produced by the emulation. */
export function runSse(exec: SseExec, v: SseVector): [Buffer, number] {
  const st = new FpuState();
  st.mxcsr = v.mx;
  st.u8.set(v.d, 0);
  st.u8.set(v.s, 16);
  const gpr = exec(st);
  return [gpr ?? Buffer.from(st.u8.subarray(0, 16)), st.mxcsr];
}

// ---------------------------------------------------------------- x87

export interface X87Result {
  r: Buffer;
  r2: Buffer;
  fsw: number;
  efl: number;
}

function f80parts(b: Buffer): [number, number, number] {
  return [b.readUInt16LE(8), b.readUInt32LE(0), b.readUInt32LE(4)];
}

function stRaw(st: FpuState, i: number): Buffer {
  const o = rawOff(phys(st, i));
  return Buffer.from(st.u8.subarray(o, o + 10));
}

type X87Exec = (st: FpuState, v: X87Vector) => { r?: Buffer; efl?: number };

const x87Two: Record<string, (st: FpuState) => number | void> = {
  fadd: (st) => ar.farithReg(st, ar.X87Op.Add, 0, 1, false),
  fsub: (st) => ar.farithReg(st, ar.X87Op.Sub, 0, 1, false),
  fsubr: (st) => ar.farithReg(st, ar.X87Op.SubR, 0, 1, false),
  fmul: (st) => ar.farithReg(st, ar.X87Op.Mul, 0, 1, false),
  fdiv: (st) => ar.farithReg(st, ar.X87Op.Div, 0, 1, false),
  fdivr: (st) => ar.farithReg(st, ar.X87Op.DivR, 0, 1, false),
  fsqrt: ar.fsqrt,
  frndint: ar.frndint,
  fscale: ar.fscale,
  fprem: ar.fprem,
  fprem1: ar.fprem1,
  fchs: ar.fchs,
  fabs: ar.fabs,
  fxtract: ar.fxtract,
  fcom: (st) => cmp.fcom(st, 1, false, 0),
  fucom: (st) => cmp.fcom(st, 1, true, 0),
  fcomi: (st) => cmp.fcomi(st, 1, false, false),
  fucomi: (st) => cmp.fcomi(st, 1, true, false),
  ftst: cmp.ftst,
  fxam: cmp.fxam,
  fxch: (st) => ls.fxch(st, 1),
  fld1: (st) => ls.fldConst(st, 'one'),
  fldz: (st) => ls.fldConst(st, 'zero'),
  fldpi: (st) => ls.fldConst(st, 'pi'),
  fldl2t: (st) => ls.fldConst(st, 'l2t'),
  fldl2e: (st) => ls.fldConst(st, 'l2e'),
  fldlg2: (st) => ls.fldConst(st, 'lg2'),
  fldln2: (st) => ls.fldConst(st, 'ln2'),
};

function memStore(fn: (st: FpuState) => boolean, bytes: number): X87Exec {
  return (st, v) => {
    ls.fldF80(st, ...f80parts(v.a));
    if (!fn(st)) throw new Error('store suppressed with masked exceptions');
    const r = Buffer.alloc(10);
    r.writeInt32LE(ls.memOut.lo | 0, 0);
    if (bytes > 4) r.writeInt32LE(ls.memOut.hi | 0, 4);
    if (bytes === 2) r.writeUInt16LE(0, 2);
    return { r };
  };
}

const x87Special: Record<string, X87Exec> = {
  fst32: memStore((st) => ls.fstF32(st, false), 4),
  fst64: memStore((st) => ls.fstF64(st, false), 8),
  fist16: memStore((st) => ls.fist(st, 16, false, false), 2),
  fist32: memStore((st) => ls.fist(st, 32, false, false), 4),
  fistp64: memStore((st) => ls.fist(st, 64, false, true), 8),
  fisttp16: memStore((st) => ls.fist(st, 16, true, true), 2),
  fisttp32: memStore((st) => ls.fist(st, 32, true, true), 4),
  fisttp64: memStore((st) => ls.fist(st, 64, true, true), 8),
  fld32: (st, v) => (ls.fldF32(st, v.a.readUInt32LE(0)), { r: stRaw(st, 0) }),
  fld64: (st, v) => (ls.fldF64(st, v.a.readUInt32LE(0), v.a.readUInt32LE(4)), { r: stRaw(st, 0) }),
  fild16: (st, v) => (ls.fild(st, BigInt(v.a.readInt16LE(0))), { r: stRaw(st, 0) }),
  fild32: (st, v) => (ls.fild(st, BigInt(v.a.readInt32LE(0))), { r: stRaw(st, 0) }),
  fild64: (st, v) => (ls.fild(st, v.a.readBigInt64LE(0)), { r: stRaw(st, 0) }),
  fbld: (st, v) => (
    bcd.fbld(st, v.a.readUInt16LE(8), v.a.readInt32LE(0), v.a.readInt32LE(4)),
    { r: stRaw(st, 0) }
  ),
  fbstp: (st, v) => {
    ls.fldF80(st, ...f80parts(v.a));
    if (!bcd.fbstp(st)) throw new Error('store suppressed with masked exceptions');
    const r = Buffer.alloc(10);
    r.writeInt32LE(ls.memOut.lo | 0, 0);
    r.writeInt32LE(ls.memOut.hi | 0, 4);
    r.writeUInt16LE(ls.memOut.se & 0xffff, 8);
    return { r };
  },
};

export function x87Executor(op: string): X87Exec | null {
  if (x87Special[op]) return x87Special[op];
  const f = x87Two[op];
  if (!f) return null;
  return (st, v) => {
    ls.fldF80(st, ...f80parts(v.b));
    ls.fldF80(st, ...f80parts(v.a));
    const e = f(st);
    return { r: stRaw(st, 0), efl: typeof e === 'number' ? e : 0 };
  };
}

export function runX87(exec: X87Exec, v: X87Vector): X87Result {
  const st = new FpuState();
  fninit(st);
  fldcw(st, v.cw);
  const o = exec(st, v);
  const r = o.r ?? stRaw(st, 0);
  const r2 = v.r2.equals(Buffer.alloc(10)) ? v.r2 : stRaw(st, 1);
  return { r, r2, fsw: st.fsw, efl: o.efl ?? 0 };
}

/**
 * FSW bits defined after each instruction (others are "undefined" in the SDM and not compared):
 * exception flags, SF, ES, TOP and B always; C1 for everything; C0/C2/C3 for compares, FXAM, FPREM.
 */
export function fswMask(op: string): number {
  const base = 0xffff & ~0x4500; // all but C0 C2 C3
  if (/^(fcom|fucom|ftst|fxam|fprem1?|fcomi|fucomi)$/.test(op)) return 0xffff;
  return base;
}
