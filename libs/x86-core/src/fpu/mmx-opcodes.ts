/**
 * MMX opcode rows: the no-prefix forms of 0F 60-7F and 0F D1-FE on mm registers (P = ModRM.reg,
 * Q = mm/m64; mod = 3 rows take Q as a register), plus the MMX forms SSE/SSE2 added (PSHUFW, PMOVMSKB, PMINUB,
 * PAVGB, PMULHUW, PSADBW, PADDQ, PMULUDQ, ...), which CPUID.SSE/SSE2 imply. REX.R/REX.B do not select
 * MM8-15 (there are none): the handlers use the low three bits. The word-lane and MMX<->XMM forms
 * (PEXTRW/PINSRW in mm and 66-prefixed xmm forms, MOVQ2DQ, MOVDQ2Q, MASKMOVQ) are at the end.
 */
import { F_SSE, F_STRICT_PFX, MAP_0F, type Handler, type OpcodeRow } from '../decoder/opcode-row';
import type { FpuState } from './fpu-state';
import * as int from './sse/sse-int';
import {
  emmsH,
  mmxOp,
  mmxPack,
  mmxUnpackHigh,
  mmxShiftImm,
  movdFromMmH,
  movdToMmH,
  movqLoadH,
  movqStoreH,
  pmovmskbH,
  pshufwH,
} from './mmx/mmx-handlers';
import {
  maskmovqH,
  movdq2qH,
  movq2dqH,
  pextrwMmH,
  pextrwXmmH,
  pinsrwMmH,
  pinsrwXmmH,
} from './mmx/word-lane-handlers';

function row(
  op: number,
  name: OpcodeRow['name'],
  ops: string,
  exec: Handler,
  more: Partial<OpcodeRow> = {},
): OpcodeRow {
  return { map: MAP_0F, op, name, ops, exec, f: F_STRICT_PFX, ...more };
}

type Op2 = (st: FpuState, d: number, s: number) => void;
const mm = (op: number, name: string, fn: Op2): OpcodeRow => row(op, name, 'Pq,Qq', mmxOp(fn));
/** PUNPCKL* mm, mm/m32: the memory form reads only the low dword it uses. */
const unpackLow = (op: number, name: string, fn: Op2): OpcodeRow => row(op, name, 'Pq,Qd', mmxOp(fn, 4));
const unpackHigh = (op: number, name: string, fn: Op2): OpcodeRow =>
  row(op, name, 'Pq,Qq', mmxUnpackHigh(fn));
const pack = (op: number, name: string, fn: Op2): OpcodeRow => row(op, name, 'Pq,Qq', mmxPack(fn));
const shiftImm = (op: number, reg: number, name: string, fn: (st: FpuState, d: number, n: number) => void) =>
  row(op, name, 'Qq,Ib', mmxShiftImm(fn), { reg, mod: 'reg' });

