/**
 * Compares the emulator's answer for one vector with the CPU's, ignoring exactly what the SDM leaves
 * undefined for that vector, and renders readable mismatch reports.
 */
import { CODE_BASE, DATA_BASE, STACK_BASE, WINDOW, type OracleCase, type Patch } from './case-builder';
import { disassemble } from './disasm';
import { COMPARED, flagNames } from './flags';
import { Status, type BaseWindows } from './native-runner';
import type { Expected } from './vector-file';

export const GPR_NAMES = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
];
export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE',
  3: '#BP',
  6: '#UD',
  12: '#SS',
  13: '#GP',
  14: '#PF',
  17: '#AC',
};

/** The x86-core snippet contract, structurally (so this file does not depend on the emulator build). */
export interface SnippetInputLike {
  code: Uint8Array;
  gpr: bigint[];
  rflags: bigint;
  data: Uint8Array;
  stack: Uint8Array;
  maxInstructions?: number;
}
export interface SnippetOutputLike {
  gpr: bigint[];
  rflags: bigint;
  rip: bigint;
  data: Uint8Array;
  stack: Uint8Array;
  exception?: { vector: number; errorCode?: number };
  instructions: number;
}

export const hex = (v: bigint | number, width = 16): string =>
  '0x' + BigInt(v).toString(16).padStart(width, '0');
const vecName = (v: number): string => VECTOR_NAMES[v] ?? `#${v}`;

export function applyPatches(base: Uint8Array, win: 0 | 1, ...lists: readonly Patch[][]): Buffer {
  const out = Buffer.from(base);
  for (const list of lists) for (const p of list) if (p.win === win) out.set(p.bytes, p.off);
  return out;
}

/** The snippet input of a vector (fresh windows every time: the emulator may write them). */
export function snippetInput(
  base: BaseWindows,
  c: OracleCase,
  maxInstructions = 1_000_000,
): SnippetInputLike {
  return {
    code: c.code,
    gpr: c.gpr.slice(),
    rflags: c.rflags,
    data: applyPatches(base.data, 0, c.patches),
    stack: applyPatches(base.stack, 1, c.patches),
    maxInstructions,
  };
}

/** What differs, as short human-readable items; empty when the emulator agrees with the CPU. */
export function compareCase(
  base: BaseWindows,
  c: OracleCase,
  exp: Expected,
  got: SnippetOutputLike,
): string[] {
  const out: string[] = [];
  if (exp.status === Status.Timeout) return out;
  const expFault = exp.status === Status.Exception;
  if (expFault && !got.exception) out.push(`exception: expected ${vecName(exp.vector)}, got none`);
  else if (!expFault && got.exception)
    out.push(`exception: expected none, got ${vecName(got.exception.vector)}`);
  else if (expFault && got.exception) {
    if (got.exception.vector !== exp.vector)
      out.push(`exception: expected ${vecName(exp.vector)}, got ${vecName(got.exception.vector)}`);
    else if (got.exception.errorCode !== undefined && (exp.vector === 13 || exp.vector === 14)) {
      const m = exp.vector === 14 ? 0x1f : 0xffff;
      if ((got.exception.errorCode & m) !== (exp.errorCode & m)) {
        out.push(
          `error code: expected ${hex(exp.errorCode & m, 2)}, got ${hex(got.exception.errorCode & m, 2)}`,
        );
      }
    }
  }
  if (got.rip !== exp.rip) out.push(`rip: expected ${hex(exp.rip, 8)}, got ${hex(got.rip, 8)}`);
  for (let g = 0; g < 16; g++) {
    if (c.undefRegs & (1 << g)) continue;
    if (got.gpr[g] !== exp.gpr[g])
      out.push(
        `${GPR_NAMES[g]}: expected ${hex(exp.gpr[g])}, got ${hex(BigInt.asUintN(64, got.gpr[g] ?? -1n))}`,
      );
  }
  const fm = COMPARED & ~c.undefFlags;
  const fdiff = Number((got.rflags ^ exp.rflags) & BigInt(fm));
  if (fdiff) {
    const set = Number(exp.rflags) & fdiff;
    out.push(
      `rflags: ${flagNames(fdiff)} differ (expected set: ${flagNames(set)}; expected ${hex(exp.rflags & BigInt(fm), 4)}, got ${hex(got.rflags & BigInt(fm), 4)}, compared ${flagNames(fm)})`,
    );
  }
  for (const win of [0, 1] as const) {
    const want = applyPatches(win ? base.stack : base.data, win, c.patches, exp.diffs);
    const have = win ? got.stack : got.data;
    if (have.length === WINDOW && Buffer.from(have.buffer, have.byteOffset, WINDOW).equals(want)) continue;
    const offs: number[] = [];
    for (let i = 0; i < WINDOW; i++) if (have[i] !== want[i]) offs.push(i);
    if (offs.length) {
      const first = offs[0];
      const n = Math.min(16, WINDOW - first);
      const wb = Buffer.from(want.subarray(first, first + n)).toString('hex');
      const hb = Buffer.from(have.subarray(first, first + n)).toString('hex');
      const wname = win ? 'stack' : 'data';
      const addr = (win ? STACK_BASE : DATA_BASE) + BigInt(first);
      out.push(
        `${wname}: ${offs.length} byte(s) differ, first at ${hex(addr, 8)}: expected ${wb}, got ${hb}`,
      );
    }
  }
  return out;
}

