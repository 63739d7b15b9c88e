/**
 * x87 opcode rows (D8-DF escape opcodes and 9B FWAIT) in the decoder's declarative format. ST(i)
 * is ModRM.rm & 7 (REX.B does not extend it).
 *
 * FBLD/FBSTP (packed BCD) are in x87/x87-bcd.ts. The transcendentals (F2XM1, FYL2X, FPTAN,
 * FPATAN, FYL2XP1, FSINCOS, FSIN, FCOS) are in x87/x87-trans.ts.
 */
import { MAP_1, type Handler, type OpcodeRow } from '../decoder/opcode-row';
import {
  fabs,
  farithReg,
  fchs,
  fprem,
  fprem1,
  frndint,
  fscale,
  fsqrt,
  fxtract,
  X87Op,
} from './x87/x87-arith';
import { fcom, ftst, fxam } from './x87/x87-cmp';
import { f2xm1, fcos, fpatan, fptan, fsin, fsincos, fyl2x, fyl2xp1 } from './x87/x87-trans';
import { fldcw, fnclex, fninit } from './x87/x87-env';
import { fdecstp, ffree, fincstp, fldConst, fldST, fstST, fxch } from './x87/x87-ldst';
import { pop } from './x87/x87-stack';
import type { FpuState } from './fpu-state';
import {
  arithMem,
  fcmovH,
  fcomiH,
  fldcwH,
  fldenvH,
  fldMem,
  fnstenvH,
  fnstswAxH,
  fnstWordH,
  fstMem,
  fwaitH,
  x87NoWait,
  x87Reg,
} from './exec/x87-handlers';

interface Sel {
  reg: number;
  mod: 'mem' | 'reg';
  rm?: number;
}

function x(op: number, sel: Sel, name: string, ops: string, exec: Handler): OpcodeRow {
  const r: OpcodeRow = { map: MAP_1, op, name, ops, exec, reg: sel.reg, mod: sel.mod };
  if (sel.rm !== undefined) r.rm = sel.rm;
  return r;
}
const m = (reg: number): Sel => ({ reg, mod: 'mem' });
const r = (reg: number, rm?: number): Sel => ({ reg, mod: 'reg', rm });

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
/** D8 register forms: ST(0) = ST(0) op ST(i). */
const D8_OPS = [X87Op.Add, X87Op.Mul, -1, -1, X87Op.Sub, X87Op.SubR, X87Op.Div, X87Op.DivR];
/** DC/DE register forms: ST(i) = ST(i) op ST(0) (/4 is FSUBR: ST(0) - ST(i), /5 FSUB: ST(i) - ST(0)). */
const DC_OPS = [X87Op.Add, X87Op.Mul, -1, -1, X87Op.SubR, X87Op.Sub, X87Op.DivR, X87Op.Div];
const DC_NAMES = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsubr', 'fsub', 'fdivr', 'fdiv'];

function arithRows(): OpcodeRow[] {
  const rows: OpcodeRow[] = [];
  for (let k = 0; k < 8; k++) {
    rows.push(x(0xd8, m(k), ARITH[k], 'Md', arithMem('f32')));
    rows.push(x(0xdc, m(k), ARITH[k], 'Mq', arithMem('f64')));
    rows.push(x(0xda, m(k), ARITH[k].replace(/^f/, 'fi'), 'Md', arithMem('i32')));
    rows.push(x(0xde, m(k), ARITH[k].replace(/^f/, 'fi'), 'Mw', arithMem('i16')));
    if (k === 2 || k === 3) {
      const pops = k - 2;
      rows.push(
        x(
          0xd8,
          r(k),
          ARITH[k],
          'ST0,STi',
          x87Reg((st, i) => fcom(st, i, false, pops)),
        ),
      );
      rows.push(
        x(
          0xdc,
          r(k),
          ARITH[k],
          'ST0,STi',
          x87Reg((st, i) => fcom(st, i, false, pops)),
        ),
      );
      if (k === 3) {
        rows.push(
          x(
            0xde,
            r(3, 1),
            'fcompp',
            '',
            x87Reg((st) => fcom(st, 1, false, 2)),
          ),
        );
      }
      continue;
    }
    const a = D8_OPS[k];
    const b = DC_OPS[k];
    rows.push(
      x(
        0xd8,
        r(k),
        ARITH[k],
        'ST0,STi',
        x87Reg((st, i) => farithReg(st, a, 0, i, false)),
      ),
    );
    rows.push(
      x(
        0xdc,
        r(k),
        DC_NAMES[k],
        'STi,ST0',
        x87Reg((st, i) => farithReg(st, b, i, 0, false)),
      ),
    );
    rows.push(
      x(
        0xde,
        r(k),
        `${DC_NAMES[k]}p`,
        'STi,ST0',
        x87Reg((st, i) => farithReg(st, b, i, 0, true)),
      ),
    );
  }
  return rows;
}

