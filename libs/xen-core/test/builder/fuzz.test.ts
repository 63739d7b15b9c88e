import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomain } from '../../src/builder/domain-builder';
import { parseElf64 } from '../../src/builder/elf';
import { BufferedConsoleSink } from '../../src/domain/console-sink';
import { BuildError } from '../../src/errors';
import { auditMemory } from '../../src/mm/audit';
import { XenSystem } from '../../src/xen-system';
import { writeElf } from '../helpers/elf-writer';
import { kernelBytes, linuxImage, xtfImage, xtfNotes } from '../helpers/images';
import { prng, RecordingMemory } from '../helpers/recording-memory';

const DIST = join(__dirname, '../../../../guests/test-kernels/dist');

/** Real images to mutate: our synthetic ones plus any built C test kernels. */
function seedImages(): Array<[string, Uint8Array]> {
  const images: Array<[string, Uint8Array]> = [
    ['xtf', xtfImage()],
    ['linux', linuxImage()],
    ['linux-no-p2m', linuxImage({ initP2m: false, modStartPfn: false })],
    [
      'shdr-notes',
      writeElf({
        entry: 0x100000n,
        segments: [{ paddr: 0x100000n, data: kernelBytes(2) }],
        notes: xtfNotes(0x100000n),
        notePlacement: 'shdr',
      }),
    ],
    [
      'legacy',
      writeElf({
        entry: 0x100000n,
        segments: [{ paddr: 0x100000n, data: kernelBytes(2) }],
        legacyGuestString: 'GUEST_OS=XTF,XEN_VER=xen-3.0,LOADER=generic,HYPERCALL_PAGE=0x100,VIRT_BASE=0',
      }),
    ],
  ];
  if (existsSync(DIST)) {
    for (const f of readdirSync(DIST).filter((x) => x.endsWith('.elf'))) {
      const bytes = new Uint8Array(readFileSync(join(DIST, f)));
      try {
        parseElf64(bytes);
        images.push([f, bytes]);
      } catch {
        /* not an ELF kernel */
      }
    }
  }
  return images;
}

/** Offsets worth aiming at: ELF header fields, every program header field, every note header. */
function targets(img: Uint8Array): number[] {
  const t = [16, 18, 24, 32, 40, 54, 56, 58, 60, 62];
  try {
    const elf = parseElf64(img);
    const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
    const phoff = Number(dv.getBigUint64(32, true));
    elf.phdrs.forEach((p, i) => {
      for (const f of [0, 4, 8, 16, 24, 32, 40]) t.push(phoff + i * 56 + f);
      if (p.type === 4) for (let o = 0; o < Number(p.filesz); o += 4) t.push(Number(p.offset) + o);
    });
  } catch {
    /* header already broken */
  }
  return t;
}

const INTERESTING = [
  0n,
  1n,
  2n,
  4n,
  7n,
  8n,
  0xfffn,
  0x1000n,
  0x7fffffffn,
  0xffffffffn,
  1n << 47n,
  1n << 63n,
  (1n << 64n) - 1n,
];

function mutate(img: Uint8Array, rnd: () => number): Uint8Array {
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const out = img.slice();
  const dv = new DataView(out.buffer);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) {
    const flips = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < flips; i++) out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8);
    return out;
  }
  if (kind === 1) return out.slice(0, Math.floor(rnd() * out.length));
  const at = pick(targets(img));
  const width = pick([1, 2, 4, 8]);
  if (at + width > out.length) return out;
  const cur =
    width === 8 ? dv.getBigUint64(at, true) : BigInt(width === 4 ? dv.getUint32(at, true) : out[at]);
  const v = kind === 2 ? pick(INTERESTING) : cur + BigInt(Math.floor(rnd() * 0x4000) - 0x2000);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  out.set(bytes.subarray(0, width), at);
  return out;
}

describe('builder fuzz: mutated real images', () => {
  const seed = Number(process.env.XEN_FUZZ_SEED ?? 0x5eed);
  const iterations = Number(process.env.XEN_FUZZ_ITERATIONS ?? 800);

  it(`is always a clean BuildError or a sound domain, and never touches memory on failure (seed ${seed})`, () => {
    const mem = new RecordingMemory(48 << 20);
    const sys = new XenSystem(mem);
    const sink = new BufferedConsoleSink();
    const rnd = prng(seed);
    const images = seedImages();
    const outcomes = new Map<string, number>();
    let nextId = 1;
    for (let i = 0; i < iterations; i++) {
      const [name, base] = images[i % images.length];
      const img = mutate(base, rnd);
      const d = sys.createDomain({ id: nextId++, maxPages: 6144, console: sink });
      const free = sys.host.allocator.freeFrames;
      mem.writes = 0;
      try {
        buildDomain(sys.mmu, d, { image: img, nrPages: 6144, ramdisk: Uint8Array.of(1, 2, 3) });
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
        expect(auditMemory(sys.host, sys.allDomains)).toEqual([]);
      } catch (e) {
        if (!(e instanceof BuildError)) {
          throw new Error(`iteration ${i} (${name}, seed ${seed}): ${(e as Error).stack}`);
        }
        outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
        expect({ i, writes: mem.writes, free: sys.host.allocator.freeFrames, tot: d.totPages }).toEqual({
          i,
          writes: 0,
          free,
          tot: 0,
        });
      }
      sys.destroyDomain(d.id);
    }
    if (process.env.XEN_FUZZ_VERBOSE)
      process.stdout.write(`fuzz outcomes: ${JSON.stringify([...outcomes])}\n`);
    // The mutations must reach deep: successes and many distinct refusal codes.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(iterations / 20);
    expect(outcomes.size).toBeGreaterThan(10);
  });
});
