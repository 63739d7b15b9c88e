/**
 * One-instruction decoding for the hypervisor's emulation paths (privileged instructions, the
 * writable-page-table store, forced-emulation prefix). It reuses x86-core's table-driven decoder so
 * the emulator and the interpreter can never disagree about lengths, prefixes or operands.
 *
 * x86-core exposes only a disassembly view (`decodeOne`: mnemonic and operand kinds) publicly; the
 * register numbers, displacement and immediate we need come from its internal `decode` into an
 * `Insn`. This file is the only place that touches those internals (see the report: a public
 * `decodeInsn` returning this shape is the API we would like from x86-core).
 */
import { decode, DecoderTables } from '@xeno/x86-core/decoder/decoder';
import { Insn } from '@xeno/x86-core/decoder/insn';
import '@xeno/x86-core/isa/opcode-table';

/** Opcode maps as x86-core numbers them. */
export const MAP_1 = 1;
export const MAP_0F = 2;

export interface DecodedInsn {
  length: number;
  map: number;
  op: number;
  /** ModRM fields with REX extensions (mod 3 when the encoding has no ModRM). */
  mod: number;
  reg: number;
  rm: number;
  /** Operand size (1, 2, 4, 8) and address size (2, 4, 8) in bytes. */
  os: number;
  as: number;
  /** Memory operand: base/index GPR (-1 none; base 16 = RIP-relative, folded into disp). */
  base: number;
  index: number;
  scale: number;
  disp: bigint;
  /** FS (4) or GS (5) when that base applies to the memory operand in 64-bit mode, else -1. */
  segBase: number;
  /** First immediate, sign- or zero-extended as the operand spec says (64-bit two's complement). */
  imm: bigint;
  rep: number;
  lock: boolean;
  rex: number;
  /** Byte-register operands without REX name AH..BH: offsets into the register file's bytes. */
  regByteHigh: boolean;
  rmByteHigh: boolean;
}

const scratch = new Insn(() => 0);
const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * Decode the instruction in `bytes` (at most 15 meaningful bytes) located at linear `rip` for 64-bit
 * or 32-bit code. Returns undefined for undefined, truncated or over-long encodings.
 */
export function decodeInsn(bytes: Uint8Array, rip: bigint, mode: 64 | 32 = 64): DecodedInsn | undefined {
  const r = BigInt.asUintN(64, rip);
  const i = scratch;
  const len = decode(
    DecoderTables.get(),
    bytes,
    0,
    bytes.length,
    mode,
    Number(r & 0xffffffffn) | 0,
    Number(r >> 32n) | 0,
    i,
  );
  if (len <= 0 || i.row === null) return undefined;
  return {
    length: len,
    map: i.map,
    op: i.op,
    mod: i.mod,
    reg: i.reg,
    rm: i.rm,
    os: i.os,
    as: i.as,
    base: i.base,
    index: i.index,
    scale: i.scale,
    disp: u64(i.dispLo, i.dispHi),
    segBase: i.segBase,
    imm: u64(i.immLo, i.immHi),
    rep: i.rep,
    lock: i.lock,
    rex: i.rex,
    // Without a REX prefix, byte registers 4..7 are AH, CH, DH, BH.
    regByteHigh: i.rex === 0 && i.reg >= 4 && i.reg < 8,
    rmByteHigh: i.rex === 0 && i.rm >= 4 && i.rm < 8,
  };
}
