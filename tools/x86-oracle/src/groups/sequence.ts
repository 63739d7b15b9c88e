/**
 * Random multi-instruction sequences (5-20 instructions). Registers hold dynamic values, so every memory
 * operand is RIP-relative, absolute, or based on one register that no instruction writes; the undefined
 * flags are tracked statically along every path (forward Jcc skips, LOOP blocks) and no instruction may
 * read a flag that might be undefined. Instructions whose results can be undefined for some values
 * (BSF/BSR, SHLD/SHRD r16 by CL) are not used here; they are covered by the single-instruction groups.
 */
import { CaseBuilder, DATA_BASE, edgeLow, RSP, WINDOW, type Size } from '../case-builder';
import { encode, type InstrSpec, type MemOp, type RegOp, type RmOp } from '../encoder';
import { AF, CC_READS, CF, DF, OF, PF, SF, STATUS, ZF } from '../flags';
import { Retry } from './atomic';
import { sizePrefix } from './common';
import { shiftUndef } from './shift';

type Enc = (at: bigint) => number[];
interface Item {
  enc: Enc;
  /** Forward conditional/unconditional branch over the next `span` items. */
  jcc?: { cc: number; span: number };
}

interface Env {
  b: CaseBuilder;
  /** Inside a LOOP body: no template may read flags (the body runs several times). */
  noReads: boolean;
  free: number[];
  base: number | null;
  baseOff: number;
  /** Flags that may be undefined at this point. */
  u: number;
}

class Reject extends Error {}
/** Thrown often: one shared instance avoids capturing a stack trace each time. */
const REJECT = new Reject('template rejected');

function use(env: Env, reads: number, defines: number, undef: number): void {
  if (reads & env.u || (reads && env.noReads)) throw REJECT;
  env.u = (env.u & ~defines) | undef;
}

function sreg(env: Env, size: Size, noRex = false): RegOp {
  const rng = env.b.rng;
  if (size === 8 && noRex) {
    // Without REX the 8-bit registers are AL..BL and AH..BH.
    const opts: RegOp[] = [];
    for (const r of env.free)
      if (r < 4)
        opts.push({ kind: 'reg', reg: r, size: 8 }, { kind: 'reg', reg: r + 4, size: 8, high: true });
    if (!opts.length) throw REJECT;
    return rng.pick(opts);
  }
  const cands = env.free.filter((r) => !noRex || r < 8);
  if (!cands.length) throw REJECT;
  return { kind: 'reg', reg: rng.pick(cands), size };
}

function smem(env: Env, bytes: number, noRex = false): MemOp {
  const rng = env.b.rng;
  const off = env.b.pickOffset(bytes);
  const target = DATA_BASE + BigInt(off);
  const k = rng.below(4);
  if (env.base !== null && k >= 2 && !(noRex && env.base >= 8)) {
    const disp = off - env.baseOff;
    const dispSize = disp === 0 && rng.bool() ? 0 : disp >= -128 && disp <= 127 ? 1 : 4;
    return { kind: 'mem', base: env.base, index: null, scale: 1, disp, dispSize };
  }
  if (k === 0) return { kind: 'mem', base: null, index: null, scale: 1, disp: Number(target), dispSize: 4 };
  return {
    kind: 'mem',
    base: null,
    index: null,
    scale: 1,
    disp: 0,
    dispSize: 4,
    rip: true,
    ripTarget: target,
  };
}

function srm(env: Env, size: Size, noRex = false): RmOp {
  return env.b.rng.chance(1, 3) ? smem(env, size / 8, noRex) : sreg(env, size, noRex);
}

const isFree = (env: Env, ...regs: number[]): boolean => regs.every((r) => env.free.includes(r));
const spec =
  (s: InstrSpec): Enc =>
  (at) =>
    encode(s, at);
const raw =
  (bytes: number[]): Enc =>
  () =>
    bytes;

