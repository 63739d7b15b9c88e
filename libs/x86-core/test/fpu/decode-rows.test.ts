/**
 * The FPU opcode rows through the real decoder (buildTables/decode), checked against iced-x86:
 * every row decodes with iced's length and mnemonic, and every SSE/SSE2/x87 encoding iced accepts
 * for a mnemonic we implement is claimed by some row.
 */
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { buildTables, decode } from '../../src/decoder/decoder';
import { Insn } from '../../src/decoder/insn';
import { MAP_0F, type OpcodeRow } from '../../src/decoder/opcode-row';
import { FPU_ROWS, SSE_HINT_ROWS } from '../../src/fpu';
import { allRows } from '../../src/isa/opcode-table';

const tables = buildTables([...FPU_ROWS, ...SSE_HINT_ROWS]);
const formatter = new Formatter(FormatterSyntax.Intel);

/** iced spellings that differ from the table's (iced-x86 naming is the table's convention). */
const ALIAS: Record<string, string> = { wait: 'fwait' };

function iced(bytes: Uint8Array): { len: number; name: string } | null {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  const ins = d.decode();
  try {
    if (ins.isInvalid) return null;
    const m = formatter.formatMnemonic(ins).split(' ').pop() ?? '';
    return { len: ins.length, name: ALIAS[m] ?? m };
  } finally {
    ins.free();
    d.free();
  }
}

function ours(bytes: Uint8Array): { len: number; name: string } | null {
  const i = new Insn(() => 0);
  const n = decode(tables, bytes, 0, bytes.length, 64, 0x1000, 0, i);
  if (n < 0 || i.row === null) return null;
  const nm = i.row.row.name;
  return { len: n, name: typeof nm === 'string' ? nm : nm(i) };
}

function encodings(r: OpcodeRow): Uint8Array[] {
  const out: Uint8Array[] = [];
  const head: number[] = r.pfx ? [r.pfx] : [];
  const needsImm = r.ops.split(',').includes('Ib');
  const rexes = /[EGM]y/.test(r.ops) ? [0, 0x48] : [0];
  const regs = r.reg !== undefined ? [r.reg] : [0, 3, 7];
  const modrms: number[][] = [];
  for (const reg of regs) {
    if (r.mod !== 'mem')
      for (const rm of r.rm !== undefined ? [r.rm] : [0, 5, 7]) modrms.push([0xc0 | (reg << 3) | rm]);
    if (r.mod !== 'reg' && r.rm === undefined) {
      modrms.push([reg << 3]);
      modrms.push([0x44 | (reg << 3), 0x24, 0x10]);
    }
  }
  for (const rex of rexes)
    for (const mr of modrms) {
      const b = [...head, ...(rex ? [rex] : []), ...(r.map === MAP_0F ? [0x0f] : []), r.op, ...mr];
      if (needsImm) b.push(0x5a);
      while (b.length < 16) b.push(0x90);
      out.push(Uint8Array.from(b));
    }
  if (r.ops === '' && r.reg === undefined) {
    const b = [...head, ...(r.map === MAP_0F ? [0x0f] : []), r.op];
    while (b.length < 16) b.push(0x90);
    out.push(Uint8Array.from(b));
  }
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('FPU opcode rows vs iced-x86', () => {
  it('builds one decode table with the integer decoder', () => {
    expect(tables.rows.length).toBe(FPU_ROWS.length + SSE_HINT_ROWS.length);
    expect(FPU_ROWS.length).toBeGreaterThan(250);
  });

  it("merges into the CPU's table (isa/opcode-table allRows) without conflicts", () => {
    const merged = buildTables(allRows());
    for (const r of FPU_ROWS) expect(merged.rows.some((c) => c.row === r)).toBe(true);
  });

  it('every row decodes like iced (length and mnemonic)', () => {
    const bad: string[] = [];
    let n = 0;
    for (const r of [...FPU_ROWS, ...SSE_HINT_ROWS])
      for (const b of encodings(r)) {
        n++;
        const a = ours(b);
        const e = iced(b);
        if (a === null || e === null || a.len !== e.len || a.name !== e.name)
          bad.push(`${hex(b.subarray(0, 8))}: ours ${JSON.stringify(a)} iced ${JSON.stringify(e)}`);
      }
    expect(n).toBeGreaterThan(1000);
    expect(bad.slice(0, 20).join('\n')).toBe('');
  });

  it('claims every encoding iced accepts for an implemented mnemonic', () => {
    const names = new Set<string>();
    for (const r of FPU_ROWS) if (typeof r.name === 'string') names.add(r.name);
    for (const n of ['movd', 'movq', 'fxsave', 'fxsave64', 'fxrstor', 'fxrstor64']) names.add(n);
    const bad: string[] = [];
    const prefixes = [[], [0x66], [0xf3], [0xf2]];
    for (const pfx of prefixes)
      for (const rex of [0, 0x48])
        for (const [map, lo, hi] of [
          [1, 0xd8, 0xdf],
          [1, 0x9b, 0x9b],
          [2, 0x10, 0x17],
          [2, 0x28, 0x2f],
          [2, 0x50, 0x7f],
          [2, 0xae, 0xae],
          [2, 0xc2, 0xc6],
          [2, 0xd0, 0xff],
        ])
          for (let op = lo; op <= hi; op++)
            for (let modrm = 0; modrm < 256; modrm += modrm < 0xc0 ? 7 : 1) {
              const b = [...pfx, ...(rex ? [rex] : []), ...(map === 2 ? [0x0f] : []), op, modrm];
              if ((modrm & 0xc7) === 0x04) b.push(0x24);
              b.push(0x33, 0x90, 0x90, 0x90, 0x90, 0x90);
              const bytes = Uint8Array.from(b);
              const e = iced(bytes);
              if (e === null || !names.has(e.name)) continue; // a mnemonic with no row at all (e.g. SSE3 addsubpd)
              const a = ours(bytes);
              if (a === null || a.len !== e.len || a.name !== e.name)
                bad.push(`${hex(bytes.subarray(0, 8))}: iced ${e.name}/${e.len} ours ${JSON.stringify(a)}`);
            }
    expect(bad.slice(0, 20).join('\n')).toBe('');
  });
});