const unary = (fn: (st: FpuState) => void) => x87Reg((st) => fn(st));
const CONSTS = ['one', 'l2t', 'l2e', 'pi', 'lg2', 'ln2', 'zero'] as const;
const CONST_NAMES = ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'];
const FCMOV = ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'];
const FCMOV_CC = [2, 4, 6, 10];

function fcmovRows(): OpcodeRow[] {
  const rows: OpcodeRow[] = [];
  for (let k = 0; k < 4; k++) {
    rows.push(x(0xda, r(k), FCMOV[k], 'ST0,STi', fcmovH(FCMOV_CC[k])));
    rows.push(x(0xdb, r(k), FCMOV[k].replace('fcmov', 'fcmovn'), 'ST0,STi', fcmovH(FCMOV_CC[k] + 1)));
  }
  return rows;
}

export const X87_ROWS: OpcodeRow[] = [
  ...arithRows(),
  ...fcmovRows(),
  // D9
  x(0xd9, m(0), 'fld', 'Md', fldMem('f32')),
  x(0xd9, m(2), 'fst', 'Md', fstMem('f32', 'st')),
  x(0xd9, m(3), 'fstp', 'Md', fstMem('f32', 'stp')),
  x(0xd9, m(4), 'fldenv', 'M', fldenvH(false)),
  x(0xd9, m(5), 'fldcw', 'Mw', fldcwH(fldcw)),
  x(0xd9, m(6), 'fnstenv', 'M', fnstenvH(false)),
  x(0xd9, m(7), 'fnstcw', 'Mw', fnstWordH('cw')),
  x(0xd9, r(0), 'fld', 'STi', x87Reg(fldST)),
  x(0xd9, r(1), 'fxch', 'ST0,STi', x87Reg(fxch)),
  x(
    0xd9,
    r(2, 0),
    'fnop',
    '',
    x87Reg(() => undefined),
  ),
  x(0xd9, r(4, 0), 'fchs', '', unary(fchs)),
  x(0xd9, r(4, 1), 'fabs', '', unary(fabs)),
  x(0xd9, r(4, 4), 'ftst', '', unary(ftst)),
  x(0xd9, r(4, 5), 'fxam', '', unary(fxam)),
  ...CONSTS.map((k, n) =>
    x(
      0xd9,
      r(5, n),
      CONST_NAMES[n],
      '',
      unary((st) => fldConst(st, k)),
    ),
  ),
  x(0xd9, r(6, 0), 'f2xm1', '', unary(f2xm1)),
  x(0xd9, r(6, 1), 'fyl2x', '', unary(fyl2x)),
  x(0xd9, r(6, 2), 'fptan', '', unary(fptan)),
  x(0xd9, r(6, 3), 'fpatan', '', unary(fpatan)),
  x(0xd9, r(6, 4), 'fxtract', '', unary(fxtract)),
  x(0xd9, r(6, 5), 'fprem1', '', unary(fprem1)),
  x(0xd9, r(6, 6), 'fdecstp', '', unary(fdecstp)),
  x(0xd9, r(6, 7), 'fincstp', '', unary(fincstp)),
  x(0xd9, r(7, 0), 'fprem', '', unary(fprem)),
  x(0xd9, r(7, 1), 'fyl2xp1', '', unary(fyl2xp1)),
  x(0xd9, r(7, 2), 'fsqrt', '', unary(fsqrt)),
  x(0xd9, r(7, 3), 'fsincos', '', unary(fsincos)),
  x(0xd9, r(7, 4), 'frndint', '', unary(frndint)),
  x(0xd9, r(7, 5), 'fscale', '', unary(fscale)),
  x(0xd9, r(7, 6), 'fsin', '', unary(fsin)),
  x(0xd9, r(7, 7), 'fcos', '', unary(fcos)),
  // DA
  x(
    0xda,
    r(5, 1),
    'fucompp',
    '',
    x87Reg((st) => fcom(st, 1, true, 2)),
  ),
  // DB
  x(0xdb, m(0), 'fild', 'Md', fldMem('i32')),
  x(0xdb, m(1), 'fisttp', 'Md', fstMem('i32', 'ttp')),
  x(0xdb, m(2), 'fist', 'Md', fstMem('i32', 'st')),
  x(0xdb, m(3), 'fistp', 'Md', fstMem('i32', 'stp')),
  x(0xdb, m(5), 'fld', 'Mt', fldMem('f80')),
  x(0xdb, m(7), 'fstp', 'Mt', fstMem('f80', 'stp')),
  x(
    0xdb,
    r(4, 0),
    'fneni',
    '',
    x87NoWait(() => undefined),
  ),
  x(
    0xdb,
    r(4, 1),
    'fndisi',
    '',
    x87NoWait(() => undefined),
  ),
  x(0xdb, r(4, 2), 'fnclex', '', x87NoWait(fnclex)),
  x(0xdb, r(4, 3), 'fninit', '', x87NoWait(fninit)),
  x(
    0xdb,
    r(4, 4),
    'fnsetpm',
    '',
    x87NoWait(() => undefined),
  ),
  x(0xdb, r(5), 'fucomi', 'ST0,STi', fcomiH(true, false)),
  x(0xdb, r(6), 'fcomi', 'ST0,STi', fcomiH(false, false)),
  // DD
  x(0xdd, m(0), 'fld', 'Mq', fldMem('f64')),
  x(0xdd, m(1), 'fisttp', 'Mq', fstMem('i64', 'ttp')),
  x(0xdd, m(2), 'fst', 'Mq', fstMem('f64', 'st')),
  x(0xdd, m(3), 'fstp', 'Mq', fstMem('f64', 'stp')),
  x(0xdd, m(4), 'frstor', 'M', fldenvH(true)),
  x(0xdd, m(6), 'fnsave', 'M', fnstenvH(true)),
  x(0xdd, m(7), 'fnstsw', 'Mw', fnstWordH('sw')),
  x(0xdd, r(0), 'ffree', 'STi', x87Reg(ffree)),
  x(0xdd, r(1), 'fxch', 'ST0,STi', x87Reg(fxch)),
  x(
    0xdd,
    r(2),
    'fst',
    'STi',
    x87Reg((st, i) => fstST(st, i, false)),
  ),
  x(
    0xdd,
    r(3),
    'fstp',
    'STi',
    x87Reg((st, i) => fstST(st, i, true)),
  ),
  x(
    0xdd,
    r(4),
    'fucom',
    'ST0,STi',
    x87Reg((st, i) => fcom(st, i, true, 0)),
  ),
  x(
    0xdd,
    r(5),
    'fucomp',
    'ST0,STi',
    x87Reg((st, i) => fcom(st, i, true, 1)),
  ),
  // DE
  x(
    0xde,
    r(2),
    'fcomp',
    'ST0,STi',
    x87Reg((st, i) => fcom(st, i, false, 1)),
  ),
  // DF
  x(0xdf, m(0), 'fild', 'Mw', fldMem('i16')),
  x(0xdf, m(1), 'fisttp', 'Mw', fstMem('i16', 'ttp')),
  x(0xdf, m(2), 'fist', 'Mw', fstMem('i16', 'st')),
  x(0xdf, m(3), 'fistp', 'Mw', fstMem('i16', 'stp')),
  x(0xdf, m(4), 'fbld', 'Mt', fldMem('bcd')),
  x(0xdf, m(5), 'fild', 'Mq', fldMem('i64')),
  x(0xdf, m(6), 'fbstp', 'Mt', fstMem('bcd', 'stp')),
  x(0xdf, m(7), 'fistp', 'Mq', fstMem('i64', 'stp')),
  x(
    0xdf,
    r(0),
    'ffreep',
    'STi',
    x87Reg((st, i) => (ffree(st, i), pop(st))),
  ),
  x(0xdf, r(1), 'fxch', 'ST0,STi', x87Reg(fxch)),
  x(
    0xdf,
    r(2),
    'fstp',
    'STi',
    x87Reg((st, i) => fstST(st, i, true)),
  ),
  x(
    0xdf,
    r(3),
    'fstp',
    'STi',
    x87Reg((st, i) => fstST(st, i, true)),
  ),
  x(0xdf, r(4, 0), 'fnstsw', 'AX', fnstswAxH),
  x(0xdf, r(5), 'fucomip', 'ST0,STi', fcomiH(true, true)),
  x(0xdf, r(6), 'fcomip', 'ST0,STi', fcomiH(false, true)),
  // 9B
  { map: MAP_1, op: 0x9b, name: 'fwait', ops: '', exec: fwaitH },
];