/** One template: returns the encoders it emits (may throw Reject). */
function template(env: Env, inLoop: boolean): Enc[] {
  const rng = env.b.rng;
  const size: Size = rng.pick([8, 16, 32, 64] as const);
  const w = size === 8 ? 0 : 1;
  const sp = sizePrefix(size);
  const legacy = size === 8 && rng.chance(1, 4);
  const k = rng.below(inLoop ? 8 : 24);
  switch (k) {
    case 0:
    case 1:
    case 2: {
      const op = rng.below(8);
      const reads = op === 2 || op === 3 ? CF : 0;
      use(env, reads, STATUS, op === 1 || op === 4 || op === 6 ? AF : 0);
      const f = rng.below(3);
      if (f === 0)
        return [
          spec({
            ...sp,
            opcode: [op * 8 + w + 2 * rng.below(2)],
            reg: sreg(env, size, legacy),
            rm: srm(env, size, legacy),
            lock: false,
          }),
        ];
      if (f === 1) {
        const rm = srm(env, size, legacy);
        return [
          spec({
            ...sp,
            opcode: [size === 8 ? 0x80 : 0x83],
            reg: op,
            rm,
            imms: [{ size: 1, value: edgeLow(rng, 8) }],
            lock: rm.kind === 'mem' && op !== 7 && rng.chance(1, 4),
          }),
        ];
      }
      if (!isFree(env, 0)) throw REJECT;
      return [
        spec({
          ...sp,
          opcode: [op * 8 + 4 + w],
          imms: [{ size: size === 8 ? 1 : size === 16 ? 2 : 4, value: edgeLow(rng, 32) }],
        }),
      ];
    }
    case 3: {
      // inc/dec/neg/not/test
      const which = rng.below(5);
      const rm = srm(env, size, legacy);
      if (which <= 1) use(env, 0, OF | SF | ZF | AF | PF, 0);
      else if (which === 3) use(env, 0, STATUS, 0);
      else if (which === 4) use(env, 0, STATUS, AF);
      if (which === 4) return [spec({ ...sp, opcode: [0x84 + w], reg: sreg(env, size, legacy), rm })];
      return [
        spec({ ...sp, opcode: [which <= 1 ? 0xfe + w : 0xf6 + w], reg: which <= 1 ? which : which, rm }),
      ];
    }
    case 4: {
      // mov forms
      const f = rng.below(3);
      if (f === 0)
        return [
          spec({
            ...sp,
            opcode: [0x88 + w + 2 * rng.below(2)],
            reg: sreg(env, size, legacy),
            rm: srm(env, size, legacy),
          }),
        ];
      if (f === 1)
        return [
          spec({
            ...sp,
            opcode: [size === 8 ? 0xb0 : 0xb8],
            opReg: sreg(env, size, legacy),
            imms: [{ size: size === 64 ? 8 : ((size / 8) as 1 | 2 | 4), value: edgeLow(rng, size) }],
          }),
        ];
      return [
        spec({
          ...sp,
          opcode: [0xc6 + w],
          reg: 0,
          rm: srm(env, size, legacy),
          imms: [{ size: size === 8 ? 1 : size === 16 ? 2 : 4, value: edgeLow(rng, 32) }],
        }),
      ];
    }
    case 5: {
      // shifts/rotates by 1 or imm8 (exact flags), rcl/rcr read CF
      const digit = rng.pick([0, 1, 2, 3, 4, 5, 7]);
      const count = rng.chance(1, 3)
        ? 1
        : rng.pick([0, 1, 2, size - 1, size, size + 1, rng.below(256)]) & 0xff;
      const undef = shiftUndef(digit, size, count);
      const masked = count & (size === 64 ? 63 : 31);
      const defines = masked === 0 ? 0 : digit <= 3 ? CF | OF : STATUS;
      use(env, digit === 2 || digit === 3 ? CF : 0, defines, undef);
      const rm = srm(env, size, legacy);
      if (count === 1 && rng.bool()) return [spec({ ...sp, opcode: [0xd0 + w], reg: digit, rm })];
      return [spec({ ...sp, opcode: [0xc0 + w], reg: digit, rm, imms: [{ size: 1, value: BigInt(count) }] })];
    }
    case 6: {
      // shift by CL: count unknown, so nothing becomes defined and AF/OF(/CF) may become undefined
      if (!isFree(env, 1)) throw REJECT;
      const digit = rng.pick([0, 1, 2, 3, 4, 5, 7]);
      use(env, digit === 2 || digit === 3 ? CF : 0, 0, digit <= 3 ? OF : AF | OF | (digit !== 7 ? CF : 0));
      const rm = srm(env, size, legacy);
      return [spec({ ...sp, opcode: [0xd2 + w], reg: digit, rm })];
    }
    case 7: {
      // movzx/movsx/movsxd/lea/bswap/xchg
      const f = rng.below(5);
      const dsz: Size = rng.pick([32, 64] as const);
      if (f === 0)
        return [
          spec({
            ...sizePrefix(dsz),
            opcode: [0x0f, rng.pick([0xb6, 0xb7, 0xbe, 0xbf])],
            reg: sreg(env, dsz),
            rm: srm(env, 16),
          }),
        ];
      if (f === 1) return [spec({ rexW: true, opcode: [0x63], reg: sreg(env, 64), rm: srm(env, 32) })];
      if (f === 2)
        return [spec({ ...sizePrefix(dsz), opcode: [0x8d], reg: sreg(env, dsz), rm: smem(env, 1) })];
      if (f === 3) return [spec({ rexW: dsz === 64, opcode: [0x0f, 0xc8], opReg: sreg(env, dsz) })];
      return [spec({ ...sp, opcode: [0x86 + w], reg: sreg(env, size, legacy), rm: srm(env, size, legacy) })];
    }
    case 8: {
      // setcc / cmovcc
      const cc = rng.below(16);
      use(env, CC_READS[cc], 0, 0);
      if (rng.bool()) return [spec({ opcode: [0x0f, 0x90 + cc], reg: 0, rm: srm(env, 8, legacy) })];
      const s: Size = rng.pick([16, 32, 64] as const);
      return [spec({ ...sizePrefix(s), opcode: [0x0f, 0x40 + cc], reg: sreg(env, s), rm: srm(env, s) })];
    }
    case 9: {
      // mul/imul forms
      const f = rng.below(3);
      use(env, 0, CF | OF, SF | ZF | AF | PF);
      const s: Size = f === 0 ? size : rng.pick([16, 32, 64] as const);
      if (f === 0) {
        if (!isFree(env, 0, 2)) throw REJECT;
        return [spec({ ...sp, opcode: [0xf6 + w], reg: 4 + rng.below(2), rm: srm(env, size, legacy) })];
      }
      if (f === 1)
        return [spec({ ...sizePrefix(s), opcode: [0x0f, 0xaf], reg: sreg(env, s), rm: srm(env, s) })];
      return [
        spec({
          ...sizePrefix(s),
          opcode: [0x6b],
          reg: sreg(env, s),
          rm: srm(env, s),
          imms: [{ size: 1, value: edgeLow(rng, 8) }],
        }),
      ];
    }
    case 10: {
      // div/idiv with a preamble that rules out #DE
      if (!isFree(env, 0, 2)) throw REJECT;
      const d = sreg(env, size === 8 ? 8 : size, true);
      if (d.reg === 0 || d.reg === 2 || (d.high && (d.reg === 4 || d.reg === 6))) throw REJECT;
      use(env, 0, 0, STATUS);
      const signed = rng.bool();
      const out: Enc[] = [];
      out.push(
        spec({
          ...sp,
          opcode: [0x80 + w + (size === 8 ? 0 : 2)],
          reg: 4,
          rm: d,
          imms: [{ size: 1, value: 0x7fn }],
        }),
      );
      out.push(
        spec({
          ...sp,
          opcode: [0x80 + w + (size === 8 ? 0 : 2)],
          reg: 1,
          rm: d,
          imms: [{ size: 1, value: 2n }],
        }),
      );
      if (size === 8)
        out.push(raw(signed ? [0x66, 0x98] : [0x0f, 0xb6, 0xc0])); // cbw / movzx eax,al
      else if (signed) out.push(raw([...(size === 16 ? [0x66] : []), ...(size === 64 ? [0x48] : []), 0x99]));
      else out.push(raw([0x31, 0xd2])); // xor edx,edx
      out.push(spec({ ...sp, opcode: [0xf6 + w], reg: signed ? 7 : 6, rm: d }));
      return out;
    }
    case 11: {
      // bt family on registers / imm, popcnt lzcnt tzcnt
      const s: Size = rng.pick([16, 32, 64] as const);
      if (rng.bool()) {
        use(env, 0, CF, OF | SF | AF | PF);
        const op = rng.below(4);
        if (rng.bool())
          return [
            spec({ ...sizePrefix(s), opcode: [0x0f, 0xa3 + op * 8], reg: sreg(env, s), rm: sreg(env, s) }),
          ];
        const rm = srm(env, s);
        return [
          spec({
            ...sizePrefix(s),
            opcode: [0x0f, 0xba],
            reg: 4 + op,
            rm,
            imms: [{ size: 1, value: BigInt(rng.below(256)) }],
            lock: rm.kind === 'mem' && op !== 0 && rng.chance(1, 3),
          }),
        ];
      }
      const which = rng.below(3);
      use(env, 0, which === 0 ? STATUS : CF | ZF, which === 0 ? 0 : OF | SF | AF | PF);
      return [
        spec({
          ...sizePrefix(s),
          rep: 0xf3,
          opcode: [0x0f, [0xb8, 0xbc, 0xbd][which]],
          reg: sreg(env, s),
          rm: srm(env, s),
        }),
      ];
    }
    case 12: {
      // cmpxchg / xadd
      if (!isFree(env, 0)) throw REJECT;
      use(env, 0, STATUS, 0);
      const rm = srm(env, size, legacy);
      return [
        spec({
          ...sp,
          opcode: [0x0f, (rng.bool() ? 0xb0 : 0xc0) + w],
          reg: sreg(env, size, legacy),
          rm,
          lock: rm.kind === 'mem' && rng.chance(1, 3),
        }),
      ];
    }
    case 13: {
      // push/pop registers, push imm, call next instruction
      const f = rng.below(4);
      const r = sreg(env, 64);
      if (f === 0) return [spec({ opcode: [0x50], opReg: r })];
      if (f === 1) return [spec({ opcode: [0x58], opReg: r })];
      if (f === 2) return [raw([0x6a, Number(edgeLow(rng, 8))])];
      return [raw([0xe8, 0, 0, 0, 0])];
    }
    case 14: {
      // flags: clc stc cmc sahf lahf; push imm + popf; pushf (+pop)
      const f = rng.below(6);
      if (f === 0) {
        use(env, 0, CF, 0);
        return [raw([rng.pick([0xf8, 0xf9])])];
      }
      if (f === 1) {
        use(env, CF, CF, 0);
        return [raw([0xf5])];
      }
      if (f === 2) {
        if (!isFree(env, 0)) throw REJECT;
        use(env, 0, SF | ZF | AF | PF | CF, 0);
        return [raw([0x9e])];
      }
      if (f === 3) {
        if (!isFree(env, 0)) throw REJECT;
        use(env, SF | ZF | AF | PF | CF, 0, 0);
        return [raw([0x9f])];
      }
      if (f === 4) {
        use(env, 0, STATUS | DF, 0);
        // push imm32 with only status flags and DF set, then popf
        return [raw([0x68, rng.u32() & 0xd5, rng.u32() & 0x0c, 0, 0]), raw([0x9d])];
      }
      use(env, STATUS, 0, 0);
      return [raw([0x9c]), spec({ opcode: [0x58], opReg: sreg(env, 64) })];
    }
    case 15: {
      // cbw/cwde/cdqe, cwd/cdq/cqo
      if (!isFree(env, 0, 2)) throw REJECT;
      return [raw([...(size === 16 ? [0x66] : []), ...(size === 64 ? [0x48] : []), rng.pick([0x98, 0x99])])];
    }
    case 16: {
      // string op on fixed addresses with a known count
      if (!isFree(env, 0, 1, 6, 7)) throw REJECT;
      const opc = rng.pick([0xa4, 0xa6, 0xaa, 0xac, 0xae]);
      const unit = size / 8;
      const n = rng.range(1, 12);
      const down = rng.bool();
      const pos = (): number => (down ? rng.range(n * unit, WINDOW - unit) : rng.range(0, WINDOW - n * unit));
      const compare = opc === 0xa6 || opc === 0xae;
      use(env, 0, DF | (compare ? STATUS : 0), 0);
      const prefix = opc === 0xac || opc === 0xa4 || opc === 0xaa ? [0xf3] : [rng.pick([0xf3, 0xf2])];
      return [
        raw([0xbe, ...le32(0x20000000 + pos())]),
        raw([0xbf, ...le32(0x20000000 + pos())]),
        raw([0xb9, ...le32(n)]),
        raw([down ? 0xfd : 0xfc]),
        raw([
          ...(rng.chance(1, 4) ? [] : prefix),
          ...(size === 16 ? [0x66] : []),
          ...(size === 64 ? [0x48] : []),
          opc + w,
        ]),
      ];
    }
    case 17: {
      // shld/shrd by imm (exact), by CL for 32/64 (conservative)
      const s: Size = rng.pick([16, 32, 64] as const);
      const byCl = s !== 16 && isFree(env, 1) && rng.bool();
      const right = rng.bool() ? 8 : 0;
      if (byCl) {
        use(env, 0, 0, AF | OF);
        return [spec({ ...sizePrefix(s), opcode: [0x0f, 0xa5 + right], reg: sreg(env, s), rm: srm(env, s) })];
      }
      const count = rng.below(s === 16 ? 17 : 64);
      const c = count & (s === 64 ? 63 : 31);
      use(env, 0, c === 0 ? 0 : STATUS, c === 0 ? 0 : AF | (c === 1 ? 0 : OF));
      return [
        spec({
          ...sizePrefix(s),
          opcode: [0x0f, 0xa4 + right],
          reg: sreg(env, s),
          rm: srm(env, s),
          imms: [{ size: 1, value: BigInt(count) }],
        }),
      ];
    }
    case 18:
      return [
        raw(rng.pick([[0x90], [0x66, 0x90], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00]])),
      ];
    default: {
      // more plain ALU register traffic (add sub adc sbb cmp)
      const opc = rng.pick([0x00, 0x28, 0x10, 0x18, 0x38]);
      use(env, opc === 0x10 || opc === 0x18 ? CF : 0, STATUS, 0);
      return [
        spec({
          ...sp,
          opcode: [opc + w + 2 * rng.below(2)],
          reg: sreg(env, size, legacy),
          rm: sreg(env, size, legacy),
        }),
      ];
    }
  }
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

