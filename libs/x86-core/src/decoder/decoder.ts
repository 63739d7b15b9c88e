/**
 * Table-driven x86 decoder. `buildTables` turns the merged opcode rows into a lookup tree per opcode
 * (mandatory prefix → ModRM.reg → mod → ModRM.rm); `decode` parses prefixes, opcode, ModRM/SIB,
 * displacement and immediates into an `Insn`.
 */
import { Insn } from './insn';
import {
  F_B8,
  F_D64,
  F_F64,
  F_INV64,
  F_LOCK,
  F_ONLY64,
  F_STRICT_PFX,
  F_SSE,
  F_MEM_ONLY,
  F_MOD3,
  MAP_0F,
  MAP_0F38,
  MAP_0F3A,
  MAP_1,
  type Handler,
  type OpcodeRow,
} from './opcode-row';
import {
  compileRow,
  K_A,
  K_I,
  K_IBS,
  K_J,
  K_O,
  SZ_B,
  SZ_D,
  SZ_Q,
  SZ_V,
  SZ_W,
  SZ_Z,
  type CompiledRow,
} from './operands';

/** decode() results besides a positive length. */
export const DEC_NEED_MORE = -1; /** ran out of bytes (instruction continues on the next page) */
export const DEC_TOO_LONG = -2; /** more than 15 bytes → #GP(0) */
export const DEC_INVALID = -3; /** undefined encoding → #UD */

const N_LEAF = 0;
const N_PFX = 1;
const N_REG = 2;
const N_MOD = 3;
const N_RM = 4;

interface Node {
  t: number;
  leaf: CompiledRow | null;
  /** A second row at the same encoding valid only in the other mode (F_ONLY64 vs F_INV64). */
  leaf32: CompiledRow | null;
  /** children: PFX [none, 66, F3, F2]; REG/RM [0..7]; MOD [mem, reg] */
  n: (Node | null)[];
  strict: boolean;
}

function mkNode(t: number, size: number): Node {
  return { t, leaf: null, leaf32: null, n: new Array<Node | null>(size).fill(null), strict: false };
}

export interface DecodeTables {
  /** [map][opcode] */
  roots: (Node | null)[][];
  modrm: Uint8Array[];
  rows: CompiledRow[];
}

const PFX_INDEX: Record<number, number> = { 0: 0, 0x66: 1, 0xf3: 2, 0xf2: 3 };

function rowKey(r: OpcodeRow): string {
  const map = ['', '', '0F ', '0F38 ', '0F3A '][r.map];
  return `${r.pfx ? r.pfx.toString(16) + ' ' : ''}${map}${r.op.toString(16)}${r.reg !== undefined ? '/' + r.reg : ''}${r.mod ? ' ' + r.mod : ''}${r.rm !== undefined ? ' rm' + r.rm : ''}`;
}

export function buildTables(rows: readonly OpcodeRow[]): DecodeTables {
  const roots: (Node | null)[][] = [];
  const modrm: Uint8Array[] = [];
  for (let m = 0; m <= 4; m++) {
    roots.push(new Array<Node | null>(256).fill(null));
    modrm.push(new Uint8Array(256));
  }
  const compiled: CompiledRow[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const cr = compileRow(row);
    compiled.push(cr);
    const key = `${row.map}:${row.op}`;
    const mr = cr.modrm ? 1 : 2;
    const prev = seen.get(key);
    if (prev !== undefined && prev !== mr) throw new Error(`opcode ${rowKey(row)}: rows disagree on ModRM`);
    seen.set(key, mr);
    modrm[row.map][row.op] = cr.modrm ? 1 : 0;
    // Path: pfx → reg → mod → rm.
    const levels: [number, number][] = [];
    const hasPfxLevel = rows.some((r) => r.map === row.map && r.op === row.op && r.pfx !== undefined);
    if (hasPfxLevel) levels.push([N_PFX, PFX_INDEX[row.pfx ?? 0]]);
    const sameOp = rows.filter(
      (r) => r.map === row.map && r.op === row.op && (r.pfx ?? 0) === (row.pfx ?? 0),
    );
    if (sameOp.some((r) => r.reg !== undefined)) {
      if (row.reg === undefined) throw new Error(`opcode ${rowKey(row)}: group rows need reg`);
      levels.push([N_REG, row.reg]);
    }
    const sameReg = sameOp.filter((r) => r.reg === row.reg);
    if (sameReg.some((r) => r.mod !== undefined || r.rm !== undefined)) {
      const mod = row.rm !== undefined ? 'reg' : row.mod;
      if (mod === undefined) {
        // applies to both forms
        levels.push([N_MOD, -1]);
      } else levels.push([N_MOD, mod === 'mem' ? 0 : 1]);
    }
    if (sameReg.some((r) => r.rm !== undefined) && row.rm !== undefined) levels.push([N_RM, row.rm]);
    insert(roots[row.map], row.op, levels, cr, row);
  }
  return { roots, modrm, rows: compiled };
}

