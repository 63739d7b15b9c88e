/**
 * The credit scheduler driving real guests on a PvHost: four domains spinning in `jmp .` get
 * instructions in proportion to their weights, a cap holds a domain to its share of system time
 * (the host idles the rest in `jump` mode), and weights can be changed while the domains run.
 */
import { describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';
import { xtfImage } from '../helpers/images';

const ENTRY_PFN = 0x100; // xtfImage: VIRT_BASE 0, entry 0x100000
const PERIOD = 400_000;

function spinningDomain(host: PvHost, weight: number, cap = 0): PvDomain {
  const dom = host.createDomain({ image: xtfImage(), memoryMiB: 4, weight, cap });
  host.sys.host.mem.writeBytes(dom.built.p2m[ENTRY_PFN] * 4096, Uint8Array.of(0xeb, 0xfe)); // jmp .
  return dom;
}

function newHost(): PvHost {
  return new PvHost({ memoryMiB: 48, sliceInstructions: PERIOD / 10, scheduler: { periodNs: PERIOD } });
}

describe('credit scheduler on a PvHost', () => {
  it('shares instructions 1:1:2:4 among four busy domains (within 5%)', () => {
    const host = newHost();
    const doms = [1, 1, 2, 4].map((w) => spinningDomain(host, w * 64));
    const r = host.run(24 * PERIOD);
    expect(r.reason).toBe('budget');
    const total = doms.reduce((s, d) => s + d.exec.instructions, 0);
    [1, 1, 2, 4].forEach((w, i) => {
      const share = doms[i].exec.instructions / total;
      expect(Math.abs(share - w / 8) / (w / 8)).toBeLessThan(0.05);
    });
    expect(host.sched.cpuNs(doms[3].exec.id)).toBeGreaterThan(host.sched.cpuNs(doms[0].exec.id));
  });

  it('holds a capped domain to 25% of system time; the uncapped one takes the rest', () => {
    const host = newHost();
    const capped = spinningDomain(host, 256, 25);
    const t0 = host.clock.now();
    host.run(8 * PERIOD);
    const alone = capped.exec.instructions / Number(host.clock.now() - t0);
    expect(alone).toBeGreaterThan(0.24);
    expect(alone).toBeLessThan(0.26);

    const other = spinningDomain(host, 256);
    const c0 = capped.exec.instructions;
    host.run(16 * PERIOD);
    const c = capped.exec.instructions - c0;
    expect(c / (c + other.exec.instructions)).toBeGreaterThan(0.24);
    expect(c / (c + other.exec.instructions)).toBeLessThan(0.26);
  });

  it('follows a weight change made while the domains run', () => {
    const host = newHost();
    const [a, b] = [spinningDomain(host, 256), spinningDomain(host, 256)];
    host.run(4 * PERIOD);
    host.sched.setParams(b.exec.id, { weight: 768 });
    const [a0, b0] = [a.exec.instructions, b.exec.instructions];
    host.run(16 * PERIOD);
    const da = a.exec.instructions - a0;
    const db = b.exec.instructions - b0;
    expect(Math.abs(db / (da + db) - 0.75)).toBeLessThan(0.0375);
  });

  it('refuses a bad weight before building anything', () => {
    const host = newHost();
    const free = host.sys.host.allocator.freeFrames;
    expect(() => host.createDomain({ image: xtfImage(), memoryMiB: 2, weight: 0 })).toThrow(/weight/);
    expect(host.sys.host.allocator.freeFrames).toBe(free);
    expect(host.domains.size).toBe(0);
  });
});
