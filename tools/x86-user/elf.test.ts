import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfError, ET_DYN, ET_EXEC, parseElf, PT_INTERP, PT_LOAD, readSymbols, symbolize } from './elf';

const BIN = join(__dirname, '../../guests/test-programs/bin');

/** binutils' view of the same file, to check the parser against an independent one. */
function readelf(path: string) {
  const text = execFileSync('readelf', ['-lhW', path], { encoding: 'utf8' });
  const entry = Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(text)![1]);
  const loads = [
    ...text.matchAll(/^\s+LOAD\s+(\S+)\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)\s+([RWE ]+?)\s+(0x\S+)$/gm),
  ].map((m) => ({
    offset: Number(m[1]),
    vaddr: Number(m[2]),
    filesz: Number(m[3]),
    memsz: Number(m[4]),
    flags: m[5],
  }));
  return { entry, loads };
}

const flagText = (flags: number) =>
  [flags & 4 ? 'R' : ' ', flags & 2 ? 'W' : ' ', flags & 1 ? 'E' : ' '].join('').trimEnd();

describe('parseElf', () => {
  for (const [name, type] of [
    ['hello', ET_EXEC],
    ['hello-pie', ET_DYN],
    ['bench-crc32', ET_EXEC],
  ] as const) {
    it(`reads ${name} the way readelf does`, () => {
      const path = join(BIN, name);
      const image = parseElf(readFileSync(path));
      const reference = readelf(path);
      expect(image.type).toBe(type);
      expect(image.entry).toBe(reference.entry);
      const loads = image.programHeaders.filter((ph) => ph.type === PT_LOAD);
      expect(
        loads.map((ph) => ({
          offset: ph.offset,
          vaddr: ph.vaddr,
          filesz: ph.filesz,
          memsz: ph.memsz,
          flags: flagText(ph.flags),
        })),
      ).toEqual(reference.loads);
    });
  }

  it('rejects what it cannot run with a reason', () => {
    const hello = readFileSync(join(BIN, 'hello'));
    const patched = (at: number, value: number) => {
      const copy = Uint8Array.from(hello);
      copy[at] = value;
      return copy;
    };
    expect(() => parseElf(hello.subarray(0, 10))).toThrow(/too short/);
    expect(() => parseElf(new Uint8Array(2))).toThrow(/bad magic/);
    expect(() => parseElf(patched(0, 0x7e))).toThrow(/bad magic/);
    expect(() => parseElf(patched(4, 1))).toThrow(/64-bit/);
    expect(() => parseElf(patched(5, 2))).toThrow(/little-endian/);
    expect(() => parseElf(patched(18, 3))).toThrow(/EM_X86_64/);
    expect(() => parseElf(patched(16, 1))).toThrow(/ET_EXEC/);
    expect(() => parseElf(hello.subarray(0, 0x2000))).toThrow(ElfError); // segments beyond the end
    const dynamic = readFileSync('/bin/true');
    expect(parseElf.bind(null, dynamic)).toThrow(/PT_INTERP/);
    expect(PT_INTERP).toBe(3);
  });
});

describe('readSymbols', () => {
  it('finds main where nm does and symbolizes addresses inside it', () => {
    const path = join(BIN, 'hello');
    const nm = execFileSync('nm', [path], { encoding: 'utf8' });
    const main = Number(`0x${/^([0-9a-f]+) T main$/m.exec(nm)![1]}`);
    const symbols = readSymbols(readFileSync(path));
    expect(symbols.find((s) => s.name === 'main')?.value).toBe(main);
    expect(symbolize(symbols, main)).toBe('main');
    expect(symbolize(symbols, main + 4)).toBe('main+0x4');
    expect(symbolize(symbols, 0x10)).toBeUndefined();
  });
});