function insert(
  arr: (Node | null)[],
  op: number,
  levels: [number, number][],
  cr: CompiledRow,
  row: OpcodeRow,
): void {
  const place = (container: (Node | null)[], idx: number, li: number): void => {
    if (li === levels.length) {
      if (container[idx] && container[idx]!.t !== N_LEAF)
        throw new Error(`opcode ${rowKey(row)}: conflicts with a more specific row`);
      const prev = container[idx];
      if (prev) {
        // a 64-bit-only row and a 32-bit-only row may share an encoding (63: movsxd / arpl)
        const p64 = prev.leaf!.f & F_ONLY64;
        const p32 = prev.leaf!.f & F_INV64;
        if (p64 !== 0 && (cr.f & F_INV64) !== 0 && prev.leaf32 === null) prev.leaf32 = cr;
        else if (p32 !== 0 && (cr.f & F_ONLY64) !== 0 && prev.leaf32 === null) {
          prev.leaf32 = prev.leaf;
          prev.leaf = cr;
        } else throw new Error(`opcode ${rowKey(row)}: duplicate row`);
        return;
      }
      const leaf = mkNode(N_LEAF, 0);
      leaf.leaf = cr;
      container[idx] = leaf;
      return;
    }
    const [t, v] = levels[li];
    let node = container[idx];
    if (!node) {
      node = mkNode(t, t === N_MOD ? 2 : t === N_PFX ? 4 : 8);
      container[idx] = node;
    } else if (node.t !== t) throw new Error(`opcode ${rowKey(row)}: table shape conflict`);
    if (t === N_PFX && (cr.f & F_STRICT_PFX) !== 0) node.strict = true;
    if (t === N_MOD && v === -1) {
      place(node.n, 0, li + 1);
      place(node.n, 1, li + 1);
    } else place(node.n, v, li + 1);
  };
  place(arr, op, 0);
}

/** Follow reg → mod → rm levels below a prefix choice; null if the encoding is undefined. */
function walk(n: Node, modrm: number): Node | null {
  let node: Node | null = n;
  if (node.t === N_REG) {
    if (modrm < 0) return null;
    node = node.n[(modrm >> 3) & 7];
    if (node === null) return null;
  }
  if (node.t === N_MOD) {
    node = node.n[modrm >= 0xc0 ? 1 : 0];
    if (node === null) return null;
  }
  if (node.t === N_RM) {
    node = node.n[modrm & 7];
    if (node === null) return null;
  }
  return node.t === N_LEAF ? node : null;
}

/** Byte offset of an 8-bit register in the state buffer. */
function byteReg(r: number, rex: number): number {
  return rex !== 0 || r < 4 ? r << 3 : ((r - 4) << 3) + 1;
}

const REG16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const REG16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

/**
 * Decode one instruction from buf[pos..end) for a code segment of `mode` bits (16/32/64) at linear
 * address (ripLo, ripHi). Fills `i` and returns its length, or a DEC_* code.
 */
