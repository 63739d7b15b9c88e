import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomain } from '../../src/builder/domain-builder';
import { ArrayPhysicalMemory } from '../../src/mem/guest-physical-memory';
import { XenSystem } from '../../src/xen-system';
import { BufferedConsoleSink } from '../../src/domain/console-sink';
import { checkBootInvariants } from '../helpers/boot-invariants';
import { linuxImage, xtfImage } from '../helpers/images';

const ROOT = join(__dirname, '../../../../guests/test-kernels');

/** memory_mib per kernel from kernels.ini (default 16). */
function memoryMib(name: string): number {
  const ini = join(ROOT, 'kernels.ini');
  if (!existsSync(ini)) return 16;
  const section = readFileSync(ini, 'utf8')
    .split(/^\[/m)
    .find((s) => s.startsWith(`${name}]`));
  const m = section?.match(/^memory_mib\s*=\s*(\d+)/m);
  return m ? Number(m[1]) : 16;
}

function images(): Array<[string, Uint8Array, number]> {
  const list: Array<[string, Uint8Array, number]> = [
    ['synthetic-xtf', xtfImage(), 16],
    ['synthetic-linux', linuxImage({ modStartPfn: false }), 32],
  ];
  const dist = join(ROOT, 'dist');
  if (existsSync(dist)) {
    for (const f of readdirSync(dist)
      .filter((x) => x.endsWith('.elf'))
      .sort()) {
      list.push([f, new Uint8Array(readFileSync(join(dist, f))), memoryMib(f.replace(/\.elf$/, ''))]);
    }
  }
  return list;
}

describe('builder on real kernels (guests/test-kernels/dist when built, plus synthetic ones)', () => {
  it('builds each image and honours the start-of-day contract', () => {
    const built: string[] = [];
    for (const [name, image, mib] of images()) {
      const sys = new XenSystem(new ArrayPhysicalMemory((mib + 8) << 20));
      const d = sys.createDomain({ id: 1, maxPages: mib * 256, console: new BufferedConsoleSink() });
      const b = buildDomain(sys.mmu, d, { image, nrPages: mib * 256, cmdline: name });
      try {
        checkBootInvariants(sys, b);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      expect(b.regs.rip).toBe(b.info.entry);
      built.push(name);
    }
    expect(built.length).toBeGreaterThanOrEqual(2);
  });
});