export const MMX_ROWS: OpcodeRow[] = [
  // ---- moves
  row(0x6e, (i) => (i.os === 8 ? 'movq' : 'movd'), 'Pq,Ey', movdToMmH),
  row(0x7e, (i) => (i.os === 8 ? 'movq' : 'movd'), 'Ey,Pq', movdFromMmH),
  row(0x6f, 'movq', 'Pq,Qq', movqLoadH),
  row(0x7f, 'movq', 'Qq,Pq', movqStoreH),
  row(0xe7, 'movntq', 'Mq,Pq', movqStoreH, { mod: 'mem' }),
  row(0x77, 'emms', '', emmsH),
  // ---- unpack / pack
  unpackLow(0x60, 'punpcklbw', int.punpcklbw),
  unpackLow(0x61, 'punpcklwd', int.punpcklwd),
  unpackLow(0x62, 'punpckldq', int.punpckldq),
  pack(0x63, 'packsswb', int.packsswb),
  pack(0x67, 'packuswb', int.packuswb),
  unpackHigh(0x68, 'punpckhbw', int.punpcklbw),
  unpackHigh(0x69, 'punpckhwd', int.punpcklwd),
  unpackHigh(0x6a, 'punpckhdq', int.punpckldq),
  pack(0x6b, 'packssdw', int.packssdw),
  // ---- compare
  mm(0x64, 'pcmpgtb', int.pcmpgtb),
  mm(0x65, 'pcmpgtw', int.pcmpgtw),
  mm(0x66, 'pcmpgtd', int.pcmpgtd),
  mm(0x74, 'pcmpeqb', int.pcmpeqb),
  mm(0x75, 'pcmpeqw', int.pcmpeqw),
  mm(0x76, 'pcmpeqd', int.pcmpeqd),
  // ---- shifts
  row(0x70, 'pshufw', 'Pq,Qq,Ib', pshufwH),
  shiftImm(0x71, 2, 'psrlw', int.psrlwImm),
  shiftImm(0x71, 4, 'psraw', int.psrawImm),
  shiftImm(0x71, 6, 'psllw', int.psllwImm),
  shiftImm(0x72, 2, 'psrld', int.psrldImm),
  shiftImm(0x72, 4, 'psrad', int.psradImm),
  shiftImm(0x72, 6, 'pslld', int.pslldImm),
  shiftImm(0x73, 2, 'psrlq', int.psrlqImm),
  shiftImm(0x73, 6, 'psllq', int.psllqImm),
  mm(0xd1, 'psrlw', int.psrlw),
  mm(0xd2, 'psrld', int.psrld),
  mm(0xd3, 'psrlq', int.psrlq),
  mm(0xe1, 'psraw', int.psraw),
  mm(0xe2, 'psrad', int.psrad),
  mm(0xf1, 'psllw', int.psllw),
  mm(0xf2, 'pslld', int.pslld),
  mm(0xf3, 'psllq', int.psllq),
  // ---- arithmetic and logic
  mm(0xd4, 'paddq', int.paddq),
  mm(0xd5, 'pmullw', int.pmullw),
  row(0xd7, 'pmovmskb', 'Gy,Qq', pmovmskbH, { mod: 'reg' }),
  mm(0xd8, 'psubusb', int.psubusb),
  mm(0xd9, 'psubusw', int.psubusw),
  mm(0xda, 'pminub', int.pminub),
  mm(0xdb, 'pand', int.pand),
  mm(0xdc, 'paddusb', int.paddusb),
  mm(0xdd, 'paddusw', int.paddusw),
  mm(0xde, 'pmaxub', int.pmaxub),
  mm(0xdf, 'pandn', int.pandn),
  mm(0xe0, 'pavgb', int.pavgb),
  mm(0xe3, 'pavgw', int.pavgw),
  mm(0xe4, 'pmulhuw', int.pmulhuw),
  mm(0xe5, 'pmulhw', int.pmulhw),
  mm(0xe8, 'psubsb', int.psubsb),
  mm(0xe9, 'psubsw', int.psubsw),
  mm(0xea, 'pminsw', int.pminsw),
  mm(0xeb, 'por', int.por),
  mm(0xec, 'paddsb', int.paddsb),
  mm(0xed, 'paddsw', int.paddsw),
  mm(0xee, 'pmaxsw', int.pmaxsw),
  mm(0xef, 'pxor', int.pxor),
  mm(0xf4, 'pmuludq', int.pmuludq),
  mm(0xf5, 'pmaddwd', int.pmaddwd),
  mm(0xf6, 'psadbw', int.psadbw),
  mm(0xf8, 'psubb', int.psubb),
  mm(0xf9, 'psubw', int.psubw),
  mm(0xfa, 'psubd', int.psubd),
  mm(0xfb, 'psubq', int.psubq),
  mm(0xfc, 'paddb', int.paddb),
  mm(0xfd, 'paddw', int.paddw),
  mm(0xfe, 'paddd', int.paddd),
  // ---- word lanes and MMX <-> XMM (SSE/SSE2)
  row(0xc5, 'pextrw', 'Gy,Qq,Ib', pextrwMmH, { mod: 'reg' }),
  row(0xc4, 'pinsrw', 'Pq,Eyw,Ib', pinsrwMmH),
  row(0xc5, 'pextrw', 'Gy,Wx,Ib', pextrwXmmH, { mod: 'reg', pfx: 0x66, f: F_STRICT_PFX | F_SSE }),
  row(0xc4, 'pinsrw', 'Vx,Eyw,Ib', pinsrwXmmH, { pfx: 0x66, f: F_STRICT_PFX | F_SSE }),
  row(0xd6, 'movq2dq', 'Vx,Qq', movq2dqH, { mod: 'reg', pfx: 0xf3 }),
  row(0xd6, 'movdq2q', 'Pq,Wx', movdq2qH, { mod: 'reg', pfx: 0xf2 }),
  row(0xf7, 'maskmovq', 'Yq,Pq,Qq', maskmovqH, { mod: 'reg' }),
];
