/**
 * MMX register forms. The harness compares GPRs and memory only, so every snippet loads its MMX
 * operands from the data window, runs one MMX instruction and stores the result back to the window
 * (MOVQ m64, mm) or to a GPR (MOVD/MOVQ r, mm; PMOVMSKB), then EMMS. RDI points at the data window.
 * The SSE/SSE2 forms that reach into single lanes or cross into XMM (PEXTRW, PINSRW on mm and xmm,
 * MOVQ2DQ, MOVDQ2Q, MASKMOVQ) store their XMM results with MOVDQU.
 */
import { CaseBuilder, DATA_BASE, edgeLow } from '../case-builder';

/** Opcode (0F xx), name and the lane width used to pick edge operands. */
const BINARY: readonly [number, string, number][] = [
  [0x60, 'punpcklbw', 8],
  [0x61, 'punpcklwd', 16],
  [0x62, 'punpckldq', 32],
  [0x63, 'packsswb', 16],
  [0x64, 'pcmpgtb', 8],
  [0x65, 'pcmpgtw', 16],
  [0x66, 'pcmpgtd', 32],
  [0x67, 'packuswb', 16],
  [0x68, 'punpckhbw', 8],
  [0x69, 'punpckhwd', 16],
  [0x6a, 'punpckhdq', 32],
  [0x6b, 'packssdw', 32],
  [0x74, 'pcmpeqb', 8],
  [0x75, 'pcmpeqw', 16],
  [0x76, 'pcmpeqd', 32],
  [0xd1, 'psrlw', 64],
  [0xd2, 'psrld', 64],
  [0xd3, 'psrlq', 64],
  [0xd4, 'paddq', 64],
  [0xd5, 'pmullw', 16],
  [0xd8, 'psubusb', 8],
  [0xd9, 'psubusw', 16],
  [0xda, 'pminub', 8],
  [0xdb, 'pand', 64],
  [0xdc, 'paddusb', 8],
  [0xdd, 'paddusw', 16],
  [0xde, 'pmaxub', 8],
  [0xdf, 'pandn', 64],
  [0xe0, 'pavgb', 8],
  [0xe1, 'psraw', 64],
  [0xe2, 'psrad', 64],
  [0xe3, 'pavgw', 16],
  [0xe4, 'pmulhuw', 16],
  [0xe5, 'pmulhw', 16],
  [0xe8, 'psubsb', 8],
  [0xe9, 'psubsw', 16],
  [0xea, 'pminsw', 16],
  [0xeb, 'por', 64],
  [0xec, 'paddsb', 8],
  [0xed, 'paddsw', 16],
  [0xee, 'pmaxsw', 16],
  [0xef, 'pxor', 64],
  [0xf1, 'psllw', 64],
  [0xf2, 'pslld', 64],
  [0xf3, 'psllq', 64],
  [0xf4, 'pmuludq', 32],
  [0xf5, 'pmaddwd', 16],
  [0xf6, 'psadbw', 8],
  [0xf8, 'psubb', 8],
  [0xf9, 'psubw', 16],
  [0xfa, 'psubd', 32],
  [0xfb, 'psubq', 64],
  [0xfc, 'paddb', 8],
  [0xfd, 'paddw', 16],
  [0xfe, 'paddd', 32],
];

/** 0F 71/72/73 groups: opcode, ModRM.reg, name. */
const SHIFT_IMM: readonly [number, number, string][] = [
  [0x71, 2, 'psrlw'],
  [0x71, 4, 'psraw'],
  [0x71, 6, 'psllw'],
  [0x72, 2, 'psrld'],
  [0x72, 4, 'psrad'],
  [0x72, 6, 'pslld'],
  [0x73, 2, 'psrlq'],
  [0x73, 6, 'psllq'],
];

/** A 64-bit value whose lanes of `w` bits are each an edge value. */
function laneValue(b: CaseBuilder, w: number): bigint {
  let v = 0n;
  for (let k = 0; k < 64; k += w) v |= edgeLow(b.rng, w) << BigInt(k);
  return v;
}

/** A shift count operand: in range, at the width, or beyond it. */
function shiftCount(b: CaseBuilder): bigint {
  const rng = b.rng;
  return rng.chance(3, 4)
    ? BigInt(rng.below(70))
    : rng.chance(1, 2)
      ? rng.u64()
      : 1n << BigInt(32 + rng.below(32));
}

