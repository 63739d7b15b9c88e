/**
 * Robustness: random byte streams and random register / page-table states (seeded, bounded) never
 * throw a JavaScript exception, never hang, and never write physical memory the guest cannot reach
 * (pages not referenced by any paging entry).
 */
import { describe, expect, it } from 'vitest';
import { Cpu, PhysicalMemory, decodeOne, EXIT_BUDGET } from '../../src';
import { CS, SS, DS, ES, FS, GS } from '../../src/state/layout';
import { ATTR_CODE32, ATTR_CODE64, ATTR_DATA, attrWithDpl } from '../../src/state/cpu-state';

/** xorshift64* */
class Rng {
  private x: bigint;
  constructor(seed: number) {
    this.x = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  }
  next(): bigint {
    let x = this.x;
    x ^= x >> 12n;
    x ^= (x << 25n) & 0xffffffffffffffffn;
    x ^= x >> 27n;
    this.x = x;
    return BigInt.asUintN(64, x * 0x2545f4914f6cdd1dn);
  }
  int(n: number): number {
    return Number(this.next() % BigInt(n));
  }
  chance(p: number): boolean {
    return this.int(1000) < p * 1000;
  }
}

const MEM = 1 << 20; // 256 pages
const PAGES = MEM / 4096;

/** Linear page numbers used for mappings: low user space, a high kernel range, and near 0. */
const LIN_BASES = [0x0n, 0x400000n, 0x7fff_f000_0000n, 0xffff_8000_0000_0000n, 0xffff_ffff_8000_0000n];

interface World {
  cpu: Cpu;
  mem: PhysicalMemory;
  reachable: Set<number>;
  before: Uint8Array;
  linears: bigint[];
}

function buildWorld(seed: number): World {
  const rng = new Rng(seed);
  const mem = new PhysicalMemory(MEM);
  // fill all of memory with noise so that unreferenced pages are recognisable
  for (let k = 0; k < MEM; k += 8) mem.dv.setBigUint64(k, rng.next(), true);
  const reachable = new Set<number>();
  let next = 1;
  const alloc = (): number => {
    const p = next++;
    reachable.add(p);
    mem.zeroPage(p);
    return p * 4096;
  };
  const pml4 = alloc();
  const linears: bigint[] = [];
  const nmap = 6 + rng.int(10);
  for (let k = 0; k < nmap; k++) {
    const lin = LIN_BASES[rng.int(LIN_BASES.length)] + BigInt(rng.int(16) * 4096);
    let table = pml4;
    for (let level = 4; level > 1; level--) {
      const idx = Number((lin >> BigInt(12 + 9 * (level - 1))) & 511n);
      const ea = table + idx * 8;
      let e = mem.readU64(ea);
      if ((e & 1n) === 0n) {
        e = BigInt(alloc()) | 7n | (rng.chance(0.1) ? 0n : 0n);
        if (rng.chance(0.05)) e &= ~2n; // occasionally read-only upper levels
        mem.writeU64(ea, e);
      }
      table = Number(e & 0xff_ffff_f000n);
    }
    // leaf: random target page (memory pages or beyond RAM), random flags
    const target = rng.chance(0.05) ? 0x8000_0000 : (64 + rng.int(PAGES - 64)) * 4096;
    if (target < MEM) reachable.add(target / 4096);
    let flags =
      1n | (rng.chance(0.7) ? 2n : 0n) | (rng.chance(0.6) ? 4n : 0n) | (rng.chance(0.3) ? 1n << 63n : 0n);
    if (rng.chance(0.05)) flags |= 1n << 51n; // reserved bit
    if (rng.chance(0.05)) flags &= ~1n; // not present
    if (rng.chance(0.2)) flags |= 0x100n; // global
    mem.writeU64(table + Number((lin >> 12n) & 511n) * 8, BigInt(target) | flags);
    linears.push(lin);
  }
  const cpu = new Cpu({ memory: mem });
  const cpl = rng.chance(0.5) ? 3 : 0;
  cpu.enterLongMode({ cr3: BigInt(pml4), cpl, nxe: rng.chance(0.7) });
  if (rng.chance(0.3)) cpu.s[112] &= ~(1 << 16); // CR0.WP
  if (rng.chance(0.3)) cpu.s[118] |= 1 << 7; // CR4.PGE
  if (rng.chance(0.15)) {
    cpu.setSegment(CS, 0x23, 0n, 0xffffffff, attrWithDpl(ATTR_CODE32, cpl));
  } else cpu.setSegment(CS, 0x33, 0n, 0xffffffff, attrWithDpl(ATTR_CODE64, cpl));
  for (const sg of [SS, DS, ES, FS, GS]) cpu.setSegment(sg, 0, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, cpl));
  // registers point into mapped pages (or anywhere)
  for (let r = 0; r < 16; r++) {
    const v = rng.chance(0.6) ? linears[rng.int(linears.length)] + BigInt(rng.int(4096)) : rng.next();
    cpu.setReg(r, v);
  }
  cpu.rflags = BigInt(rng.int(0x10000)) & 0xcd5n;
  cpu.rip = linears[rng.int(linears.length)] + BigInt(rng.int(4096));
  // random code in every mapped page (the guest reaches them anyway)
  for (const p of reachable)
    if (p >= 64) for (let k = 0; k < 4096; k += 8) mem.dv.setBigUint64(p * 4096 + k, rng.next(), true);
  // half the worlds deliver exceptions through an (absent) IDT → triple faults; half intercept
  cpu.interceptExceptions = rng.chance(0.5) ? -1 : 0;
  return { cpu, mem, reachable, before: mem.u8.slice(), linears };
}

