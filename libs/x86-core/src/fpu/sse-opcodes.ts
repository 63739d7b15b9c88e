/**
 * SSE/SSE2 opcode rows (legacy 0F map, XMM forms) in the decoder's declarative format
 * (decoder/opcode-row.ts). The MMX (no-prefix 0F 6x/Dx-Fx) forms are in mmx-opcodes.ts. SSE3+ and
 * VEX encodings are not rows: they decode as #UD, so CPUID must not report SSSE3/SSE4/AVX/XSAVE
 * (glibc then takes its SSE2 paths).
 *
 * Memory operand sizes: 16 for packed forms (16-byte alignment required unless an unaligned move),
 * 4/8 for scalar forms and 64-bit halves.
 */
import { F_SSE, F_STRICT_PFX, MAP_0F, type Handler, type OpcodeRow } from '../decoder/opcode-row';
import type { FpuState } from './fpu-state';
import * as cvt from './sse/sse-cvt';
import * as fp from './sse/sse-fp';
import * as int from './sse/sse-int';
import * as mv from './sse/sse-move';
import {
  clflushH,
  comi,
  cvtFromInt,
  cvtToInt,
  fxrstorH,
  fxsaveH,
  ldmxcsrH,
  load,
  maskmovdquH,
  maskToGpr,
  movdFromX,
  movdToX,
  movntiH,
  nopH,
  shiftImm,
  stmxcsrH,
  store,
  storeHighQ,
  xmmFp,
  xmmFpImm,
  xmmOp,
  xmmOpImm,
} from './exec/sse-handlers';

type Pfx = 0 | 0x66 | 0xf3 | 0xf2;

function row(
  pfx: Pfx,
  op: number,
  name: OpcodeRow['name'],
  ops: string,
  exec: Handler,
  more: Partial<OpcodeRow> = {},
): OpcodeRow {
  const r: OpcodeRow = {
    map: MAP_0F,
    op,
    name,
    ops,
    exec,
    f: F_STRICT_PFX | (pfx === 0x66 ? F_SSE : 0),
    ...more,
  };
  if (pfx !== 0) r.pfx = pfx;
  return r;
}

type FpFn = (st: FpuState, d: number, s: number) => number;
type Fp4Fns = [FpFn, FpFn, FpFn, FpFn];

/** The four FP variants of an arithmetic opcode: ps, pd (16 bytes), ss (4), sd (8). */
function fp4(op: number, name: string, ps: Fp4Fns): OpcodeRow[] {
  return [
    row(0, op, `${name}ps`, 'Vx,Wx', xmmFp(ps[0])),
    row(0x66, op, `${name}pd`, 'Vx,Wx', xmmFp(ps[1])),
    row(0xf3, op, `${name}ss`, 'Vx,Wd', xmmFp(ps[2], 4, false)),
    row(0xf2, op, `${name}sd`, 'Vx,Wq', xmmFp(ps[3], 8, false)),
  ];
}

const CMP_PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
/** CMPxx disassembles as its pseudo-op (cmpltps, ...) for predicates 0-7, as iced-x86 does. */
const cmpName =
  (suffix: string): OpcodeRow['name'] =>
  (i) =>
    (i.immLo & 0xff) < 8 ? `cmp${CMP_PRED[i.immLo & 7]}${suffix}` : `cmp${suffix}`;

/** 66 0F xx integer ops on Vx,Wx. */
const i66 = (op: number, name: string, fn: (st: FpuState, d: number, s: number) => void) =>
  row(0x66, op, name, 'Vx,Wx', xmmOp(fn));