/** A readable report of one mismatch: disassembly, inputs, expectation and the differences. */
export function formatMismatch(
  group: string,
  index: number,
  c: OracleCase,
  exp: Expected,
  diffs: string[],
): string {
  const lines: string[] = [];
  lines.push(`── ${c.label} — group ${group}, vector ${index}`);
  lines.push(...disassemble(c.code).map((l) => `   ${l}`));
  lines.push(`   code end ${hex(CODE_BASE + BigInt(c.code.length), 8)}`);
  const regs: string[] = [];
  for (let g = 0; g < 16; g++) regs.push(`${GPR_NAMES[g].padStart(3)}=${hex(c.gpr[g])}`);
  for (let i = 0; i < 16; i += 4) lines.push(`   in  ${regs.slice(i, i + 4).join(' ')}`);
  lines.push(`   in  rflags=${hex(c.rflags, 4)} (${flagNames(Number(c.rflags))})`);
  for (const p of c.patches.slice(0, 6)) {
    const addr = (p.win ? STACK_BASE : DATA_BASE) + BigInt(p.off);
    lines.push(`   in  [${hex(addr, 8)}] = ${Buffer.from(p.bytes.subarray(0, 32)).toString('hex')}`);
  }
  const outcome =
    exp.status === Status.Exception
      ? `${vecName(exp.vector)} at ${hex(exp.rip, 8)} (error code ${hex(exp.errorCode, 2)})`
      : `completed`;
  lines.push(
    `   cpu: ${outcome}; undefined here: flags ${flagNames(c.undefFlags)}${c.undefRegs ? `, regs ${GPR_NAMES.filter((_, g) => c.undefRegs & (1 << g)).join(' ')}` : ''}`,
  );
  for (const d of diffs) lines.push(`   ✗ ${d}`);
  return lines.join('\n');
}

/** Collects mismatches per label and per mnemonic, keeping one example (the shortest code) per label. */
export class MismatchLog {
  readonly byLabel = new Map<string, { count: number; example: string; codeLen: number }>();
  total = 0;
  checked = 0;
  skipped = 0;

  add(label: string, codeLen: number, render: () => string): void {
    this.total++;
    const cur = this.byLabel.get(label);
    if (!cur) this.byLabel.set(label, { count: 1, example: render(), codeLen });
    else {
      cur.count++;
      if (codeLen < cur.codeLen) {
        cur.example = render();
        cur.codeLen = codeLen;
      }
    }
  }

  /** Summary by mnemonic (first word of the label) and up to `maxExamples` examples. */
  summary(title: string, maxExamples = 25): string {
    if (this.total === 0) return `${title}: ${this.checked} vectors agree with the CPU`;
    const byMnem = new Map<string, number>();
    for (const [label, v] of this.byLabel) {
      const m = label.startsWith('#') ? label.split(' ').slice(0, 2).join(' ') : label.split(' ')[0];
      byMnem.set(m, (byMnem.get(m) ?? 0) + v.count);
    }
    const lines = [`${title}: ${this.total} of ${this.checked} vectors differ from the CPU`];
    lines.push(
      'by mnemonic: ' +
        [...byMnem]
          .sort((a, b) => b[1] - a[1])
          .map(([m, n]) => `${m} ${n}`)
          .join(', '),
    );
    const labels = [...this.byLabel].sort((a, b) => b[1].count - a[1].count);
    lines.push('by form: ' + labels.map(([l, v]) => `${l} ×${v.count}`).join('; '));
    for (const [, v] of labels.slice(0, maxExamples)) lines.push(v.example);
    if (labels.length > maxExamples)
      lines.push(`… ${labels.length - maxExamples} more forms with mismatches not shown`);
    return lines.join('\n');
  }
}
