/**
 * Helpers for instruction-level tests on top of runSnippet (CPL 3, long mode, oracle memory layout).
 */
import { runSnippet, type SnippetOutput } from '../../src';

export const DATA = 0x20000000n;
export const STACK = 0x30000000n;
export const CODE = 0x10000000n;

export const REG = {
  rax: 0,
  rcx: 1,
  rdx: 2,
  rbx: 3,
  rsp: 4,
  rbp: 5,
  rsi: 6,
  rdi: 7,
  r8: 8,
  r9: 9,
  r10: 10,
  r11: 11,
  r12: 12,
  r13: 13,
  r14: 14,
  r15: 15,
} as const;
export type RegName = keyof typeof REG;

export const CF = 0x1n;
export const PF = 0x4n;
export const AF = 0x10n;
export const ZF = 0x40n;
export const SF = 0x80n;
export const DF = 0x400n;
export const OF = 0x800n;
export const STATUS = CF | PF | AF | ZF | SF | OF;

export interface Run {
  regs?: Partial<Record<RegName, bigint>>;
  flags?: bigint;
  data?: (d: Uint8Array) => void;
  stack?: (d: Uint8Array) => void;
  max?: number;
}

export interface Result extends SnippetOutput {
  reg(name: RegName): bigint;
  /** status flags only */
  status: bigint;
  dataView: DataView;
  stackView: DataView;
}

/** Run `code` (bytes) as a snippet. RSP defaults to 0x30000800. */
export function run(code: number[] | Uint8Array, opts: Run = {}): Result {
  const gpr = Array.from({ length: 16 }, (_, k) => (k === 4 ? STACK + 0x800n : 0n));
  for (const [k, v] of Object.entries(opts.regs ?? {}))
    gpr[REG[k as RegName]] = BigInt.asUintN(64, v as bigint);
  const data = new Uint8Array(4096);
  const stack = new Uint8Array(4096);
  opts.data?.(data);
  opts.stack?.(stack);
  const out = runSnippet({
    code: code instanceof Uint8Array ? code : Uint8Array.from(code),
    gpr,
    rflags: 0x202n | (opts.flags ?? 0n),
    data,
    stack,
    maxInstructions: opts.max,
  });
  return {
    ...out,
    reg: (name: RegName) => out.gpr[REG[name]],
    status: out.rflags & STATUS,
    dataView: new DataView(out.data.buffer, out.data.byteOffset),
    stackView: new DataView(out.stack.buffer, out.stack.byteOffset),
  };
}

export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