export function genSequence(b: CaseBuilder): void {
  const rng = b.rng;
  const env: Env = { b, noReads: false, free: [], base: null, baseOff: 0, u: 0 };
  if (rng.chance(3, 4)) {
    env.base = rng.pick([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    env.baseOff = rng.range(0, WINDOW);
    b.setReg(env.base, DATA_BASE + BigInt(env.baseOff));
  }
  for (let r = 0; r < 16; r++) if (r !== RSP && r !== env.base) env.free.push(r);
  const target = rng.range(5, 20);
  const items: Item[] = [];
  const joins: { at: number; u: number }[] = [];
  const push = (item: Item): void => {
    items.push(item);
    for (const j of joins) if (j.at === items.length) env.u |= j.u;
  };
  let instructions = 0;
  for (let guard = 0; instructions < target && guard < 500; guard++) {
    const saveU = env.u;
    try {
      const kind = rng.below(40);
      if (kind <= 2) {
        // Jcc / JMP forward over the next 1..3 items (the flags at the join are the union of both paths)
        const cc = kind === 0 ? -1 : rng.below(16);
        if (cc >= 0) use(env, CC_READS[cc], 0, 0);
        const span = rng.range(1, 3);
        joins.push({ at: items.length + 1 + span, u: env.u });
        push({ enc: () => [], jcc: { cc, span } });
        instructions++;
      } else if (kind === 3 && isFree(env, 1)) {
        // JRCXZ / LOOP forward over the next item (rel8 only: spans stay short)
        joins.push({ at: items.length + 2, u: env.u });
        push({ enc: () => [], jcc: { cc: rng.pick([16, 17]), span: 1 } });
        instructions++;
      } else if (kind === 4 && isFree(env, 1)) {
        // LOOP block: mov ecx, n; body; loop body. The body neither touches RCX nor reads flags, so one
        // application of its flag effect is the fixpoint.
        const free = env.free;
        env.free = free.filter((r) => r !== 1);
        env.noReads = true;
        const body: Enc[] = [];
        try {
          for (let i = rng.range(1, 3); i > 0; i--) body.push(...loopBody(env));
        } finally {
          env.free = free;
          env.noReads = false;
        }
        push({ enc: loopEnc(rng.range(1, 4), body) });
        instructions += 2 + body.length;
      } else {
        const encs = template(env, false);
        push({ enc: chain(encs) });
        instructions += encs.length;
      }
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      env.u = saveU;
    }
  }
  emitItems(b, items);
  // A branch whose span runs past the last item lands on the end of the snippet.
  b.undefFlags = env.u | joins.reduce((m, j) => (j.at > items.length ? m | j.u : m), 0);
  b.label = 'sequence';
}

function loopBody(env: Env): Enc[] {
  for (let tries = 0; tries < 50; tries++) {
    const saveU = env.u;
    try {
      return template(env, true);
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      env.u = saveU;
    }
  }
  return [raw([0x90])];
}

function chain(encs: Enc[]): Enc {
  return (at) => {
    const out: number[] = [];
    for (const e of encs) out.push(...e(at + BigInt(out.length)));
    return out;
  };
}

function loopEnc(n: number, body: Enc[]): Enc {
  return (at) => {
    const head = [0xb9, ...le32(n)];
    const code = chain(body)(at + BigInt(head.length));
    const back = -(code.length + 2);
    if (back < -128) throw new Error('loop body too long');
    return [...head, ...code, 0xe2, back & 0xff];
  };
}

/** Two passes: item lengths do not depend on their address, so branch spans are computed first. */
function emitItems(b: CaseBuilder, items: Item[]): void {
  const lens = items.map((it) => (it.jcc ? 0 : it.enc(0x10000000n).length));
  const branchLen = (i: number): number => {
    const it = items[i];
    if (!it.jcc) return lens[i];
    let skip = 0;
    for (let j = i + 1; j <= i + it.jcc.span && j < items.length; j++) skip += branchLen(j);
    return it.jcc.cc >= 16 || skip <= 127 ? 2 : it.jcc.cc === -1 ? 5 : 6;
  };
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (!it.jcc) {
      b.raw(it.enc(b.at()));
      continue;
    }
    let skip = 0;
    for (let j = i + 1; j <= i + it.jcc.span && j < items.length; j++) skip += branchLen(j);
    const { cc } = it.jcc;
    if (cc >= 16) {
      if (skip > 127) throw new Retry();
      b.raw([cc === 16 ? 0xe3 : 0xe2, skip]); // jrcxz / loop forward
    } else if (skip <= 127) b.raw([cc === -1 ? 0xeb : 0x70 + cc, skip]);
    else if (cc === -1) b.raw([0xe9, ...le32(skip)]);
    else b.raw([0x0f, 0x80 + cc, ...le32(skip)]);
  }
}
