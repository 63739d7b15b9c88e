/** BT BTS BTR BTC (reg/imm, register and memory, incl. register bit offsets reaching outside the operand),
 * BSF BSR TZCNT LZCNT POPCNT. */
import { CaseBuilder, edgeLow, mask, WINDOW, type Size } from '../case-builder';
import type { InstrSpec } from '../encoder';
import { AF, CF, OF, PF, SF } from '../flags';
import { newCtx, regIndex, regOperand, rmOperand, sizePrefix, SIZES_NO8 } from './common';

const BT_NAMES = ['bt', 'bts', 'btr', 'btc'] as const;

export function genBt(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES_NO8);
  const ctx = newCtx(rng, size);
  const op = rng.below(4);
  const byImm = rng.chance(1, 3);
  const memForm = rng.chance(1, 2);
  let spec: InstrSpec;
  if (byImm) {
    const dst = rmOperand(b, ctx, { forceMem: memForm, forceReg: !memForm });
    const bit = rng.chance(1, 2) ? rng.below(size) : rng.below(256);
    spec = {
      ...sizePrefix(size),
      opcode: [0x0f, 0xba],
      reg: 4 + op,
      rm: dst.op,
      imms: [{ size: 1, value: BigInt(bit) }],
    };
  } else if (!memForm) {
    const off = regOperand(b, ctx, 0, rng.chance(1, 2) ? BigInt(rng.below(size)) : edgeLow(rng, size));
    const dst = rmOperand(b, ctx, { forceReg: true });
    spec = { ...sizePrefix(size), opcode: [0x0f, 0xa3 + op * 8], reg: off, rm: dst.op };
  } else {
    // Register bit offset with a memory operand: the offset is signed and selects any operand-sized
    // unit around the effective address; keep the touched unit inside the window.
    const unit = size / 8;
    const ea = rng.range(0, WINDOW - unit);
    const target = rng.chance(1, 3) ? ea : rng.range(0, WINDOW - Math.max(unit, 4));
    let k = Math.floor((target - ea) / unit);
    while (ea + k * unit < 0) k++;
    while (ea + k * unit > WINDOW - Math.max(unit, 4)) k--;
    const offVal = BigInt(k) * BigInt(size) + BigInt(rng.below(size));
    const offReg = regOperand(b, ctx, 0, BigInt.asUintN(size, offVal));
    b.pokeValue(0, ea + k * unit, unit, edgeLow(rng, size));
    const m = b.mem(unit, { offset: ea, allowStack: false, avoid: 1 << regIndex(offReg) });
    spec = { ...sizePrefix(size), opcode: [0x0f, 0xa3 + op * 8], reg: offReg, rm: m.op };
  }
  spec.lock = op !== 0 && spec.rm?.kind === 'mem' && rng.chance(1, 4);
  b.emit(spec);
  b.label = `${BT_NAMES[op]} rm,${byImm ? 'imm8' : 'r'} ${size}${spec.rm?.kind === 'mem' ? ' mem' : ''}${spec.lock ? ' lock' : ''}`;
  b.undefFlags |= OF | SF | AF | PF;
}

export function genBitScan(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES_NO8);
  const ctx = newCtx(rng, size);
  const which = rng.below(5);
  const names = ['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt'] as const;
  const value = rng.chance(1, 5) ? 0n : edgeLow(rng, size);
  const dst = regOperand(b, ctx);
  const src = rmOperand(b, ctx, { value });
  const rep = which >= 2 ? (0xf3 as const) : undefined;
  const opc = [0xbc, 0xbd, 0xbc, 0xbd, 0xb8][which];
  const spec: InstrSpec = { ...sizePrefix(size), rep, opcode: [0x0f, opc], reg: dst, rm: src.op };
  b.emit(spec);
  b.label = `${names[which]} r,rm ${size}${src.op.kind === 'mem' ? ' mem' : ''}`;
  if (which <= 1) {
    b.undefFlags |= CF | OF | SF | AF | PF;
    // BSF/BSR with a zero source: the destination is undefined (SDM).
    if ((value & mask(size)) === 0n) b.undefRegs |= 1 << regIndex(dst);
  } else if (which <= 3) {
    b.undefFlags |= OF | SF | AF | PF;
  }
}