const movqLoad = (mm: number, disp: number): number[] => [0x0f, 0x6f, 0x47 | (mm << 3), disp];
const movqStore = (mm: number, disp: number): number[] => [0x0f, 0x7f, 0x47 | (mm << 3), disp];
const EMMS = [0x0f, 0x77];
/** REX with R/B bits for register numbers 0-15 (the 0x40 byte is emitted when `w` is set, too). */
function rexRB(reg: number, rm: number, w = false): number[] {
  const v = (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  return v !== 0 ? [0x40 | v] : [];
}
const modrm = (mod: number, reg: number, rm: number): number => (mod << 6) | ((reg & 7) << 3) | (rm & 7);
/** MOVDQU xmm, [rdi+disp] / MOVDQU [rdi+disp], xmm. */
const movdquLoad = (x: number, disp: number): number[] => [
  0xf3,
  ...rexRB(x, 0),
  0x0f,
  0x6f,
  modrm(1, x, 7),
  disp,
];
const movdquStore = (x: number, disp: number): number[] => [
  0xf3,
  ...rexRB(x, 0),
  0x0f,
  0x7f,
  modrm(1, x, 7),
  disp,
];
/** GPRs a snippet may overwrite (not RSP, not RDI: the data pointer). */
const SCRATCH_GPRS = [0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15];

/** PINSRW (mm or xmm `dst`) from a GPR or m16 at [rdi+32], then PEXTRW of a random lane into a GPR. */
function genWordLanes(b: CaseBuilder, xmm: boolean): void {
  const rng = b.rng;
  const dst = xmm ? rng.below(16) : rng.below(8);
  const pfx = xmm ? [0x66] : [];
  b.pokeValue(0, 0, 8, rng.u64());
  b.pokeValue(0, 8, 8, rng.u64());
  b.pokeValue(0, 32, 8, rng.u64());
  const src = rng.pick([...SCRATCH_GPRS, 4, 7]);
  if (src !== 4 && src !== 7) b.setReg(src, rng.u64());
  const fromMem = rng.chance(1, 3);
  const insImm = rng.below(256);
  const extImm = rng.below(256);
  const wIns = rng.chance(1, 4);
  const wExt = rng.chance(1, 4);
  const out = rng.pick(SCRATCH_GPRS);
  b.setReg(out, rng.u64());
  b.raw(xmm ? movdquLoad(dst, 0) : movqLoad(dst, 0));
  if (fromMem) b.raw([...pfx, ...rexRB(xmm ? dst : 0, 0, wIns), 0x0f, 0xc4, modrm(1, dst, 7), 32, insImm]);
  else b.raw([...pfx, ...rexRB(xmm ? dst : 0, src, wIns), 0x0f, 0xc4, modrm(3, dst, src), insImm]);
  b.raw([...pfx, ...rexRB(out, xmm ? dst : 0, wExt), 0x0f, 0xc5, modrm(3, out, dst), extImm]);
  b.raw(xmm ? movdquStore(dst, 16) : [...movqStore(dst, 16), ...EMMS]);
  b.label = `pinsrw ${xmm ? 'xmm' : 'mm'},${fromMem ? 'm16' : wIns ? 'r64' : 'r32'},imm8 / pextrw ${wExt ? 'r64' : 'r32'}`;
}

/** MOVQ2DQ xmm, mm (over an all-random xmm) then MOVDQ2Q mm, xmm of a random xmm. */
function genMovq2dq(b: CaseBuilder): void {
  const rng = b.rng;
  const x = rng.below(16);
  const y = rng.chance(1, 2) ? x : rng.below(16);
  const m = rng.below(8);
  const n = rng.below(8);
  for (let k = 0; k < 4; k++) b.pokeValue(0, k * 8, 8, rng.u64());
  b.raw([...movdquLoad(x, 0), ...movqLoad(m, 16)]);
  if (y !== x) b.raw(movdquLoad(y, 8));
  b.raw([0xf3, ...rexRB(x, 0), 0x0f, 0xd6, modrm(3, x, m), ...movdquStore(x, 32)]);
  b.raw([0xf2, ...rexRB(0, y), 0x0f, 0xd6, modrm(3, n, y), ...movqStore(n, 48), ...EMMS]);
  b.label = 'movq2dq xmm,mm / movdq2q mm,xmm';
}

/** MASKMOVQ mm, mm to [rdi + 0..64]: random mask bytes, the unselected bytes must stay unchanged. */
function genMaskmovq(b: CaseBuilder): void {
  const rng = b.rng;
  const d = rng.below(8);
  const s = rng.chance(1, 8) ? d : rng.below(8);
  b.pokeValue(0, 96, 8, rng.u64());
  b.pokeValue(0, 104, 8, rng.chance(1, 8) ? 0n : rng.u64());
  const off = rng.below(65);
  b.setReg(7, DATA_BASE + BigInt(off));
  // Data at window offset 96, mask at 104 (disp8 in range, the 8 stored bytes end before 96).
  b.raw([...movqLoad(d, 96 - off), ...movqLoad(s, 104 - off), 0x0f, 0xf7, modrm(3, d, s), ...EMMS]);
  b.label = 'maskmovq mm,mm';
}

export function genMmx(b: CaseBuilder): void {
  const rng = b.rng;
  b.setReg(7, DATA_BASE);
  const d = rng.below(8);
  const s = rng.chance(1, 8) ? d : rng.below(8);
  // REX.R is ignored by MMX register operands: MM8-15 do not exist.
  const rex = rng.chance(1, 8) ? [0x44] : [];
  const kind = rng.below(24);
  if (kind < 14) {
    const [op, name, w] = rng.pick(BINARY);
    const isShift = /^ps[lr]/.test(name);
    b.pokeValue(0, 0, 8, laneValue(b, isShift ? rng.pick([16, 32, 64]) : w));
    b.pokeValue(0, 8, 8, isShift ? shiftCount(b) : laneValue(b, w));
    const fromMem = rng.chance(1, 3);
    b.raw(movqLoad(d, 0));
    if (fromMem) b.raw([...rex, 0x0f, op, 0x47 | (d << 3), 8]);
    else {
      if (s !== d) b.raw(movqLoad(s, 8));
      b.raw([...rex, 0x0f, op, 0xc0 | (d << 3) | s]);
    }
    b.raw([...movqStore(d, 16), ...EMMS]);
    b.label = `${name} mm,${fromMem ? 'm64' : 'mm'}`;
  } else if (kind < 16) {
    const [op, reg, name] = rng.pick(SHIFT_IMM);
    b.pokeValue(0, 0, 8, laneValue(b, rng.pick([16, 32, 64])));
    const count = rng.chance(3, 4) ? rng.below(70) : rng.below(256);
    b.raw([...movqLoad(d, 0), 0x0f, op, 0xc0 | (reg << 3) | d, count, ...movqStore(d, 16), ...EMMS]);
    b.label = `${name} mm,imm8`;
  } else if (kind === 16) {
    b.pokeValue(0, 0, 8, laneValue(b, 16));
    const imm = rng.below(256);
    b.raw([...movqLoad(s, 0), 0x0f, 0x70, 0xc0 | (d << 3) | s, imm, ...movqStore(d, 16), ...EMMS]);
    b.label = 'pshufw mm,mm,imm8';
  } else if (kind === 17) {
    // MOVD/MOVQ mm, r/m then back to a GPR: zero extension of the 32-bit form is visible.
    const w64 = rng.bool();
    b.setReg(0, rng.u64());
    b.setReg(1, rng.u64());
    b.raw([
      w64 ? 0x48 : 0x40,
      0x0f,
      0x6e,
      0xc0 | (d << 3),
      w64 ? 0x48 : 0x40,
      0x0f,
      0x7e,
      0xc1 | (d << 3),
      ...EMMS,
    ]);
    b.label = `mov${w64 ? 'q' : 'd'} mm,r / r,mm`;
  } else if (kind === 18) {
    b.pokeValue(0, 0, 8, laneValue(b, 8));
    b.setReg(0, rng.u64());
    b.raw([...movqLoad(s, 0), 0x0f, 0xd7, 0xc0 | s, ...EMMS]);
    b.label = 'pmovmskb r32,mm';
  } else if (kind === 20) genWordLanes(b, false);
  else if (kind === 21) genWordLanes(b, true);
  else if (kind === 22) genMovq2dq(b);
  else if (kind === 23) genMaskmovq(b);
  else {
    b.pokeValue(0, 0, 8, rng.u64());
    b.setReg(0, rng.u64());
    b.raw([
      0x0f,
      0x6e,
      0x07 | (d << 3),
      0x48,
      0x0f,
      0x7e,
      0xc0 | (d << 3),
      0x0f,
      0x7e,
      0x47 | (d << 3),
      24,
      ...EMMS,
    ]);
    b.label = 'movd mm,m32 / movq rax,mm / movd m32,mm';
  }
}