export const SSE_ROWS: OpcodeRow[] = [
  // ---- moves
  row(0, 0x10, 'movups', 'Vx,Wx', load(16, false, mv.mov128, mv.mov128)),
  row(0x66, 0x10, 'movupd', 'Vx,Wx', load(16, false, mv.mov128, mv.mov128)),
  row(0xf3, 0x10, 'movss', 'Vx,Wd', load(4, false, mv.movssReg, mv.mov128)),
  row(0xf2, 0x10, 'movsd', 'Vx,Wq', load(8, false, mv.movsdReg, mv.mov128)),
  row(0, 0x11, 'movups', 'Wx,Vx', store(16, false, mv.mov128)),
  row(0x66, 0x11, 'movupd', 'Wx,Vx', store(16, false, mv.mov128)),
  row(0xf3, 0x11, 'movss', 'Wd,Vx', store(4, false, mv.movssReg)),
  row(0xf2, 0x11, 'movsd', 'Wq,Vx', store(8, false, mv.movsdReg)),
  row(0, 0x12, 'movlps', 'Vx,Mq', load(8, false, mv.movlpsLoad, mv.movlpsLoad), { mod: 'mem' }),
  row(0, 0x12, 'movhlps', 'Vx,Wx', xmmOp(mv.movhlps), { mod: 'reg' }),
  row(0x66, 0x12, 'movlpd', 'Vx,Mq', load(8, false, mv.movlpsLoad, mv.movlpsLoad), { mod: 'mem' }),
  row(0, 0x13, 'movlps', 'Mq,Vx', store(8, false, null), { mod: 'mem' }),
  row(0x66, 0x13, 'movlpd', 'Mq,Vx', store(8, false, null), { mod: 'mem' }),
  row(0, 0x16, 'movhps', 'Vx,Mq', load(8, false, mv.movhpsLoad, mv.movhpsLoad), { mod: 'mem' }),
  row(0, 0x16, 'movlhps', 'Vx,Wx', xmmOp(mv.movlhps), { mod: 'reg' }),
  row(0x66, 0x16, 'movhpd', 'Vx,Mq', load(8, false, mv.movhpsLoad, mv.movhpsLoad), { mod: 'mem' }),
  row(0, 0x17, 'movhps', 'Mq,Vx', storeHighQ, { mod: 'mem' }),
  row(0x66, 0x17, 'movhpd', 'Mq,Vx', storeHighQ, { mod: 'mem' }),
  row(0, 0x28, 'movaps', 'Vx,Wx', load(16, true, mv.mov128, mv.mov128)),
  row(0x66, 0x28, 'movapd', 'Vx,Wx', load(16, true, mv.mov128, mv.mov128)),
  row(0, 0x29, 'movaps', 'Wx,Vx', store(16, true, mv.mov128)),
  row(0x66, 0x29, 'movapd', 'Wx,Vx', store(16, true, mv.mov128)),
  row(0, 0x2b, 'movntps', 'Mx,Vx', store(16, true, null), { mod: 'mem' }),
  row(0x66, 0x2b, 'movntpd', 'Mx,Vx', store(16, true, null), { mod: 'mem' }),
  row(0x66, 0x6e, (i) => (i.os === 8 ? 'movq' : 'movd'), 'Vx,Ey', movdToX),
  row(0x66, 0x6f, 'movdqa', 'Vx,Wx', load(16, true, mv.mov128, mv.mov128)),
  row(0xf3, 0x6f, 'movdqu', 'Vx,Wx', load(16, false, mv.mov128, mv.mov128)),
  row(0x66, 0x7e, (i) => (i.os === 8 ? 'movq' : 'movd'), 'Ey,Vx', movdFromX),
  row(0xf3, 0x7e, 'movq', 'Vx,Wq', load(8, false, mv.movqZext, mv.mov128)),
  row(0x66, 0x7f, 'movdqa', 'Wx,Vx', store(16, true, mv.mov128)),
  row(0xf3, 0x7f, 'movdqu', 'Wx,Vx', store(16, false, mv.mov128)),
  row(0x66, 0xd6, 'movq', 'Wq,Vx', store(8, false, mv.movqZext)),
  row(0x66, 0xe7, 'movntdq', 'Mx,Vx', store(16, true, null), { mod: 'mem' }),
  row(0x66, 0xf7, 'maskmovdqu', 'Yx,Vx,Wx', maskmovdquH, { mod: 'reg' }),
  row(0, 0xc3, 'movnti', 'My,Gy', movntiH, { mod: 'mem', f: F_STRICT_PFX }),
  row(0, 0x50, 'movmskps', 'Gy,Wx', maskToGpr(int.movmskps), { mod: 'reg' }),
  row(0x66, 0x50, 'movmskpd', 'Gy,Wx', maskToGpr(int.movmskpd), { mod: 'reg' }),
  row(0x66, 0xd7, 'pmovmskb', 'Gy,Wx', maskToGpr(int.pmovmskb), { mod: 'reg' }),

  // ---- FP logic / shuffles
  row(0, 0x54, 'andps', 'Vx,Wx', xmmOp(mv.andps)),
  row(0x66, 0x54, 'andpd', 'Vx,Wx', xmmOp(mv.andps)),
  row(0, 0x55, 'andnps', 'Vx,Wx', xmmOp(mv.andnps)),
  row(0x66, 0x55, 'andnpd', 'Vx,Wx', xmmOp(mv.andnps)),
  row(0, 0x56, 'orps', 'Vx,Wx', xmmOp(mv.orps)),
  row(0x66, 0x56, 'orpd', 'Vx,Wx', xmmOp(mv.orps)),
  row(0, 0x57, 'xorps', 'Vx,Wx', xmmOp(mv.xorps)),
  row(0x66, 0x57, 'xorpd', 'Vx,Wx', xmmOp(mv.xorps)),
  row(0, 0x14, 'unpcklps', 'Vx,Wx', xmmOp(mv.unpcklps)),
  row(0x66, 0x14, 'unpcklpd', 'Vx,Wx', xmmOp(mv.unpcklpd)),
  row(0, 0x15, 'unpckhps', 'Vx,Wx', xmmOp(mv.unpckhps)),
  row(0x66, 0x15, 'unpckhpd', 'Vx,Wx', xmmOp(mv.unpckhpd)),
  row(0, 0xc6, 'shufps', 'Vx,Wx,Ib', xmmOpImm(mv.shufps)),
  row(0x66, 0xc6, 'shufpd', 'Vx,Wx,Ib', xmmOpImm(mv.shufpd)),

  // ---- FP arithmetic
  ...fp4(0x58, 'add', [fp.addps, fp.addpd, fp.addss, fp.addsd]),
  ...fp4(0x59, 'mul', [fp.mulps, fp.mulpd, fp.mulss, fp.mulsd]),
  ...fp4(0x5c, 'sub', [fp.subps, fp.subpd, fp.subss, fp.subsd]),
  ...fp4(0x5d, 'min', [fp.minps, fp.minpd, fp.minss, fp.minsd]),
  ...fp4(0x5e, 'div', [fp.divps, fp.divpd, fp.divss, fp.divsd]),
  ...fp4(0x5f, 'max', [fp.maxps, fp.maxpd, fp.maxss, fp.maxsd]),
  ...fp4(0x51, 'sqrt', [fp.sqrtps, fp.sqrtpd, fp.sqrtss, fp.sqrtsd]),
  row(0, 0xc2, cmpName('ps'), 'Vx,Wx,Ib', xmmFpImm(fp.cmpps)),
  row(0x66, 0xc2, cmpName('pd'), 'Vx,Wx,Ib', xmmFpImm(fp.cmppd)),
  row(0xf3, 0xc2, cmpName('ss'), 'Vx,Wd,Ib', xmmFpImm(fp.cmpss, 4)),
  row(0xf2, 0xc2, cmpName('sd'), 'Vx,Wq,Ib', xmmFpImm(fp.cmpsd, 8)),
  row(0, 0x2e, 'ucomiss', 'Vx,Wd', comi(fp.ucomiss, 4)),
  row(0x66, 0x2e, 'ucomisd', 'Vx,Wq', comi(fp.ucomisd, 8)),
  row(0, 0x2f, 'comiss', 'Vx,Wd', comi(fp.comiss, 4)),
  row(0x66, 0x2f, 'comisd', 'Vx,Wq', comi(fp.comisd, 8)),

  // ---- conversions
  row(0xf3, 0x2a, 'cvtsi2ss', 'Vx,Ey', cvtFromInt(cvt.cvtsi2ss)),
  row(0xf2, 0x2a, 'cvtsi2sd', 'Vx,Ey', cvtFromInt(cvt.cvtsi2sd)),
  row(0xf3, 0x2c, 'cvttss2si', 'Gy,Wd', cvtToInt(cvt.cvtss2si, 4, true)),
  row(0xf2, 0x2c, 'cvttsd2si', 'Gy,Wq', cvtToInt(cvt.cvtsd2si, 8, true)),
  row(0xf3, 0x2d, 'cvtss2si', 'Gy,Wd', cvtToInt(cvt.cvtss2si, 4, false)),
  row(0xf2, 0x2d, 'cvtsd2si', 'Gy,Wq', cvtToInt(cvt.cvtsd2si, 8, false)),
  row(0, 0x5a, 'cvtps2pd', 'Vx,Wq', xmmFp(cvt.cvtps2pd, 8, false)),
  row(0x66, 0x5a, 'cvtpd2ps', 'Vx,Wx', xmmFp(cvt.cvtpd2ps)),
  row(0xf3, 0x5a, 'cvtss2sd', 'Vx,Wd', xmmFp(cvt.cvtss2sd, 4, false)),
  row(0xf2, 0x5a, 'cvtsd2ss', 'Vx,Wq', xmmFp(cvt.cvtsd2ss, 8, false)),
  row(0, 0x5b, 'cvtdq2ps', 'Vx,Wx', xmmFp(cvt.cvtdq2ps)),
  row(0x66, 0x5b, 'cvtps2dq', 'Vx,Wx', xmmFp(cvt.cvtps2dq)),
  row(0xf3, 0x5b, 'cvttps2dq', 'Vx,Wx', xmmFp(cvt.cvttps2dq)),
  row(0x66, 0xe6, 'cvttpd2dq', 'Vx,Wx', xmmFp(cvt.cvttpd2dq)),
  row(0xf2, 0xe6, 'cvtpd2dq', 'Vx,Wx', xmmFp(cvt.cvtpd2dq)),
  row(0xf3, 0xe6, 'cvtdq2pd', 'Vx,Wq', xmmFp(cvt.cvtdq2pd, 8, false)),

  // ---- packed integer
  i66(0x60, 'punpcklbw', int.punpcklbw),
  i66(0x61, 'punpcklwd', int.punpcklwd),
  i66(0x62, 'punpckldq', int.punpckldq),
  i66(0x63, 'packsswb', int.packsswb),
  i66(0x64, 'pcmpgtb', int.pcmpgtb),
  i66(0x65, 'pcmpgtw', int.pcmpgtw),
  i66(0x66, 'pcmpgtd', int.pcmpgtd),
  i66(0x67, 'packuswb', int.packuswb),
  i66(0x68, 'punpckhbw', int.punpckhbw),
  i66(0x69, 'punpckhwd', int.punpckhwd),
  i66(0x6a, 'punpckhdq', int.punpckhdq),
  i66(0x6b, 'packssdw', int.packssdw),
  i66(0x6c, 'punpcklqdq', int.punpcklqdq),
  i66(0x6d, 'punpckhqdq', int.punpckhqdq),
  row(0x66, 0x70, 'pshufd', 'Vx,Wx,Ib', xmmOpImm(int.pshufd)),
  row(0xf3, 0x70, 'pshufhw', 'Vx,Wx,Ib', xmmOpImm(int.pshufhw)),
  row(0xf2, 0x70, 'pshuflw', 'Vx,Wx,Ib', xmmOpImm(int.pshuflw)),
  row(0x66, 0x71, 'psrlw', 'Wx,Ib', shiftImm(int.psrlwImm), { reg: 2, mod: 'reg' }),
  row(0x66, 0x71, 'psraw', 'Wx,Ib', shiftImm(int.psrawImm), { reg: 4, mod: 'reg' }),
  row(0x66, 0x71, 'psllw', 'Wx,Ib', shiftImm(int.psllwImm), { reg: 6, mod: 'reg' }),
  row(0x66, 0x72, 'psrld', 'Wx,Ib', shiftImm(int.psrldImm), { reg: 2, mod: 'reg' }),
  row(0x66, 0x72, 'psrad', 'Wx,Ib', shiftImm(int.psradImm), { reg: 4, mod: 'reg' }),
  row(0x66, 0x72, 'pslld', 'Wx,Ib', shiftImm(int.pslldImm), { reg: 6, mod: 'reg' }),
  row(0x66, 0x73, 'psrlq', 'Wx,Ib', shiftImm(int.psrlqImm), { reg: 2, mod: 'reg' }),
  row(0x66, 0x73, 'psrldq', 'Wx,Ib', shiftImm(int.psrldq), { reg: 3, mod: 'reg' }),
  row(0x66, 0x73, 'psllq', 'Wx,Ib', shiftImm(int.psllqImm), { reg: 6, mod: 'reg' }),
  row(0x66, 0x73, 'pslldq', 'Wx,Ib', shiftImm(int.pslldq), { reg: 7, mod: 'reg' }),
  i66(0x74, 'pcmpeqb', int.pcmpeqb),
  i66(0x75, 'pcmpeqw', int.pcmpeqw),
  i66(0x76, 'pcmpeqd', int.pcmpeqd),
  i66(0xd1, 'psrlw', int.psrlw),
  i66(0xd2, 'psrld', int.psrld),
  i66(0xd3, 'psrlq', int.psrlq),
  i66(0xd4, 'paddq', int.paddq),
  i66(0xd5, 'pmullw', int.pmullw),
  i66(0xd8, 'psubusb', int.psubusb),
  i66(0xd9, 'psubusw', int.psubusw),
  i66(0xda, 'pminub', int.pminub),
  i66(0xdb, 'pand', int.pand),
  i66(0xdc, 'paddusb', int.paddusb),
  i66(0xdd, 'paddusw', int.paddusw),
  i66(0xde, 'pmaxub', int.pmaxub),
  i66(0xdf, 'pandn', int.pandn),
  i66(0xe0, 'pavgb', int.pavgb),
  i66(0xe1, 'psraw', int.psraw),
  i66(0xe2, 'psrad', int.psrad),
  i66(0xe3, 'pavgw', int.pavgw),
  i66(0xe4, 'pmulhuw', int.pmulhuw),
  i66(0xe5, 'pmulhw', int.pmulhw),
  i66(0xe8, 'psubsb', int.psubsb),
  i66(0xe9, 'psubsw', int.psubsw),
  i66(0xea, 'pminsw', int.pminsw),
  i66(0xeb, 'por', int.por),
  i66(0xec, 'paddsb', int.paddsb),
  i66(0xed, 'paddsw', int.paddsw),
  i66(0xee, 'pmaxsw', int.pmaxsw),
  i66(0xef, 'pxor', int.pxor),
  i66(0xf1, 'psllw', int.psllw),
  i66(0xf2, 'pslld', int.pslld),
  i66(0xf3, 'psllq', int.psllq),
  i66(0xf4, 'pmuludq', int.pmuludq),
  i66(0xf5, 'pmaddwd', int.pmaddwd),
  i66(0xf6, 'psadbw', int.psadbw),
  i66(0xf8, 'psubb', int.psubb),
  i66(0xf9, 'psubw', int.psubw),
  i66(0xfa, 'psubd', int.psubd),
  i66(0xfb, 'psubq', int.psubq),
  i66(0xfc, 'paddb', int.paddb),
  i66(0xfd, 'paddw', int.paddw),
  i66(0xfe, 'paddd', int.paddd),

  // ---- state, fences, cache control (0F AE group)
  row(0, 0xae, (i) => ((i.rex & 8) !== 0 ? 'fxsave64' : 'fxsave'), 'M', fxsaveH, { reg: 0, mod: 'mem' }),
  row(0, 0xae, (i) => ((i.rex & 8) !== 0 ? 'fxrstor64' : 'fxrstor'), 'M', fxrstorH, { reg: 1, mod: 'mem' }),
  row(0, 0xae, 'ldmxcsr', 'Md', ldmxcsrH, { reg: 2, mod: 'mem' }),
  row(0, 0xae, 'stmxcsr', 'Md', stmxcsrH, { reg: 3, mod: 'mem' }),
  row(0, 0xae, 'lfence', '', nopH, { reg: 5, mod: 'reg' }),
  row(0, 0xae, 'mfence', '', nopH, { reg: 6, mod: 'reg' }),
  row(0, 0xae, 'sfence', '', nopH, { reg: 7, mod: 'reg' }),
  row(0, 0xae, 'clflush', 'Mb', clflushH, { reg: 7, mod: 'mem' }),
];

/**
 * PREFETCHh (0F 18 /0-3) and PREFETCHW (0F 0D /1). Kept apart because the integer table may already
 * treat 0F 18-1F as hint NOPs; merge these only if it does not.
 */
export const SSE_HINT_ROWS: OpcodeRow[] = [
  row(0, 0x18, 'prefetchnta', 'Mb', nopH, { reg: 0, mod: 'mem', f: 0 }),
  row(0, 0x18, 'prefetcht0', 'Mb', nopH, { reg: 1, mod: 'mem', f: 0 }),
  row(0, 0x18, 'prefetcht1', 'Mb', nopH, { reg: 2, mod: 'mem', f: 0 }),
  row(0, 0x18, 'prefetcht2', 'Mb', nopH, { reg: 3, mod: 'mem', f: 0 }),
  row(0, 0x0d, 'prefetchw', 'Mb', nopH, { reg: 1, mod: 'mem', f: 0 }),
];
