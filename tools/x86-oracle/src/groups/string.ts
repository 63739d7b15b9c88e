/** MOVS STOS LODS CMPS SCAS in all sizes, with and without REP/REPE/REPNE, DF=0 and DF=1, 0x67. */
import { CaseBuilder, DATA_BASE, edgeLow, M64, mask, WINDOW, type Size } from '../case-builder';
import { DF } from '../flags';
import { sizePrefix, SIZES } from './common';

const OPS = [
  { name: 'movs', opc: 0xa4, src: true, dst: true },
  { name: 'cmps', opc: 0xa6, src: true, dst: true },
  { name: 'stos', opc: 0xaa, src: false, dst: true },
  { name: 'lods', opc: 0xac, src: true, dst: false },
  { name: 'scas', opc: 0xae, src: false, dst: true },
] as const;

export function genString(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.pick(OPS);
  const size: Size = rng.pick(SIZES);
  const unit = size / 8;
  const compare = op.name === 'cmps' || op.name === 'scas';
  const repKind = rng.below(compare ? 3 : 2); // 0 none, 1 F3, 2 F2 (compare only)
  const down = rng.bool();
  b.rflags = down ? b.rflags | BigInt(DF) : b.rflags & ~BigInt(DF);
  const addr32 = rng.chance(1, 8);
  // Element count: mostly small; sometimes enough to run off the window (#PF mid-way).
  let count =
    repKind === 0 ? 1 : rng.pick([0, 1, 2, 3, rng.range(4, 40), rng.range(4, 40), rng.range(40, 300)]);
  const maxElems = Math.floor(WINDOW / unit);
  const overrun = repKind !== 0 && rng.chance(1, 16);
  const place = (): number => {
    // Offset of the first element so that `count` elements stay inside the window (or overrun on purpose).
    const span = Math.min(count, maxElems) * unit;
    if (overrun) return down ? rng.range(0, 64) : WINDOW - unit - rng.range(0, 64) * unit;
    return down
      ? rng.range(Math.max(0, span - unit), WINDOW - unit)
      : rng.range(0, Math.max(0, WINDOW - span));
  };
  if (overrun) count = rng.range(80, 4000);
  const srcOff = place();
  const dstOff = place();
  const addrVal = (off: number): bigint => {
    const a = DATA_BASE + BigInt(off);
    return addr32 ? (rng.u64() & ~0xffffffffn) | a : a;
  };
  if (op.src) b.setReg(6, addrVal(srcOff));
  if (op.dst) b.setReg(7, addrVal(dstOff));
  const countVal = BigInt(count);
  if (repKind !== 0) b.setReg(1, addr32 ? (rng.u64() & ~0xffffffffn) | countVal : countVal);
  // With a 32-bit count and ECX = 0 no iteration writes ECX: Intel leaves RCX[63:32] alone, while some AMD
  // hosts (seen on a CI run's EPYC, not on another) clear it. The CPUs disagree, so RCX is not compared there.
  if (repKind !== 0 && addr32 && count === 0) b.undefRegs |= 1 << 1;
  if (op.name !== 'movs' && op.name !== 'cmps') b.setReg(0, (b.gpr[0] & ~mask(size)) | edgeLow(rng, size));
  if (compare && repKind !== 0) {
    // Make runs of equal elements so REPE/REPNE stop at interesting places.
    const n = Math.min(count, 48);
    const step = down ? -unit : unit;
    const firstDiff = rng.below(n + 1);
    const acc = b.gpr[0] & mask(size);
    for (let i = 0; i < n; i++) {
      const dOff = dstOff + i * step;
      if (dOff < 0 || dOff + unit > WINDOW) break;
      const equal = repKind === 1 ? i < firstDiff : i >= firstDiff && rng.chance(1, 2);
      if (op.name === 'scas') {
        b.pokeValue(0, dOff, unit, equal ? acc : (acc ^ (1n << BigInt(rng.below(size)))) & M64);
      } else {
        const sOff = srcOff + i * step;
        if (sOff < 0 || sOff + unit > WINDOW) break;
        const v = edgeLow(rng, size);
        b.pokeValue(0, sOff, unit, v);
        b.pokeValue(0, dOff, unit, equal ? v : v ^ (1n << BigInt(rng.below(size))));
      }
    }
  }
  const prefixes = [...(repKind === 1 ? [0xf3] : repKind === 2 ? [0xf2] : []), ...(addr32 ? [0x67] : [])];
  const sp = sizePrefix(size);
  if (sp.opsize16) prefixes.push(0x66);
  b.raw([...prefixes, ...(sp.rexW ? [0x48] : []), op.opc + (size === 8 ? 0 : 1)]);
  const rep = repKind === 0 ? '' : compare ? (repKind === 1 ? 'repe ' : 'repne ') : 'rep ';
  b.label = `${rep}${op.name} ${size}${down ? ' std' : ''}${addr32 ? ' a32' : ''}`;
}