export function decode(
  t: DecodeTables,
  buf: Uint8Array,
  pos: number,
  end: number,
  mode: number,
  ripLo: number,
  ripHi: number,
  i: Insn,
): number {
  const start = pos;
  const lim = Math.min(end, start + 15);
  let os66 = false;
  let as67 = false;
  let rep = 0;
  let lock = false;
  let seg = -1;
  let rex = 0;
  let b = 0;
  for (;;) {
    if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
    b = buf[pos];
    if (b === 0x66) os66 = true;
    else if (b === 0x67) as67 = true;
    else if (b === 0xf3 || b === 0xf2) rep = b;
    else if (b === 0xf0) lock = true;
    else if (b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26) {
      if (mode !== 64) seg = b === 0x26 ? 0 : b === 0x2e ? 1 : b === 0x36 ? 2 : 3;
    } else if (b === 0x64) seg = 4;
    else if (b === 0x65) seg = 5;
    else if (mode === 64 && (b & 0xf0) === 0x40) {
      rex = b;
      pos++;
      continue;
    } else break;
    rex = 0; // a REX prefix followed by a legacy prefix is ignored
    pos++;
  }
  // opcode
  let map = MAP_1;
  let op = buf[pos++];
  if (op === 0x0f) {
    if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
    op = buf[pos++];
    map = MAP_0F;
    if (op === 0x38 || op === 0x3a) {
      map = op === 0x38 ? MAP_0F38 : MAP_0F3A;
      if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
      op = buf[pos++];
    }
  } else if ((op === 0xc4 || op === 0xc5 || op === 0x62) && mode === 64) {
    return DEC_INVALID; // VEX / EVEX: not supported (CPUID does not report AVX)
  }
  const root = t.roots[map][op];
  if (root === null) return DEC_INVALID;
  let modrm = -1;
  if (t.modrm[map][op] !== 0) {
    if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
    modrm = buf[pos++];
    if (op === 0x8f && map === MAP_1 && (modrm & 0x38) !== 0) return DEC_INVALID; // XOP
  }
  let os66Used = os66;
  let node: Node | null = null;
  if (root.t === N_PFX) {
    // mandatory prefix: the last F2/F3, then 66, then none; a candidate that does not resolve falls
    // back to the next unless the slot is strict
    if (rep !== 0) {
      const ch = root.n[rep === 0xf3 ? 2 : 3];
      if (ch !== null) node = walk(ch, modrm);
      if (node !== null) rep = 0;
      else if (root.strict) return DEC_INVALID;
    }
    if (node === null && os66) {
      const ch = root.n[1];
      if (ch !== null) node = walk(ch, modrm);
      if (node !== null) {
        // 66 consumed as a mandatory prefix (SSE rows) no longer selects 16-bit operands
        if (node.leaf !== null && (node.leaf.f & F_SSE) !== 0) os66Used = false;
      } else if (root.strict) return DEC_INVALID;
    }
    if (node === null && root.n[0] !== null) node = walk(root.n[0], modrm);
  } else node = walk(root, modrm);
  if (node === null) return DEC_INVALID;
  const cr = mode !== 64 && node.leaf32 !== null ? node.leaf32 : node.leaf;
  if (cr === null) return DEC_INVALID;
  const f = cr.f;
  if (mode === 64 ? (f & F_INV64) !== 0 : (f & F_ONLY64) !== 0) return DEC_INVALID;
  // a strict SSE-style row without prefix variants: 66/F2/F3 make the encoding undefined
  if ((f & F_STRICT_PFX) !== 0 && root.t !== N_PFX && (rep !== 0 || os66)) return DEC_INVALID;
  if ((f & F_MEM_ONLY) !== 0 && modrm >= 0xc0) return DEC_INVALID;
  if (cr.row.check !== undefined && !cr.row.check(modrm, rex, rep)) return DEC_INVALID;
  // operand and address size
  let osz: number;
  if ((f & F_B8) !== 0) osz = 1;
  else if (mode === 64) {
    if ((rex & 8) !== 0 || (f & F_F64) !== 0) osz = 8;
    else if (os66Used) osz = 2;
    else osz = (f & F_D64) !== 0 ? 8 : 4;
  } else if (mode === 32) osz = os66Used ? 2 : 4;
  else osz = os66Used ? 4 : 2;
  const asz = mode === 64 ? (as67 ? 4 : 8) : mode === 32 ? (as67 ? 2 : 4) : as67 ? 4 : 2;

  i.row = cr;
  i.op = op;
  i.map = map;
  i.os = osz;
  i.as = asz;
  i.rex = rex;
  i.rep = rep;
  i.lock = lock;
  i.mode = mode;
  i.base = -1;
  i.index = -1;
  i.scale = 0;
  i.dispLo = 0;
  i.dispHi = 0;
  i.immLo = 0;
  i.immHi = 0;
  i.imm2 = 0;
  i.tgtLo = 0;
  i.tgtHi = 0;
  i.segOverride = seg >= 0;
  i.cc = op & 15;
  let defSeg = 3; // DS
  let ripRel = false;
  if (modrm >= 0) {
    const mod = (f & F_MOD3) !== 0 ? 3 : modrm >> 6;
    const rm = modrm & 7;
    i.mod = mod;
    i.reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    i.regB = byteReg(i.reg, rex);
    if (mod === 3) {
      i.rm = rm | ((rex & 1) << 3);
      i.rmB = byteReg(i.rm, rex);
    } else if (asz === 2) {
      if (mod === 0 && rm === 6) {
        if (pos + 2 > lim) return pos + 2 > end ? DEC_NEED_MORE : DEC_TOO_LONG;
        i.dispLo = buf[pos] | (buf[pos + 1] << 8);
        pos += 2;
      } else {
        i.base = REG16_BASE[rm];
        i.index = REG16_INDEX[rm];
        if (rm === 2 || rm === 3 || rm === 6) defSeg = 2;
        if (mod === 1) {
          if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
          i.dispLo = (buf[pos++] << 24) >> 24;
        } else if (mod === 2) {
          if (pos + 2 > lim) return pos + 2 > end ? DEC_NEED_MORE : DEC_TOO_LONG;
          i.dispLo = buf[pos] | (buf[pos + 1] << 8);
          pos += 2;
        }
      }
    } else {
      let base = rm;
      if (rm === 4) {
        if (pos >= lim) return pos >= end ? DEC_NEED_MORE : DEC_TOO_LONG;
        const sib = buf[pos++];
        const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
        i.index = idx === 4 ? -1 : idx;
        i.scale = sib >> 6;
        base = sib & 7;
        if (base === 5 && mod === 0) base = -1;
        else base |= (rex & 1) << 3;
      } else if (rm === 5 && mod === 0) {
        base = -1;
        ripRel = mode === 64;
      } else base |= (rex & 1) << 3;
      i.base = base;
      if (base === 4 || base === 5) defSeg = 2;
      let dsize = mod === 1 ? 1 : mod === 2 ? 4 : 0;
      if (mod === 0 && base === -1) dsize = 4;
      if (pos + dsize > lim) return pos + dsize > end ? DEC_NEED_MORE : DEC_TOO_LONG;
      if (dsize === 1) {
        i.dispLo = (buf[pos] << 24) >> 24;
        i.dispHi = i.dispLo >> 31;
      } else if (dsize === 4) {
        i.dispLo = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
        i.dispHi = i.dispLo >> 31;
      }
      pos += dsize;
    }
    if (lock && ((f & F_LOCK) === 0 || mod === 3)) return DEC_INVALID;
  } else {
    i.mod = 3;
    i.reg = 0;
    i.rm = (op & 7) | ((rex & 1) << 3);
    i.rmB = byteReg(i.rm, rex);
    i.regB = 0;
    if (lock) return DEC_INVALID;
  }
  // immediates
  const ops = cr.ops;
  let immN = 0;
  for (let k = 0; k < ops.length; k++) {
    const o = ops[k];
    const kind = o.kind;
    if (kind !== K_I && kind !== K_IBS && kind !== K_J && kind !== K_O && kind !== K_A) continue;
    let n: number;
    if (kind === K_IBS) n = 1;
    else if (kind === K_O) n = asz;
    else if (kind === K_A) n = osz === 2 ? 4 : 6;
    else {
      const sz = o.size;
      n =
        sz === SZ_B
          ? 1
          : sz === SZ_W
            ? 2
            : sz === SZ_D
              ? 4
              : sz === SZ_Z
                ? osz === 2
                  ? 2
                  : 4
                : sz === SZ_V
                  ? osz
                  : sz === SZ_Q
                    ? 8
                    : 4;
    }
    if (pos + n > lim) return pos + n > end ? DEC_NEED_MORE : DEC_TOO_LONG;
    let lo = 0;
    let hi = 0;
    if (n === 1) {
      lo = buf[pos];
      if (kind !== K_I) lo = (lo << 24) >> 24;
      else if (o.size !== SZ_B) lo = (lo << 24) >> 24;
      hi = kind === K_I && o.size === SZ_B ? 0 : lo >> 31;
    } else if (n === 2) {
      lo = buf[pos] | (buf[pos + 1] << 8);
      if (o.size !== SZ_W && kind !== K_A) lo = (lo << 16) >> 16;
      hi = o.size === SZ_W ? 0 : lo >> 31;
    } else {
      lo = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
      if (n === 8 || (n === 4 && kind === K_O)) {
        hi = n === 8 ? buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24) : 0;
      } else if (n === 6) {
        hi = buf[pos + 4] | (buf[pos + 5] << 8); // selector of a far pointer
      } else hi = lo >> 31;
    }
    pos += n;
    if (kind === K_O) {
      i.mod = 0;
      i.base = -1;
      i.index = -1;
      i.dispLo = lo;
      i.dispHi = asz === 8 ? hi : 0;
      if (asz === 2) i.dispLo &= 0xffff;
    } else if (kind === K_A) {
      i.immLo = osz === 2 ? lo & 0xffff : lo;
      i.imm2 = osz === 2 ? (lo >>> 16) & 0xffff : hi;
    } else if (kind === K_J) {
      i.immLo = lo;
      i.immHi = hi;
    } else if (immN++ === 0) {
      i.immLo = lo;
      i.immHi = hi;
    } else i.imm2 = lo;
  }
  const len = pos - start;
  // next-instruction address
  let nlo = (ripLo + len) | 0;
  let nhi = ripHi;
  if (nlo >>> 0 < ripLo >>> 0) nhi = (nhi + 1) | 0;
  if (mode !== 64) {
    nhi = 0;
    if (mode === 16) nlo &= 0xffff;
  }
  i.len = len;
  i.ripLo = ripLo;
  i.ripHi = ripHi;
  i.nextLo = nlo;
  i.nextHi = nhi;
  if (ripRel) {
    const sum = (nlo >>> 0) + (i.dispLo >>> 0);
    const lo = sum | 0;
    let hi = (nhi + i.dispHi + (sum > 0xffffffff ? 1 : 0)) | 0;
    if (asz === 4) hi = 0;
    i.dispLo = lo;
    i.dispHi = hi;
    i.base = 16;
  }
  // relative branch target
  const jk = ops.length > 0 ? ops[0].kind : 0;
  if (jk === K_J) {
    const sum = (nlo >>> 0) + (i.immLo >>> 0);
    let lo = sum | 0;
    let hi = (nhi + i.immHi + (sum > 0xffffffff ? 1 : 0)) | 0;
    if (osz === 2) {
      lo &= 0xffff;
      hi = 0;
    } else if (mode !== 64) hi = 0;
    i.tgtLo = lo;
    i.tgtHi = hi;
  }
  // segments
  const sg = seg >= 0 ? seg : defSeg;
  i.seg = sg;
  i.segBase = mode === 64 ? (sg >= 4 ? sg : -1) : sg;
  const h: Handler | undefined = cr.row.fast?.(i);
  i.h = h ?? cr.row.exec;
  return len;
}

/** Decoder singleton over the merged rows, rebuilt when rows are registered. */
export class DecoderTables {
  private static tables: DecodeTables | null = null;
  private static source: () => readonly OpcodeRow[] = () => [];

  static setSource(fn: () => readonly OpcodeRow[]): void {
    DecoderTables.source = fn;
    DecoderTables.tables = null;
  }
  static get(): DecodeTables {
    if (DecoderTables.tables === null) DecoderTables.tables = buildTables(DecoderTables.source());
    return DecoderTables.tables;
  }
  static invalidate(): void {
    DecoderTables.tables = null;
  }
}

export { Insn };