describe('robustness', () => {
  it('random machine states and code: no throw, no hang, no writes to unreachable pages', () => {
    let totalInsns = 0;
    let exits = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const w = buildWorld(seed);
      const rng = new Rng(seed * 7919);
      for (let round = 0; round < 20; round++) {
        const ex = w.cpu.run(500);
        totalInsns += ex.instructions;
        expect(ex.instructions).toBeLessThanOrEqual(500);
        if (ex.reason !== EXIT_BUDGET) exits++;
        // restart somewhere else, possibly in another state
        w.cpu.halted = false;
        w.cpu.rip = w.linears[rng.int(w.linears.length)] + BigInt(rng.int(4096));
        if (rng.chance(0.2)) w.cpu.cpl = rng.chance(0.5) ? 3 : 0;
      }
      // unreachable pages are untouched
      for (let p = 0; p < PAGES; p++) {
        if (w.reachable.has(p)) continue;
        const a = p * 4096;
        const same =
          Buffer.compare(
            Buffer.from(w.before.subarray(a, a + 4096)),
            Buffer.from(w.mem.u8.subarray(a, a + 4096)),
          ) === 0;
        if (!same) throw new Error(`seed ${seed}: unreachable physical page ${p} was written`);
      }
    }
    expect(totalInsns).toBeGreaterThan(1_000);
    expect(exits).toBeGreaterThan(100);
  });

  it('decodeOne never throws on random bytes and reports lengths 1..15', () => {
    const rng = new Rng(42);
    const buf = new Uint8Array(32);
    let valid = 0;
    for (let n = 0; n < 50_000; n++) {
      for (let k = 0; k < 32; k += 8) new DataView(buf.buffer).setBigUint64(k, rng.next(), true);
      for (const mode of [64, 32] as const) {
        const d = decodeOne(buf, 0, mode);
        if (d !== null) {
          valid++;
          expect(d.length).toBeGreaterThanOrEqual(1);
          expect(d.length).toBeLessThanOrEqual(15);
          expect(typeof d.mnemonic).toBe('string');
        }
      }
    }
    expect(valid).toBeGreaterThan(50_000);
  });
});
