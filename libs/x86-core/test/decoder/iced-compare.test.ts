/**
 * The x86-core decoder against an independent one (iced-x86): lengths, mnemonics and operand forms
 * over 100k seeded random byte strings and a sweep of every opcode of every map with each ModRM form,
 * in 64-bit and 32-bit (compatibility) mode.
 *
 * - iced decodes a general-purpose instruction and decodeOne returns null → failure (rejects valid).
 * - both decode → length, mnemonic and operand kinds/sizes must agree.
 * - iced says invalid and decodeOne decodes it → failure (accepts invalid).
 * - VEX/EVEX/XOP strings, and strings that Intel and AMD decode differently, are skipped and counted;
 *   non-GP classes (x87, SSE, system) that decodeOne returns null for are counted as not claimed.
 */
import { decodeOne } from '@xeno/x86-core';
import { describe, expect, it } from 'vitest';
import { IcedReference, opcodeSweep, randomStrings, type RefInstr } from './iced-reference';

const RANDOM_COUNT = 100_000;
const MAX_EXAMPLES = Number(process.env.DECODER_MAX_EXAMPLES ?? 30);

interface Stats {
  compared: number;
  vex: number;
  vendor: number;
  unclaimed: number;
  invalidAgreed: number;
}

class Failures {
  readonly byKey = new Map<string, { count: number; example: string }>();
  total = 0;
  add(key: string, example: () => string): void {
    this.total++;
    const cur = this.byKey.get(key);
    if (cur) cur.count++;
    else this.byKey.set(key, { count: 1, example: example() });
  }
  report(title: string): string {
    const rows = [...this.byKey].sort((a, b) => b[1].count - a[1].count);
    const lines = [`${title}: ${this.total} disagreements in ${rows.length} categories`];
    for (const [key, v] of rows.slice(0, MAX_EXAMPLES)) lines.push(`  ${key} ×${v.count}\n    ${v.example}`);
    if (rows.length > MAX_EXAMPLES) lines.push(`  … ${rows.length - MAX_EXAMPLES} more categories`);
    return lines.join('\n');
  }
}

/**
 * Names that differ only by convention: iced's enum vs formatter names, and hint/alias encodings that
 * execute as the named instruction on CPUs without the newer feature (0F 18/1C/1D hint space → NOP,
 * F3 0F 09 WBNOINVD → WBINVD, F3 0F 1E /1 RDSSP → NOP), SAL = SHL (/6 alias of /4).
 */
const ALIASES: Record<string, string[]> = {
  wait: ['fwait'],
  reservednop: ['nop'],
  prefetchit0: ['nop'],
  prefetchit1: ['nop'],
  cldemote: ['nop'],
  rdsspd: ['nop'],
  rdsspq: ['nop'],
  wbnoinvd: ['wbinvd'],
  sal: ['shl'],
  xlatb: ['xlat'],
};

const HINT_NOPS = new Set([
  'nop',
  'reservednop',
  'prefetchit0',
  'prefetchit1',
  'cldemote',
  'rdsspd',
  'rdsspq',
]);

function sameMnemonic(ref: RefInstr, got: string): boolean {
  return got === ref.mnemonic || got === ref.formatted || (ALIASES[ref.mnemonic]?.includes(got) ?? false);
}

const hexOf = (b: Uint8Array, n = 16): string =>
  Buffer.from(b.subarray(0, n)).toString('hex').replace(/(..)/g, '$1 ').trim();

function describeOps(ops: readonly { kind: string; size: number }[]): string {
  return ops.map((o) => `${o.kind}${o.size}`).join(',') || '-';
}

function compareOne(bytes: Uint8Array, bitness: 32 | 64, ref: RefInstr, stats: Stats, fails: Failures): void {
  if (ref.cls === 'vex') {
    stats.vex++;
    return;
  }
  if (ref.vendorDependent) {
    stats.vendor++;
    return;
  }
  const got = decodeOne(bytes, 0, bitness);
  const where = (): string => `${hexOf(bytes, Math.max(ref.length, got?.length ?? 0, 4))}  iced: ${ref.text}`;
  if (ref.cls === 'invalid') {
    if (got)
      fails.add(
        `accepts invalid (${bitness}-bit): ${got.mnemonic}`,
        () => `${where()}; decodeOne: ${got.mnemonic} len ${got.length}`,
      );
    else stats.invalidAgreed++;
    return;
  }
  if (!got) {
    if (ref.cls === 'gp') fails.add(`rejects valid (${bitness}-bit): ${ref.mnemonic}`, where);
    else stats.unclaimed++;
    return;
  }
  stats.compared++;
  if (got.length !== ref.length) {
    fails.add(
      `length (${bitness}-bit): ${ref.mnemonic}`,
      () => `${where()}; iced len ${ref.length}, decodeOne len ${got.length}`,
    );
    return;
  }
  if (!sameMnemonic(ref, got.mnemonic)) {
    fails.add(
      `mnemonic (${bitness}-bit): ${ref.mnemonic} vs ${got.mnemonic}`,
      () => `${where()}; decodeOne: ${got.mnemonic}`,
    );
    return;
  }
  // The hint-NOP space (0F 18-1F) has no operand convention worth comparing: lengths and names only.
  if (HINT_NOPS.has(ref.mnemonic)) return;
  const ok =
    got.operands.length === ref.operands.length &&
    ref.operands.every((r, n) => {
      const g = got.operands[n];
      if (g.kind !== r.kind) return false;
      if (r.sizeFree || (r.kind === 'mem' && (r.size === 0 || g.size === 0))) return true;
      return g.size === r.size || g.size === r.altSize;
    });
  if (!ok) {
    fails.add(
      `operands (${bitness}-bit): ${ref.mnemonic} ${describeOps(ref.operands)}`,
      () => `${where()}; iced ${describeOps(ref.operands)}, decodeOne ${describeOps(got.operands)}`,
    );
  }
}

function run(strings: Uint8Array[], bitness: 32 | 64): { stats: Stats; fails: Failures } {
  const ref = new IcedReference();
  const stats: Stats = { compared: 0, vex: 0, vendor: 0, unclaimed: 0, invalidAgreed: 0 };
  const fails = new Failures();
  for (const s of strings) compareOne(s, bitness, ref.decode(s, bitness), stats, fails);
  console.log(
    `[decoder ${bitness}-bit] ${strings.length} strings: ${JSON.stringify(stats)}, ${fails.total} disagreements`,
  );
  return { stats, fails };
}

describe('x86-core decoder vs iced-x86', () => {
  for (const bitness of [64, 32] as const) {
    it(`agrees on ${RANDOM_COUNT} seeded random byte strings (${bitness}-bit)`, () => {
      const { stats, fails } = run(randomStrings(0x1ced + bitness, RANDOM_COUNT, bitness), bitness);
      expect(stats.compared).toBeGreaterThan(RANDOM_COUNT / 10);
      expect(fails.total, fails.report(`random strings, ${bitness}-bit`)).toBe(0);
    }, 300_000);

    it(`agrees on every opcode row and ModRM form (${bitness}-bit)`, () => {
      const { stats, fails } = run(opcodeSweep(bitness), bitness);
      expect(stats.compared).toBeGreaterThan(50_000);
      expect(fails.total, fails.report(`opcode sweep, ${bitness}-bit`)).toBe(0);
    }, 300_000);
  }
});
